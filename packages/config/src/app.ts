import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Diagnostic, Problem } from './diagnostics.js';
import { sortDiagnostics, toDiagnostic } from './diagnostics.js';
import { fieldName, formatPath, keysToCamel } from './keys.js';
import { type AppRuleOptions, checkAppRules } from './rules.js';
import { type AppConfig, appSchema, type Handler } from './schema/app.js';
import { coerceScalars } from './schema/walk.js';
import { type ConfigResult, runValidation, unwrapResult } from './validate.js';
import { readYamlSource, writeYaml, type YamlSource } from './yaml-source.js';
import { attachLocations, isRecord, orderKeys } from './yaml-support.js';

/** Whether a config is being built for the dev server or for deployment. */
export type Mode = 'development' | 'production';

/** What a function passed to {@link defineApp} receives. */
export interface ConfigContext {
  /** `development` under `gae dev` and in tests, `production` under `gae build` and `gae deploy`. */
  mode: Mode;
}

type HandlerBase = Pick<
  Handler,
  'url' | 'secure' | 'redirectHttpResponseCode' | 'login' | 'authFailAction'
>;
type StaticOptions = Pick<
  Handler,
  'mimeType' | 'expiration' | 'httpHeaders' | 'requireMatchingFile' | 'applicationReadable'
>;

/** A handler whose requests go to the app (`script: auto` on second-generation runtimes). */
export type ScriptHandler = HandlerBase & { script: string; position?: 'head' | 'tail' };
/** A handler serving a directory under a URL prefix. */
export type StaticDirHandler = HandlerBase & StaticOptions & { staticDir: string };
/** A handler serving files picked by a regular expression, with `\1` back-references. */
export type StaticFilesHandler = HandlerBase &
  StaticOptions & { staticFiles: string; upload: string };
/** One handler as written in `defineApp`: exactly one of script, static dir or static files. */
export type HandlerInput = ScriptHandler | StaticDirHandler | StaticFilesHandler;

/** The config `defineApp` takes: {@link AppConfig} with handlers typed by kind. */
export type AppConfigInput = Omit<AppConfig, 'handlers'> & { handlers?: HandlerInput[] };

/** An app config, or a function of the mode that returns one. */
export type AppDefinition = AppConfigInput | ((context: ConfigContext) => AppConfigInput);

/**
 * Declares the app's config with types and editor completion. Field names are app.yaml's
 * in camelCase (`static_dir` -> `staticDir`). Pass a function to vary settings by mode.
 *
 * @example
 * ```ts
 * export default defineApp(({ mode }) => ({
 *   runtime: 'nodejs22',
 *   handlers: [
 *     { url: '/static', staticDir: 'public', expiration: mode === 'production' ? '7d' : '0s' },
 *     { url: '/.*', script: 'auto', secure: 'always' },
 *   ],
 * }));
 * ```
 */
export function defineApp<T extends AppDefinition>(definition: T): T {
  return definition;
}

/** Calls a definition with the context when it is a function. */
export function resolveDefinition<T>(
  definition: T | ((context: ConfigContext) => T),
  context: ConfigContext,
): T {
  return typeof definition === 'function'
    ? (definition as (c: ConfigContext) => T)(context)
    : definition;
}

/** Options of {@link validateApp} and {@link fromYaml}. */
export interface ValidateAppOptions {
  /** File name shown in diagnostics. */
  fileName?: string;
  /** Project id, to check that `VERSION-dot-SERVICE-dot-PROJECT` fits in a host name label. */
  projectId?: string;
}

/**
 * Validates an app config (camelCase, as written in app.config.ts) and returns the config or
 * every problem at once. Never throws for bad input.
 */
export function validateApp(
  input: unknown,
  options: ValidateAppOptions = {},
): ConfigResult<AppConfig> {
  const ruleOptions: AppRuleOptions = { style: 'camel', projectId: options.projectId };
  return runValidation(appSchema, input, (value) => checkAppRules(value, ruleOptions), {
    style: 'camel',
    file: options.fileName,
  });
}

/**
 * Validates an app config and returns it typed.
 * @throws {ConfigError} with every problem found.
 */
export function parseApp(input: unknown, options: ValidateAppOptions = {}): AppConfig {
  return unwrapResult(validateApp(input, options));
}

