import type { Problem } from './diagnostics.js';
import { showValue } from './diagnostics.js';
import { ENV_NAME_PATTERN } from './formats.js';
import { checkHttpHeaders } from './headers.js';
import { fieldName, type PathStyle } from './keys.js';
import { captureCount, translatePattern } from './pattern.js';
import {
  INSTANCE_CLASSES,
  isNodeRuntime,
  PYTHON27_LIBRARIES,
  runtimeGeneration,
} from './runtime.js';
import { INBOUND_SERVICES } from './schema/app.js';
import { didYouMean, listOf } from './suggest.js';

/** Most `handlers` one app.yaml may have. */
export const MAX_HANDLERS = 100;

/** Variables the second-generation runtimes set themselves (spec §12.1). */
const RUNTIME_VARIABLES = new Set([
  'GAE_APPLICATION',
  'GAE_DEPLOYMENT_ID',
  'GAE_ENV',
  'GAE_INSTANCE',
  'GAE_MEMORY_MB',
  'GAE_RUNTIME',
  'GAE_SERVICE',
  'GAE_VERSION',
  'GOOGLE_CLOUD_PROJECT',
  'PORT',
]);

const HANDLER_TYPES = ['script', 'staticDir', 'staticFiles', 'apiEndpoint'] as const;
type HandlerType = (typeof HANDLER_TYPES)[number];
const COMMON_HANDLER_FIELDS = [
  'url',
  'login',
  'authFailAction',
  'secure',
  'redirectHttpResponseCode',
];
const STATIC_FIELDS = [
  'mimeType',
  'expiration',
  'requireMatchingFile',
  'httpHeaders',
  'applicationReadable',
];
const FIELDS_BY_TYPE: Record<HandlerType, string[]> = {
  staticFiles: [...COMMON_HANDLER_FIELDS, 'staticFiles', 'upload', ...STATIC_FIELDS],
  staticDir: [...COMMON_HANDLER_FIELDS, 'staticDir', ...STATIC_FIELDS],
  script: [...COMMON_HANDLER_FIELDS, 'script', 'position'],
  apiEndpoint: [...COMMON_HANDLER_FIELDS, 'apiEndpoint', 'script', 'position'],
};

/** Elements that only first-generation runtimes accept. */
const FIRST_GENERATION_ONLY = [
  'threadsafe',
  'apiVersion',
  'builtins',
  'libraries',
  'skipFiles',
  'includes',
];
/** Elements that second-generation runtimes ignore. */
const IGNORED_ON_SECOND_GENERATION = ['application', 'derivedFileType', 'autoIdPolicy'];

