import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import {
  CONFIG_FILES,
  ConfigError,
  type Diagnostic,
  loadConfig,
  validateAppYaml,
} from '@gaekit/config';
import { type CliIo, colors, count, ExitCode, printDiagnostics, shown } from '../output.js';

/** Options of `gae validate`. */
export interface ValidateOptions {
  json?: boolean;
  mode?: 'development' | 'production';
}

interface FileReport {
  file: string;
  kind: 'app';
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

function findDefault(dir: string): string | undefined {
  return CONFIG_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
}

async function validateFile(path: string, options: ValidateOptions): Promise<FileReport> {
  let diagnostics: Diagnostic[];
  if (/\.(ya?ml)$/.test(path)) {
    diagnostics = validateAppYaml(readFileSync(path, 'utf8'), { fileName: path }).diagnostics;
  } else {
    try {
      diagnostics = (await loadConfig(path, { mode: options.mode ?? 'production' })).warnings;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      diagnostics = [...error.diagnostics];
    }
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return {
    file: path,
    kind: 'app',
    valid: errors === 0,
    errors,
    warnings: diagnostics.length - errors,
    diagnostics,
  };
}

/** `gae validate [files...]`: checks configs and prints every problem with file:line:column. */
export async function validateCommand(
  files: string[],
  options: ValidateOptions,
  io: CliIo,
): Promise<number> {
  const c = colors(io);
  const targets: string[] = [];
  for (const file of files.length > 0 ? files : ['.']) {
    const path = resolve(io.cwd, file);
    if (!existsSync(path)) {
      io.err(`${c.red('error')} ${shown(io, path)} does not exist.`);
      return ExitCode.usage;
    }
    if (statSync(path).isDirectory()) {
      const found = findDefault(path);
      if (!found) {
        io.err(
          `${c.red('error')} no config in ${shown(io, path)}: looked for ${CONFIG_FILES.join(', ')}.`,
        );
        io.err('  Create app.config.ts, or run gae import app.yaml.');
        return ExitCode.invalid;
      }
      targets.push(found);
    } else {
      targets.push(path);
    }
  }
  const reports: FileReport[] = [];
  for (const target of targets) reports.push(await validateFile(target, options));
  if (options.json) {
    io.out(JSON.stringify({ valid: reports.every((r) => r.valid), files: reports }, null, 2));
  } else {
    for (const report of reports) {
      printDiagnostics(io, report.diagnostics);
      const name = shown(io, report.file) || basename(report.file);
      if (report.valid) {
        io.err(
          `${c.green('✓')} ${name} is valid${report.warnings ? ` (${count(report.warnings, 'warning')})` : ''}`,
        );
      } else {
        io.err(
          `${c.red('✗')} ${name}: ${count(report.errors, 'error')}${report.warnings ? `, ${count(report.warnings, 'warning')}` : ''}`,
        );
      }
    }
  }
  return reports.every((r) => r.valid) ? ExitCode.ok : ExitCode.invalid;
}
