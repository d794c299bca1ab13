#!/usr/bin/env node
import { runCreate } from './run.js';

process.exitCode = await runCreate(process.argv.slice(2));
