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
import { validateCron, validateCronYaml } from './cron.js';
import type { Diagnostic } from './diagnostics.js';
import { sortDiagnostics } from './diagnostics.js';
import { validateDispatch, validateDispatchYaml } from './dispatch.js';
import { ConfigError } from './errors.js';
import { checkErrorFiles } from './files.js';
import { validateQueues, validateQueueYaml } from './queue.js';
import type { AppConfig } from './schema/app.js';
import type { CronJob } from './schema/cron.js';
import type { DispatchRule } from './schema/dispatch.js';
import type { QueueConfig } from './schema/queue.js';
import { didYouMean } from './suggest.js';
import type { ConfigResult } from './validate.js';

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
  /**
   * Read dispatch.yaml, cron.yaml and queue.yaml next to the config when the config does not
   * define them (app.config.ts exports `dispatch`, `cron`, `queues`; app.yaml cannot).
   * @default true
   */
  siblingFiles?: boolean;
}

/** The app-wide files besides app.yaml, by the name of their app.config.ts export. */
export const OTHER_CONFIG_FILES = {
  dispatch: 'dispatch.yaml',
  cron: 'cron.yaml',
  queues: 'queue.yaml',
} as const;

/** The name of an app-wide config export: `dispatch`, `cron` or `queues`. */
export type OtherConfigName = keyof typeof OTHER_CONFIG_FILES;

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
  /** The module's named exports as they are (app.config.ts only). */
  exports: Record<string, unknown>;
  /** dispatch.yaml rules: the `dispatch` export of app.config.ts, else dispatch.yaml next to the config. */
  dispatch?: DispatchRule[];
  /** cron.yaml jobs: the `cron` export, else cron.yaml next to the config. */
  cron?: CronJob[];
  /** queue.yaml: the `queues` export, else queue.yaml next to the config. */
  queues?: QueueConfig;
  /**
   * Absolute path of the file each of `dispatch`, `cron` and `queues` came from: the config
   * file itself when it exports them (so `gae build` writes the YAML), else the YAML file.
   */
  sources: Partial<Record<OtherConfigName, string>>;
}

const VALIDATE_EXPORT = {
  dispatch: validateDispatch,
  cron: validateCron,
  queues: validateQueues,
} as const;
const VALIDATE_YAML = {
  dispatch: validateDispatchYaml,
  cron: validateCronYaml,
  queues: validateQueueYaml,
} as const;

interface Others {
  values: Pick<LoadedConfig, OtherConfigName>;
  sources: LoadedConfig['sources'];
  diagnostics: Diagnostic[];
  dependencies: string[];
}

/** Loads dispatch, cron and queues from the config's exports or from the YAML files next to it. */
function loadOthers(
  file: string,
  exports: Record<string, unknown>,
  mode: Mode,
  siblingFiles: boolean,
): Others {
  const others: Others = { values: {}, sources: {}, diagnostics: [], dependencies: [] };
  const root = dirname(file);
  for (const name of Object.keys(OTHER_CONFIG_FILES) as OtherConfigName[]) {
    let result: ConfigResult<unknown> | undefined;
    if (exports[name] !== undefined) {
      const input = callDefinition(exports[name], mode, file, name);
      result = VALIDATE_EXPORT[name](input, { fileName: file });
      others.sources[name] = file;
    } else if (siblingFiles) {
      const path = join(root, OTHER_CONFIG_FILES[name]);
      if (!existsSync(path)) continue;
      result = VALIDATE_YAML[name](readFileSync(path, 'utf8'), { fileName: path });
      others.sources[name] = path;
      others.dependencies.push(path);
    }
    if (!result) continue;
    others.diagnostics.push(...result.diagnostics);
    if (result.success) (others.values as Record<string, unknown>)[name] = result.data;
  }
  // A misspelt export would silently define nothing.
  for (const key of Object.keys(exports)) {
    if (key in OTHER_CONFIG_FILES) continue;
    const hint = didYouMean(key, Object.keys(OTHER_CONFIG_FILES));
    if (!hint) continue;
    others.diagnostics.push({
      severity: 'warning',
      code: 'config/unknown-export',
      path: [key],
      pathText: key,
      message: `the export ${JSON.stringify(key)} is not read; gaekit reads dispatch, cron and queues`,
      hint,
      file,
    });
  }
  return others;
}

/** Calls a definition written as a function of the mode, reporting a throw as a load failure. */
function callDefinition(definition: unknown, mode: Mode, file: string, name: string): unknown {
  try {
    return resolveDefinition(definition, { mode });
  } catch (error) {
    throw new ConfigError(
      [
        {
          severity: 'error',
          code: 'config/load-failed',
          path: [name],
          pathText: name,
          message: `the ${name} function threw: ${(error as Error).message}`,
          file,
        },
      ],
      { cause: error },
    );
  }
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
 * app's directory. dispatch, cron and queues come from the config's named exports
 * (`export const cron = defineCron([...])`), or else from dispatch.yaml, cron.yaml and
 * queue.yaml next to it.
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
  const siblingFiles = options.siblingFiles ?? true;
  if (file.endsWith('.yaml') || file.endsWith('.yml')) {
    const text = readFileSync(file, 'utf8');
    const result = validateAppYaml(text, {
      fileName: file,
      ...(options.projectId ? { projectId: options.projectId } : {}),
    });
    const files = result.success
      ? checkErrorFiles(result.data, root, { file, yamlText: text })
      : [];
    const others = loadOthers(file, {}, mode, siblingFiles);
    const diagnostics = sortDiagnostics([...result.diagnostics, ...files, ...others.diagnostics]);
    if (!result.success || diagnostics.some((d) => d.severity === 'error'))
      throw new ConfigError(diagnostics);
    return {
      app: result.data,
      file,
      root,
      dependencies: [file, ...others.dependencies],
      warnings: diagnostics,
      exports: {},
      ...others.values,
      sources: others.sources,
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
  const input = callDefinition(definition, mode, file, 'default');
  const result = validateApp(input, {
    fileName: file,
    ...(options.projectId ? { projectId: options.projectId } : {}),
  });
  const { default: _default, ...exports } = module;
  const others = loadOthers(file, exports, mode, siblingFiles);
  const files = result.success ? checkErrorFiles(result.data, root, { file }) : [];
  const diagnostics = [...result.diagnostics, ...files, ...others.diagnostics];
  if (!result.success || diagnostics.some((d) => d.severity === 'error'))
    throw new ConfigError(diagnostics);
  return {
    app: result.data,
    file,
    root,
    dependencies: [...dependencies, ...others.dependencies],
    warnings: diagnostics,
    exports,
    ...others.values,
    sources: others.sources,
  };
}