/** Options of the cross-field rules. */
export interface AppRuleOptions {
  /** How paths and field names are written in messages. */
  style: PathStyle;
  /** The config is an included file (G1 `includes`): `position` is allowed. */
  included?: boolean;
  /** Project id, to check that `VERSION-dot-SERVICE-dot-PROJECT` fits in a DNS label. */
  projectId?: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The pattern compiled as the router runs it (Python syntax translated), or the problem. */
function compiled(
  pattern: unknown,
  path: (string | number)[],
): { regex: RegExp } | { problem: Problem; reason: string } | undefined {
  if (typeof pattern !== 'string') return undefined;
  try {
    const { source, flags } = translatePattern(pattern);
    return { regex: new RegExp(source, flags) };
  } catch (error) {
    // V8 says "Invalid regular expression: /SOURCE/FLAGS: Reason": the pattern is shown
    // already (as written, not as translated), so only the reason is kept, in lower case.
    const raw = (error as Error).message;
    const reason = raw.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    const said = reason === raw ? reason : reason.charAt(0).toLowerCase() + reason.slice(1);
    return {
      reason: said,
      problem: {
        code: 'config/invalid-regex',
        path,
        message: `${JSON.stringify(pattern)} is not a valid regular expression (${said})`,
        allowed: 'a regular expression (Python syntax, as App Engine reads it)',
      },
    };
  }
}

function regexProblem(pattern: unknown, path: (string | number)[]): Problem | undefined {
  const result = compiled(pattern, path);
  return result && 'problem' in result ? result.problem : undefined;
}

function checkHandler(
  handler: Record<string, unknown>,
  index: number,
  runtime: string | undefined,
  config: Record<string, unknown>,
  options: AppRuleOptions,
): Problem[] {
  const problems: Problem[] = [];
  const path = ['handlers', index];
  const name = (field: string) => fieldName(field, options.style);
  const types = HANDLER_TYPES.filter(
    (t) => handler[t] !== undefined && !(t === 'script' && handler.apiEndpoint !== undefined),
  );
  if (types.length === 0) {
    problems.push({
      code: 'config/handler-type-missing',
      path,
      message: `handler for ${showValue(handler.url)} has no ${name('script')}, ${name('staticDir')} or ${name('staticFiles')}`,
      allowed: `exactly one of ${listOf(['script', 'staticDir', 'staticFiles'].map(name))}`,
    });
    return problems;
  }
  if (types.length > 1) {
    for (const extra of types.slice(1)) {
      problems.push({
        code: 'config/handler-type-conflict',
        path: [...path, extra],
        message: `a handler has exactly one type, but this one has both ${name(types[0] as string)} and ${name(extra)}`,
        hint: 'Split it into two handlers.',
      });
    }
  }
  const type = types[0] as HandlerType;
  // What this handler may have here: fields the runtime or the file refuses are not offered.
  const second = runtime !== undefined && runtimeGeneration(runtime) === 'second';
  const noLogin =
    runtime !== undefined && (isNodeRuntime(runtime) || (second && config.appEngineApis !== true));
  const allowed = FIELDS_BY_TYPE[type].filter(
    (field) =>
      !(field === 'applicationReadable' && second) &&
      !((field === 'login' || field === 'authFailAction') && noLogin) &&
      !(field === 'position' && !options.included),
  );
  // With two types the conflict is the error; a field of either type is no second error.
  const allowedByAny = new Set(types.flatMap((t) => FIELDS_BY_TYPE[t]));
  for (const key of Object.keys(handler)) {
    // Outside an included file, position has its own problem (position-outside-include).
    if (key === 'position' && !options.included) continue;
    if (!allowedByAny.has(key) && key in FIELDS_BY_TYPE_ALL) {
      problems.push({
        code: 'config/field-not-allowed',
        path: [...path, key],
        message: `${name(key)} is not allowed on a ${name(type)} handler`,
        allowed: listOf(allowed.map(name), 'and'),
        hint:
          key === 'upload'
            ? `${name('upload')} goes with ${name('staticFiles')}.`
            : STATIC_FIELDS.includes(key)
              ? `${name(key)} applies to static handlers (${name('staticDir')}, ${name('staticFiles')}) only.`
              : undefined,
      });
    }
  }
  if (type === 'staticFiles' && handler.upload === undefined) {
    problems.push({
      code: 'config/required',
      path: [...path, 'upload'],
      message: `a ${name('staticFiles')} handler needs ${name('upload')}, a regular expression matching every file it may serve`,
      hint:
        typeof handler.staticFiles === 'string'
          ? `For example ${name('upload')}: ${JSON.stringify(
              handler.staticFiles
                .replace(/\\\d/g, '.*')
                .replace(/\./g, '\\.')
                .replace(/\\\.\*/g, '.*'),
            )}.`
          : undefined,
    });
  }
  if (handler.position !== undefined && !options.included) {
    problems.push({
      code: 'config/position-outside-include',
      path: [...path, 'position'],
      message: `${name('position')} is only allowed in handlers of an included file`,
    });
  }
  const url = handler.url;
  if (typeof url === 'string') {
    if (url.startsWith('^')) {
      problems.push({
        code: 'config/invalid-url-pattern',
        path: [...path, 'url'],
        message: `url pattern ${JSON.stringify(url)} must not start with "^"; App Engine anchors every pattern`,
        hint: `Write ${JSON.stringify(url.slice(1))}.`,
      });
    } else if (url.startsWith('(') && (url.length < 3 || url.endsWith('$'))) {
      // App Engine's own pattern for urls that start with a group: no trailing "$".
      problems.push({
        code: 'config/invalid-url-pattern',
        path: [...path, 'url'],
        message: `url pattern ${JSON.stringify(url)} starts with a group and so must not end with "$"; App Engine anchors every pattern`,
        hint: url.endsWith('$') ? `Write ${JSON.stringify(url.slice(0, -1))}.` : undefined,
      });
    } else if (!/^[/.(]/.test(url)) {
      problems.push({
        code: 'config/invalid-url-pattern',
        path: [...path, 'url'],
        message: `url pattern ${JSON.stringify(url)} must start with "/"`,
        hint: `Write ${JSON.stringify(`/${url}`)}.`,
      });
    } else {
      const result = compiled(url, [...path, 'url']);
      const bad = result && 'problem' in result ? result.problem : undefined;
      const groups = result && 'regex' in result ? captureCount(result.regex) : 0;
      if (bad) problems.push(bad);
      else if (type === 'staticDir' && groups > 0) {
        problems.push({
          code: 'config/invalid-url-pattern',
          path: [...path, 'url'],
          message: `the url of a ${name('staticDir')} handler is a prefix and must not contain groups`,
          found: url,
          hint: `Use ${name('staticFiles')} with ${name('upload')} to map groups to files.`,
        });
      }
      if (!bad && type === 'staticFiles' && typeof handler.staticFiles === 'string') {
        for (const match of handler.staticFiles.matchAll(/\\(\d)/g)) {
          if (Number(match[1]) > groups) {
            problems.push({
              code: 'config/invalid-back-reference',
              path: [...path, 'staticFiles'],
              message: `\\${match[1]} refers to a group the url pattern does not have (it has ${groups})`,
              found: handler.staticFiles,
            });
          }
        }
      }
    }
  }
  const upload = regexProblem(handler.upload, [...path, 'upload']);
  if (upload) problems.push(upload);
  if (isRecord(handler.httpHeaders)) {
    problems.push(...checkHttpHeaders(handler.httpHeaders, [...path, 'httpHeaders']));
    const contentType = Object.keys(handler.httpHeaders).find(
      (h) => h.toLowerCase() === 'content-type',
    );
    if (contentType !== undefined && handler.mimeType !== undefined) {
      problems.push({
        code: 'config/conflict',
        path: [...path, 'mimeType'],
        message: `${name('mimeType')} and a Content-Type in ${name('httpHeaders')} cannot both be set, even to the same value`,
        hint: `Keep ${name('mimeType')} and remove ${name('httpHeaders')}.${contentType}.`,
      });
    }
  }
  if (runtime !== undefined && runtimeGeneration(runtime) === 'second') {
    if (
      type === 'script' &&
      handler.script !== undefined &&
      handler.script !== 'auto' &&
      handler.script !== '' // reported as an empty value by the schema
    ) {
      problems.push({
        code: 'config/script-not-auto',
        path: [...path, 'script'],
        message: `on ${runtime}, ${name('script')} must be "auto"; requests go to the app's own server`,
        found: handler.script,
        allowed: '"auto"',
      });
    }
    if (handler.applicationReadable !== undefined) {
      problems.push({
        code: 'config/not-for-runtime',
        path: [...path, 'applicationReadable'],
        message: `${name('applicationReadable')} exists only on first-generation runtimes, not on ${runtime}`,
        hint: 'On second-generation runtimes the app can read its static files directly.',
      });
    }
    for (const field of ['login', 'authFailAction']) {
      if (handler[field] === undefined) continue;
      if (isNodeRuntime(runtime)) {
        problems.push({
          code: 'config/not-for-runtime',
          path: [...path, field],
          message: `${name(field)} is not available on ${runtime}: it needs the legacy Users service`,
          hint: 'Check sign-in in the app (for example with Identity-Aware Proxy or your own auth).',
        });
      } else if (config.appEngineApis !== true) {
        problems.push({
          code: 'config/needs-app-engine-apis',
          path: [...path, field],
          message: `${name(field)} on ${runtime} needs ${name('appEngineApis')}: true`,
        });
      }
    }
  } else if (
    runtime !== undefined &&
    runtime === 'python27' &&
    type === 'script' &&
    config.threadsafe === true
  ) {
    const script = handler.script;
    if (typeof script === 'string' && (script.endsWith('.py') || script.includes('/'))) {
      problems.push({
        code: 'config/cgi-script-threadsafe',
        path: [...path, 'script'],
        message: `${JSON.stringify(script)} is a CGI script, which ${name('threadsafe')}: true does not allow`,
        hint: 'Point script at a WSGI application ("main.app") or set threadsafe: false.',
      });
    }
  }
  return problems;
}

const FIELDS_BY_TYPE_ALL: Record<string, true> = Object.fromEntries(
  Object.values(FIELDS_BY_TYPE)
    .flat()
    .map((field) => [field, true]),
);

function checkScaling(config: Record<string, unknown>, options: AppRuleOptions): Problem[] {
  const problems: Problem[] = [];
  const name = (field: string) => fieldName(field, options.style);
  const blocks = ['automaticScaling', 'basicScaling', 'manualScaling'].filter(
    (b) => config[b] !== undefined,
  );
  for (const extra of blocks.slice(1)) {
    problems.push({
      code: 'config/scaling-conflict',
      path: [extra],
      message: `only one scaling block is allowed, but both ${name(blocks[0] as string)} and ${name(extra)} are set`,
    });
  }
  const instanceClass = config.instanceClass;
  if (typeof instanceClass === 'string') {
    const known = Object.keys(INSTANCE_CLASSES);
    if (!known.includes(instanceClass)) {
      problems.push({
        code: 'config/invalid-value',
        path: ['instanceClass'],
        message: `${JSON.stringify(instanceClass)} is not an instance class`,
        allowed: listOf(known),
        hint: didYouMean(instanceClass, known),
      });
    } else {
      const scaling = blocks[0] ?? 'automaticScaling';
      const automatic = scaling === 'automaticScaling';
      if (automatic && instanceClass.startsWith('B')) {
        problems.push({
          code: 'config/instance-class-scaling',
          path: ['instanceClass'],
          message: `${instanceClass} is a B class, which needs ${name('basicScaling')} or ${name('manualScaling')}${blocks.length === 0 ? ' (no scaling block means automatic scaling)' : ''}`,
          allowed: 'F1, F2, F4 or F4_1G with automatic scaling',
        });
      } else if (!automatic && instanceClass.startsWith('F')) {
        problems.push({
          code: 'config/instance-class-scaling',
          path: ['instanceClass'],
          message: `${instanceClass} is an F class, which works with automatic scaling only, not ${name(scaling)}`,
          allowed: 'B1, B2, B4, B4_1G or B8 with basic or manual scaling',
        });
      }
    }
  }
  return problems;
}

function checkEnvironment(
  variables: Record<string, unknown>,
  field: 'envVariables' | 'buildEnvVariables',
  runtime: string | undefined,
): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(variables)) {
    const path = [field, key];
    if (!ENV_NAME_PATTERN.test(key)) {
      problems.push({
        code: 'config/invalid-env-name',
        path,
        message: `${JSON.stringify(key)} is not a valid environment variable name`,
        allowed: 'letters, digits and "_", not starting with a digit',
      });
    } else if (field === 'envVariables' && key.startsWith('GAE')) {
      problems.push({
        code: 'config/reserved-env-name',
        path,
        message: `environment variable names starting with "GAE" are reserved for App Engine`,
        found: key,
      });
    } else if (
      field === 'envVariables' &&
      RUNTIME_VARIABLES.has(key) &&
      runtime !== undefined &&
      runtimeGeneration(runtime) === 'second'
    ) {
      problems.push({
        code: 'config/reserved-env-name',
        path,
        message: `${key} is set by the runtime and cannot be overridden`,
        hint: 'Only NODE_ENV may be overridden among the runtime variables.',
      });
    }
  }
  return problems;
}