/** app.yaml's elements in the order `toYaml` writes them: identity, runtime, scaling, then content. */
const APP_ORDER: (keyof AppConfig)[] = [
  'runtime',
  'service',
  'version',
  'application',
  'apiVersion',
  'threadsafe',
  'env',
  'entrypoint',
  'runtimeChannel',
  'instanceClass',
  'automaticScaling',
  'basicScaling',
  'manualScaling',
  'appEngineApis',
  'inboundServices',
  'serviceAccount',
  'vpcAccessConnector',
  'envVariables',
  'buildEnvVariables',
  'main',
  'nobuildFiles',
  'derivedFileType',
  'autoIdPolicy',
  'libraries',
  'builtins',
  'includes',
  'skipFiles',
  'defaultExpiration',
  'errorHandlers',
  'handlers',
];

/**
 * Compiles an app config to app.yaml text. The output is deterministic (fixed element order,
 * no line folding) and is validated first, so an invalid config never reaches a file.
 * @throws {ConfigError} when the config is invalid.
 */
export function toYaml(
  config: AppConfigInput | AppConfig,
  options: ValidateAppOptions = {},
): string {
  const app = parseApp(config, options);
  return writeYaml(orderKeys(appSchema, app, APP_ORDER));
}

/** Options of {@link fromYaml}. */
export interface FromYamlOptions extends ValidateAppOptions {
  /**
   * Inline the files named by `includes` (first generation), resolved relative to `fileName`.
   * @default true
   */
  resolveIncludes?: boolean;
  /** Reads an included file. @default fs.readFileSync as UTF-8 */
  readFile?: (path: string) => string;
}

/** Elements an included file may contain. */
const INCLUDE_FIELDS = new Set([
  'handlers',
  'builtins',
  'includes',
  'envVariables',
  'skipFiles',
  'manualScaling',
]);

/** Where one handler of the merged list was written: the file, its index there, and a locator. */
interface HandlerOrigin {
  file: string;
  index: number;
  locate: YamlSource['locate'];
}

/** One handler of a file or of the files it includes, in App Engine's include order. */
interface IncludedHandler {
  handler: Record<string, unknown>;
  position: unknown;
  origin: HandlerOrigin;
}

interface ReadResult {
  value: Record<string, unknown> | undefined;
  diagnostics: Diagnostic[];
  locate?: YamlSource['locate'];
  /** For each handler of the merged list (main file only), where it was written. */
  origins?: HandlerOrigin[];
  /** The file's own handlers followed by those of the files it includes (depth first). */
  items?: IncludedHandler[];
  /** Whether a path of the merged value (main file only) names an entry an include added. */
  fromInclude?: (path: readonly PropertyKey[]) => boolean;
}

/** State shared by one resolution of includes: each file is included once. */
interface IncludeState {
  options: FromYamlOptions;
  visited: Set<string>;
}

