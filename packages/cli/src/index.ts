export { type CliIo, ExitCode } from './output.js';
export { runCli } from './run.js';
