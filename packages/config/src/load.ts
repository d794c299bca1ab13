import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Message } from 'esbuild';
import {
  type AppDefinition,
  type Mode,
  resolveDefinition,
  validateApp,
  validateAppYaml,
} from './app.js';
import type { Diagnostic } from './diagnostics.js';
import { sortDiagnostics } from './diagnostics.js';
import { ConfigError } from './errors.js';
import type { AppConfig } from './schema/app.js';

/** Config file names `loadConfig` looks for in a directory, in this order. */
export const CONFIG_FILES = [
  'app.config.ts',
  'app.config.mts',
  'app.config.js',
  'app.config.mjs',
  'app.yaml',
] as const;

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Passed to a config written as a function: `defineApp(({ mode }) => ...)`.
   * @default "development"
   */
  mode?: Mode;
  /** Project id, used to check that version host names fit. */
  projectId?: string;
}

/** A config loaded from disk. */
export interface LoadedConfig {
  /** The validated app config. */
  app: AppConfig;
  /** Absolute path of the file the config came from. */
  file: string;
  /** Directory of that file: the app root. */
  root: string;
  /** Absolute paths of every local file the config depends on (itself included), for watching. */
  dependencies: string[];
  /** Warnings found while validating (errors throw instead). */
  warnings: Diagnostic[];
  /** The module's other exports (dispatch, cron, queues definitions), not yet validated. */
  exports: Record<string, unknown>;
}

function findConfigFile(path: string): string {
  const absolute = resolve(path);
  if (!existsSync(absolute)) {
    throw new ConfigError([
      {
        severity: 'error',
        code: 'config/not-found',
        path: [],
        pathText: '',
        message: `${absolute} does not exist`,
        hint: `Create ${CONFIG_FILES[0]} with export default defineApp({ runtime: 'nodejs22' }).`,
      },
    ]);
  }
  if (!statSync(absolute).isDirectory()) return absolute;
  for (const name of CONFIG_FILES) {
    const candidate = join(absolute, name);
    if (existsSync(candidate)) return candidate;
  }
  throw new ConfigError([
    {
      severity: 'error',
      code: 'config/not-found',
      path: [],
      pathText: '',
      message: `no app config in ${absolute}`,
      allowed: CONFIG_FILES.join(', '),
      hint: 'Create app.config.ts with export default defineApp({ runtime: "nodejs22" }), or run gae import app.yaml.',
    },
  ]);
}

function esbuildDiagnostics(messages: Message[], file: string, root: string): Diagnostic[] {
  return messages.map((message) => ({
    severity: 'error',
    code: 'config/load-failed',
    path: [],
    pathText: '',
    message: message.text,
    file: message.location?.file ? resolve(root, message.location.file) : file,
    ...(message.location
      ? { line: message.location.line, column: message.location.column + 1 }
      : {}),
  }));
}

async function importConfigModule(
  file: string,
): Promise<{ module: Record<string, unknown>; dependencies: string[] }> {
  const root = dirname(file);
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      entryPoints: [file],
      absWorkingDir: root,
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      // Dependencies load from node_modules as usual; only the user's own files are bundled.
      packages: 'external',
      sourcemap: 'inline',
    });
  } catch (error) {
    const failure = error as { errors?: Message[] };
    throw new ConfigError(esbuildDiagnostics(failure.errors ?? [], file, root), { cause: error });
  }
  const dependencies = Object.keys(result.metafile?.inputs ?? {})
    .map((input) => resolve(root, input))
    .filter((input) => !input.includes(`${join('node_modules')}`));
  const code = result.outputFiles?.[0]?.text ?? '';
  // Written next to the config so that its imports resolve from the app's node_modules, as Vite does.
  const temporary = join(root, `.${basename(file)}.timestamp-${Date.now()}-${process.pid}.mjs`);
  writeFileSync(temporary, code);
  try {
    const module = (await import(pathToFileURL(temporary).href)) as Record<string, unknown>;
    return { module, dependencies };
  } catch (error) {
    throw new ConfigError(
      [
        {
          severity: 'error',
          code: 'config/load-failed',
          path: [],
          pathText: '',
          message: `${relative(process.cwd(), file) || file} threw while loading: ${(error as Error).message}`,
          file,
        },
      ],
      { cause: error },
    );
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Loads and validates the app config: `app.config.ts` (or `.mts`/`.js`/`.mjs`, bundled in
 * memory with esbuild and imported) or a plain `app.yaml`. `path` may be the file or the
 * app's directory.
 * @throws {ConfigError} when the file is missing, does not load, or is invalid; each
 * diagnostic names the file and, where known, line and column.
 */
export async function loadConfig(
  path: string = '.',
  options: LoadConfigOptions = {},
): Promise<LoadedConfig> {
  const file = findConfigFile(path);
  const root = dirname(file);
  const mode = options.mode ?? 'development';
  if (file.endsWith('.yaml') || file.endsWith('.yml')) {
    const result = validateAppYaml(readFileSync(file, 'utf8'), {
      fileName: file,
      ...(options.projectId ? { projectId: options.projectId } : {}),
    });
    if (!result.success) throw new ConfigError(sortDiagnostics(result.diagnostics));
    return {
      app: result.data,
      file,
      root,
      dependencies: [file],
      warnings: result.diagnostics,
      exports: {},
    };
  }
  const { module, dependencies } = await importConfigModule(file);
  const definition = module.default as AppDefinition | undefined;
  if (definition === undefined) {
    throw new ConfigError([
      {
        severity: 'error',
        code: 'config/no-default-export',
        path: [],
        pathText: '',
        message: `${basename(file)} has no default export`,
        hint: 'Write export default defineApp({ ... }).',
        file,
      },
    ]);
  }
  const input = resolveDefinition(definition, { mode });
  const result = validateApp(input, {
    fileName: file,
    ...(options.projectId ? { projectId: options.projectId } : {}),
  });
  if (!result.success) throw new ConfigError(result.diagnostics);
  const { default: _default, ...exports } = module;
  return { app: result.data, file, root, dependencies, warnings: result.diagnostics, exports };
}