function checkVersion(config: Record<string, unknown>, options: AppRuleOptions): Problem[] {
  const version = config.version;
  if (typeof version !== 'string') return [];
  const problems: Problem[] = [];
  if (version.includes('-dot-')) {
    problems.push({
      code: 'config/reserved-version',
      path: ['version'],
      message: 'a version id must not contain "-dot-"',
      found: version,
    });
  }
  if (version.startsWith('ah-')) {
    problems.push({
      code: 'config/reserved-version',
      path: ['version'],
      message: 'version ids starting with "ah-" are reserved',
      found: version,
    });
  }
  if (version === 'default' || version === 'latest') {
    problems.push({
      code: 'config/reserved-version',
      path: ['version'],
      message: `"${version}" is a reserved version id`,
      found: version,
    });
  }
  const service = typeof config.service === 'string' ? config.service : 'default';
  const project =
    options.projectId ?? (typeof config.application === 'string' ? config.application : undefined);
  const label = `${version}-dot-${service}-dot-${project ?? ''}`;
  const limit = project === undefined ? 63 - 6 : 63;
  if (label.length > limit) {
    problems.push({
      code: 'config/host-label-too-long',
      path: ['version'],
      message:
        project === undefined
          ? `"${version}-dot-${service}-dot-PROJECT_ID" is longer than 63 characters even for the shortest project id`
          : `"${label}" is ${label.length} characters long`,
      allowed: 'VERSION-dot-SERVICE-dot-PROJECT_ID of at most 63 characters (one DNS label)',
      hint: 'Use a shorter version id.',
    });
  }
  return problems;
}

