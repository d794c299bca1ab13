#!/usr/bin/env node
// A committed shim so package managers link the bin even before dist/ is built in a workspace.
import '../dist/cli.js';