function readAppYaml(
  text: string,
  file: string,
  state: IncludeState,
  included: boolean,
  chain: string[],
): ReadResult {
  const source = readYamlSource(text, file);
  if (source.diagnostics.length > 0) return { value: undefined, diagnostics: source.diagnostics };
  if (!isRecord(source.value)) {
    return {
      value: undefined,
      diagnostics: [
        {
          severity: 'error',
          code: 'config/invalid-type',
          path: [],
          pathText: '',
          message: `${included ? 'an included file' : 'app.yaml'} must be a map of elements such as "runtime: nodejs22"`,
          file,
          line: 1,
          column: 1,
        },
      ],
    };
  }
  const problems: Problem[] = [];
  const value = coerceScalars(appSchema, keysToCamel(source.value)) as Record<string, unknown>;
  problems.push(
    ...renameAlias(value, 'module', 'service'),
    ...renameAlias(value, 'project', 'application'),
  );
  if (included) {
    for (const key of Object.keys(value)) {
      if (!INCLUDE_FIELDS.has(key)) {
        problems.push({
          code: 'config/not-in-include',
          path: [key],
          message: `an included file cannot set ${fieldName(key, 'snake')}`,
          allowed: 'handlers, builtins, includes, env_variables, skip_files, manual_scaling',
        });
      }
    }
  }
  const diagnostics: Diagnostic[] = [
    ...source.duplicateKeys,
    ...problems.map((p) => toDiagnostic(p, 'snake', file)),
  ];
  const own: IncludedHandler[] = (Array.isArray(value.handlers) ? value.handlers : []).map(
    (handler, index) => {
      const record = isRecord(handler) ? handler : {};
      const { position, ...rest } = record;
      return {
        handler: included ? rest : record,
        position,
        origin: { file, index, locate: source.locate },
      };
    },
  );
  const fromIncludes: IncludedHandler[] = [];
  // What the file itself sets, before includes add to it: the rest came from includes.
  const ownEnv = new Set(isRecord(value.envVariables) ? Object.keys(value.envVariables) : []);
  const ownSkip = value.skipFiles === undefined ? 0 : [value.skipFiles].flat().length;
  const ownBuiltins = Array.isArray(value.builtins) ? value.builtins.length : 0;
  if (state.options.resolveIncludes !== false && Array.isArray(value.includes)) {
    const includes = value.includes;
    delete value.includes;
    includes.forEach((entry, index) => {
      if (typeof entry !== 'string') return;
      const result = readInclude(entry, file, state, chain);
      if (!result) return;
      if ('error' in result) {
        diagnostics.push(
          toDiagnostic({ ...result.error, path: ['includes', index] }, 'snake', file),
        );
        return;
      }
      diagnostics.push(...result.diagnostics);
      if (result.value) mergeInclude(value, result.value);
      fromIncludes.push(...(result.items ?? []));
    });
  }
  const located = attachLocations(diagnostics, file, source.locate);
  if (included) {
    return { value, diagnostics: located, locate: source.locate, items: [...own, ...fromIncludes] };
  }
  // App Engine puts included handlers first unless they ask for the tail.
  const merged = [
    ...fromIncludes.filter((item) => item.position !== 'tail'),
    ...own,
    ...fromIncludes.filter((item) => item.position === 'tail'),
  ];
  if (fromIncludes.length > 0 || value.handlers !== undefined) {
    value.handlers = merged.map((item) => item.handler);
  }
  return {
    value,
    diagnostics: located,
    locate: source.locate,
    origins: merged.map((item) => item.origin),
    fromInclude: ([first, second]) => {
      if (first === 'envVariables' || first === 'env_variables') {
        return typeof second === 'string' && !ownEnv.has(second);
      }
      if (first === 'skipFiles' || first === 'skip_files') {
        return typeof second === 'number' && second >= ownSkip;
      }
      if (first === 'builtins') return typeof second === 'number' && second >= ownBuiltins;
      return false;
    },
  };
}

/** Reads an old element name (`module`, `project`) as its current one, as App Engine does. */
function renameAlias(value: Record<string, unknown>, old: string, current: string): Problem[] {
  if (!(old in value)) return [];
  const problems: Problem[] = [];
  if (current in value) {
    problems.push({
      code: 'config/conflict',
      path: [old],
      message: `${old} and ${current} cannot both be set; ${old} is the old name of ${current}`,
    });
  } else {
    problems.push({
      severity: 'warning',
      code: 'config/deprecated',
      path: [old],
      message: `${old} is the old name of ${current}`,
      hint: `Rename it to ${current}.`,
    });
    value[current] = value[old];
  }
  delete value[old];
  return problems;
}

/**
 * Reads one included file (a directory means its include.yaml). Returns undefined for a file
 * already included elsewhere: App Engine includes each file once.
 */
function readInclude(
  entry: string,
  includer: string,
  state: IncludeState,
  chain: string[],
): ReadResult | { error: Problem } | undefined {
  let path = resolve(dirname(includer), entry);
  const read = state.options.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  try {
    if (!state.options.readFile && statSync(path).isDirectory()) path = join(path, 'include.yaml');
  } catch {
    // reported below when reading fails
  }
  if (chain.includes(path)) {
    return {
      error: {
        code: 'config/include-cycle',
        path: ['includes'],
        message: `${entry} includes itself (${[...chain, path].join(' -> ')})`,
      },
    };
  }
  if (state.visited.has(path)) return undefined;
  state.visited.add(path);
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    return {
      error: {
        code: 'config/include-not-found',
        path: ['includes'],
        message: `cannot read included file ${JSON.stringify(entry)} (${(error as Error).message})`,
        found: entry,
      },
    };
  }
  const result = readAppYaml(text, path, state, true, [...chain, path]);
  if (result.value) {
    const ruleOptions: AppRuleOptions = { style: 'snake', included: true };
    const check = runValidation(
      appSchema.partial(),
      result.value,
      (v) => checkAppRules(v, ruleOptions).filter((p) => p.code !== 'config/required'),
      { style: 'snake', file: path },
    );
    result.diagnostics.push(
      ...attachLocations(check.diagnostics, path, result.locate ?? (() => undefined)),
    );
  }
  return result;
}