/**
 * The rules of app.yaml that span several fields or depend on the runtime (spec §1.14,
 * §1.15). They run on the raw input even when some fields have the wrong type, so that
 * every problem is reported at once.
 */
export function checkAppRules(input: unknown, options: AppRuleOptions): Problem[] {
  if (!isRecord(input)) return [];
  const problems: Problem[] = [];
  const name = (field: string) => fieldName(field, options.style);
  const runtime = typeof input.runtime === 'string' ? input.runtime : undefined;
  const generation = runtime === undefined ? undefined : runtimeGeneration(runtime);

  if (
    input.vm !== undefined ||
    (typeof input.env === 'string' && ['flex', 'flexible', '2'].includes(input.env))
  ) {
    problems.push({
      code: 'config/unsupported-environment',
      path: [input.vm !== undefined ? 'vm' : 'env'],
      message:
        'the flexible environment is not supported; gaekit handles the App Engine standard environment only',
      hint: `Remove ${input.vm !== undefined ? 'vm' : 'env'} to use the standard environment.`,
    });
  } else if (input.env !== undefined && input.env !== 'standard' && input.env !== '1') {
    problems.push({
      code: 'config/invalid-value',
      path: ['env'],
      message: `${showValue(input.env)} is not an environment`,
      allowed: '"standard" (or leave it out)',
    });
  }

  if (generation === 'second') {
    for (const field of FIRST_GENERATION_ONLY) {
      if (input[field] === undefined) continue;
      problems.push({
        code: 'config/not-for-runtime',
        path: [field],
        message: `${name(field)} exists only on first-generation runtimes (python27 and friends), not on ${runtime}`,
        hint:
          field === 'skipFiles'
            ? 'Use a .gcloudignore file instead.'
            : field === 'libraries'
              ? "Declare dependencies in the runtime's package manager instead."
              : field === 'threadsafe'
                ? 'Second-generation apps always take concurrent requests; tune max_concurrent_requests instead.'
                : undefined,
      });
    }
    for (const field of IGNORED_ON_SECOND_GENERATION) {
      if (input[field] === undefined) continue;
      problems.push({
        severity: 'warning',
        code: 'config/ignored-on-runtime',
        path: [field],
        message: `${name(field)} is ignored on ${runtime}`,
      });
    }
    if (input.appEngineApis === true && isNodeRuntime(runtime as string)) {
      problems.push({
        severity: 'warning',
        code: 'config/app-engine-apis-node',
        path: ['appEngineApis'],
        message: `the legacy bundled services are not believed to be available for ${runtime}`,
        hint: 'Google documents them for Go, Java, PHP, Python and Ruby.',
      });
    }
    if (Array.isArray(input.inboundServices) && input.appEngineApis !== true) {
      input.inboundServices.forEach((service, index) => {
        // An unknown name is reported by the schema (with a did-you-mean); only real
        // services need the bundled APIs.
        if (
          typeof service === 'string' &&
          service !== 'warmup' &&
          (INBOUND_SERVICES as readonly string[]).includes(service)
        ) {
          problems.push({
            code: 'config/needs-app-engine-apis',
            path: ['inboundServices', index],
            message: `inbound service ${JSON.stringify(service)} on ${runtime} needs ${name('appEngineApis')}: true`,
            allowed: '"warmup"',
          });
        }
      });
    }
    if (Array.isArray(input.errorHandlers)) {
      input.errorHandlers.forEach((handler, index) => {
        if (
          isRecord(handler) &&
          (handler.errorCode === 'default' || handler.errorCode === 'dos_api_denial')
        ) {
          problems.push({
            code: 'config/not-for-runtime',
            path: ['errorHandlers', index, 'errorCode'],
            message: `error code ${JSON.stringify(handler.errorCode)} exists only on first-generation runtimes`,
            allowed: `"over_quota" or "timeout" (leave ${name('errorCode')} out for every other error)`,
          });
        }
      });
    }
  }

  if (generation === 'first') {
    for (const field of ['entrypoint', 'buildEnvVariables', 'appEngineApis', 'runtimeChannel']) {
      if (input[field] === undefined) continue;
      problems.push({
        severity: 'warning',
        code: 'config/ignored-on-runtime',
        path: [field],
        message: `${name(field)} is ignored on ${runtime}`,
      });
    }
    if (runtime === 'python27' && input.threadsafe === undefined) {
      problems.push({
        code: 'config/required',
        path: ['threadsafe'],
        message: `${name('threadsafe')} is required for python27`,
        allowed: 'true or false',
      });
    }
    if (input.apiVersion === undefined && runtime !== 'java8') {
      problems.push({
        code: 'config/required',
        path: ['apiVersion'],
        message: `${name('apiVersion')} is required for ${runtime}`,
        hint: 'Use 1 (go1 for go).',
      });
    }
    if (
      input.handlers === undefined &&
      input.builtins === undefined &&
      input.includes === undefined
    ) {
      // The old SDK refused this; the current validator accepts it, so it is a warning.
      problems.push({
        severity: 'warning',
        code: 'config/no-handlers',
        path: ['handlers'],
        message: `a ${runtime} app without ${listOf(['handlers', 'builtins', 'includes'].map(name))} serves nothing`,
        hint: 'Add a handler such as "- url: /.*" with "script: main.app".',
      });
    }
  }
  if (
    input.libraries !== undefined &&
    runtime !== undefined &&
    runtime !== 'python27' &&
    generation === 'first'
  ) {
    problems.push({
      code: 'config/not-for-runtime',
      path: ['libraries'],
      message: `${name('libraries')} exists only for python27`,
    });
  }
  if (Array.isArray(input.libraries)) {
    const seen = new Set<string>();
    input.libraries.forEach((library, index) => {
      if (!isRecord(library) || typeof library.name !== 'string') return;
      if (seen.has(library.name)) {
        problems.push({
          code: 'config/duplicate',
          path: ['libraries', index, 'name'],
          message: `library ${JSON.stringify(library.name)} is listed twice`,
        });
      }
      seen.add(library.name);
      if (runtime !== 'python27') return;
      const versions = PYTHON27_LIBRARIES[library.name];
      if (versions === undefined) {
        const names = Object.keys(PYTHON27_LIBRARIES);
        problems.push({
          code: 'config/unknown-library',
          path: ['libraries', index, 'name'],
          message: `python27 does not bundle a library named ${JSON.stringify(library.name)}`,
          allowed: listOf(names),
          hint: didYouMean(library.name, names),
        });
      } else if (
        typeof library.version === 'string' &&
        library.version !== 'latest' &&
        !versions.includes(library.version)
      ) {
        problems.push({
          code: 'config/unsupported-library-version',
          path: ['libraries', index, 'version'],
          message: `python27 does not bundle version ${JSON.stringify(library.version)} of ${library.name}`,
          allowed: listOf([...versions, 'latest']),
        });
      }
    });
  }
  if (Array.isArray(input.builtins)) {
    const seen = new Set<string>();
    input.builtins.forEach((builtin, index) => {
      if (!isRecord(builtin)) return;
      const names = Object.keys(builtin);
      if (names.length !== 1) {
        problems.push({
          code: 'config/invalid-builtin',
          path: ['builtins', index],
          message: `each builtins entry names exactly one builtin, this one names ${names.length}`,
          hint: 'Write one "- name: on" entry per builtin.',
        });
      }
      for (const builtinName of names) {
        if (seen.has(builtinName)) {
          problems.push({
            code: 'config/duplicate',
            path: ['builtins', index, builtinName],
            message: `builtin ${JSON.stringify(builtinName)} is listed twice`,
          });
        }
        seen.add(builtinName);
      }
    });
  }
  const skipFiles = Array.isArray(input.skipFiles) ? input.skipFiles : [input.skipFiles];
  let eachValid = true;
  skipFiles.forEach((pattern, index) => {
    const bad = regexProblem(
      pattern,
      Array.isArray(input.skipFiles) ? ['skipFiles', index] : ['skipFiles'],
    );
    if (bad) {
      eachValid = false;
      problems.push(bad);
    }
  });
  // gcloud joins the list with `|` into one pattern: flags such as (?i) then lead only if
  // they are first, and group names must differ across the items.
  if (eachValid && skipFiles.length > 1 && skipFiles.every((p) => typeof p === 'string')) {
    const joined = compiled(skipFiles.join('|'), ['skipFiles']);
    if (joined && 'problem' in joined) {
      problems.push({
        ...joined.problem,
        message: `the ${name('skipFiles')} patterns joined with "|", as gcloud reads them, are not a valid regular expression (${joined.reason})`,
      });
    }
  }
  if (input.main !== undefined && runtime !== undefined && !runtime.startsWith('go')) {
    problems.push({
      severity: 'warning',
      code: 'config/ignored-on-runtime',
      path: ['main'],
      message: `${name('main')} is used by Go runtimes only and is ignored on ${runtime}`,
    });
  }

  const connector = input.vpcAccessConnector;
  if (
    isRecord(connector) &&
    typeof connector.name === 'string' &&
    /^[a-z\d-]+(?:\/.+)*$/.test(connector.name) &&
    !/^projects\/[^/]+\/locations\/[^/]+\/connectors\/[^/]+$/.test(connector.name)
  ) {
    problems.push({
      severity: 'warning',
      code: 'config/connector-name',
      path: ['vpcAccessConnector', 'name'],
      message: `${JSON.stringify(connector.name)} is not a full connector name`,
      allowed: '"projects/PROJECT_ID/locations/REGION/connectors/CONNECTOR"',
      hint: 'Google documents the full name; the deploy tool accepts the short one.',
    });
  }

  problems.push(...checkScaling(input, options), ...checkVersion(input, options));
  for (const field of ['envVariables', 'buildEnvVariables'] as const) {
    const variables = input[field];
    if (isRecord(variables)) problems.push(...checkEnvironment(variables, field, runtime));
  }

  if (Array.isArray(input.handlers)) {
    if (input.handlers.length > MAX_HANDLERS) {
      problems.push({
        code: 'config/too-many',
        path: ['handlers'],
        message: `${input.handlers.length} handlers are defined`,
        allowed: `at most ${MAX_HANDLERS}`,
        hint: 'Merge handlers with regular expressions, or use static_dir for whole folders.',
      });
    }
    input.handlers.forEach((handler, index) => {
      if (isRecord(handler))
        problems.push(...checkHandler(handler, index, runtime, input, options));
    });
    if (generation === 'second' && input.entrypoint === undefined && input.handlers.length > 0) {
      const hasScript = input.handlers.some((h) => isRecord(h) && h.script !== undefined);
      if (!hasScript) {
        problems.push({
          severity: 'warning',
          code: 'config/no-script-handler',
          path: ['handlers'],
          message: `no handler sends requests to the app (${name('script')}: auto) and no ${name('entrypoint')} is set`,
          hint: 'App Engine needs one of them to deploy a second-generation service that has static handlers.',
        });
      }
    }
  }
  return problems;
}
