import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type AppConfig,
  CONFIG_FILES,
  ConfigError,
  checkErrorFiles,
  type Diagnostic,
  loadConfig,
  OTHER_CONFIG_FILES,
  validateAppYaml,
  validateCronYaml,
  validateDispatchYaml,
  validateQueueYaml,
} from '@gaekit/config';
import { type CliIo, colors, count, ExitCode, printDiagnostics, shown } from '../output.js';

/** Options of `gae validate`. */
export interface ValidateOptions {
  json?: boolean;
  mode?: 'development' | 'production';
}

/** What a file is, by its name as gcloud decides: dispatch.yaml, cron.yaml, queue.yaml, else app. */
type Kind = 'app' | 'dispatch' | 'cron' | 'queue';

const YAML_VALIDATORS = {
  app: validateAppYaml,
  dispatch: validateDispatchYaml,
  cron: validateCronYaml,
  queue: validateQueueYaml,
} as const;

function kindOf(path: string): Kind {
  const match = /^(dispatch|cron|queue)\.ya?ml$/.exec(basename(path));
  return (match?.[1] as Kind | undefined) ?? 'app';
}

interface FileReport {
  file: string;
  kind: Kind;
  valid: boolean;
  errors: number;
  warnings: number;
  diagnostics: Diagnostic[];
}

function findDefault(dir: string): string | undefined {
  return CONFIG_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
}

/** The dispatch.yaml, cron.yaml and queue.yaml files in a folder. */
function otherFiles(dir: string): string[] {
  return Object.values(OTHER_CONFIG_FILES)
    .map((name) => join(dir, name))
    .filter((path) => existsSync(path));
}

async function validateFile(path: string, options: ValidateOptions): Promise<FileReport> {
  let diagnostics: Diagnostic[];
  const kind = kindOf(path);
  if (/\.(ya?ml)$/.test(path)) {
    const text = readFileSync(path, 'utf8');
    const result = YAML_VALIDATORS[kind](text, { fileName: path });
    diagnostics = result.diagnostics;
    // An app.yaml's error_handlers files are checked against its folder, as loadConfig does.
    if (kind === 'app' && result.success) {
      diagnostics = [
        ...diagnostics,
        ...checkErrorFiles(result.data as AppConfig, dirname(path), { file: path, yamlText: text }),
      ];
    }
  } else {
    try {
      // The YAML files next to the config are validated as files of their own.
      const loaded = await loadConfig(path, {
        mode: options.mode ?? 'production',
        siblingFiles: false,
      });
      diagnostics = loaded.warnings;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      diagnostics = [...error.diagnostics];
    }
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return {
    file: path,
    kind,
    valid: errors === 0,
    errors,
    warnings: diagnostics.length - errors,
    diagnostics,
  };
}

/**
 * `gae validate [files...]`: checks configs and prints every problem with file:line:column.
 * dispatch.yaml, cron.yaml and queue.yaml are recognised by name; a folder means its config
 * and those three files when they exist.
 */
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
      targets.push(found, ...otherFiles(path));
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