/** Merges what an included file sets besides handlers into the includer. */
function mergeInclude(target: Record<string, unknown>, include: Record<string, unknown>): void {
  if (isRecord(include.envVariables)) {
    target.envVariables = {
      ...(isRecord(target.envVariables) ? target.envVariables : {}),
      ...include.envVariables,
    };
  }
  if (include.skipFiles !== undefined) {
    const own = target.skipFiles === undefined ? [] : [target.skipFiles].flat();
    target.skipFiles = [...own, ...[include.skipFiles].flat()];
  }
  if (Array.isArray(include.builtins)) {
    target.builtins = [
      ...(Array.isArray(target.builtins) ? target.builtins : []),
      ...include.builtins,
    ];
  }
  if (isRecord(include.manualScaling) && typeof include.manualScaling.instances === 'number') {
    const own = isRecord(target.manualScaling) ? target.manualScaling : undefined;
    const ownInstances = typeof own?.instances === 'number' ? own.instances : 0;
    target.manualScaling = {
      ...(own ?? {}),
      instances: Math.max(ownInstances, include.manualScaling.instances),
    };
  }
}

/** Points diagnostics about merged handlers back at the file and index where each was written. */
function locateMerged(diagnostics: Diagnostic[], read: ReadResult, file: string): Diagnostic[] {
  return diagnostics.map((d) => {
    const [first, index, ...rest] = d.path;
    const origin =
      first === 'handlers' && typeof index === 'number' ? read.origins?.[index] : undefined;
    if (!origin)
      return attachLocations([d], file, read.locate ?? (() => undefined))[0] as Diagnostic;
    const path = ['handlers', origin.index, ...rest];
    const moved = { ...d, path, pathText: formatPath(path, 'snake'), file: origin.file };
    delete moved.line;
    delete moved.column;
    return attachLocations([moved], origin.file, origin.locate)[0] as Diagnostic;
  });
}

/** Drops diagnostics reported twice (an included handler is checked in its file and once merged). */
function dedupeDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}\u0000${d.pathText}\u0000${d.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Validates app.yaml text and returns the typed config or every problem, each with line and
 * column. Reads YAML 1.1 as App Engine does (`yes`/`on` booleans, numbers where strings
 * are expected), inlines `includes`, and accepts the old name `module` for `service`.
 */
export function validateAppYaml(
  text: string,
  options: FromYamlOptions = {},
): ConfigResult<AppConfig> {
  const file = options.fileName ?? 'app.yaml';
  const read = readAppYaml(text, file, { options, visited: new Set([resolve(file)]) }, false, [
    resolve(file),
  ]);
  if (!read.value) return { success: false, diagnostics: read.diagnostics };
  const ruleOptions: AppRuleOptions = { style: 'snake', projectId: options.projectId };
  const result = runValidation(
    appSchema,
    read.value,
    (value) => checkAppRules(value, ruleOptions),
    { style: 'snake', file },
    {
      skipUnknown: (key) => key === 'vm',
    },
  );
  // env_variables, skip_files and builtins from included files are checked in their own
  // file; merged, the same problem cannot be placed in this file: report it once, there.
  const problemKey = (d: Diagnostic) => `${d.code}\u0000${d.message}\u0000${String(d.found)}`;
  const inIncludes = new Set(read.diagnostics.filter((d) => d.file !== file).map(problemKey));
  const merged = locateMerged(result.diagnostics, read, file).filter(
    (d) => !(d.file === file && read.fromInclude?.(d.path) && inIncludes.has(problemKey(d))),
  );
  const diagnostics = sortDiagnostics(dedupeDiagnostics([...read.diagnostics, ...merged]));
  if (!result.success || diagnostics.some((d) => d.severity === 'error'))
    return { success: false, diagnostics };
  return { success: true, data: result.data, diagnostics };
}

/**
 * Parses app.yaml text into the typed config (camelCase).
 * @throws {ConfigError} with every problem found, each with line and column.
 */
export function fromYaml(text: string, options: FromYamlOptions = {}): AppConfig {
  return unwrapResult(validateAppYaml(text, options));
}
