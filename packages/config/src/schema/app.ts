import { z } from 'zod';
import {
  EXPIRATION_ALLOWED,
  EXPIRATION_PATTERN,
  IDLE_TIMEOUT_PATTERN,
  PENDING_LATENCY_PATTERN,
  RUNTIME_PATTERN,
  SERVICE_PATTERN,
  VERSION_PATTERN,
} from '../formats.js';
import { formatted, ranged } from './common.js';

/** Words App Engine reads as `on` or `off` in switches (`builtins`, `api_endpoint`). */
const SWITCH_WORDS = {
  on: ['on', 'yes', 'y', 'True', 't', '1', 'true'],
  off: ['off', 'no', 'n', 'False', 'f', '0', 'false'],
} as const;
/** `on` / `off`, also written `yes`/`no`, `true`/`false`, `1`/`0` as App Engine allows; read as `on` / `off`. */
const onOff = z
  .enum([...SWITCH_WORDS.on, ...SWITCH_WORDS.off])
  .transform((word): 'on' | 'off' =>
    (SWITCH_WORDS.on as readonly string[]).includes(word) ? 'on' : 'off',
  );

const expiration = formatted(EXPIRATION_PATTERN, 'expiration', EXPIRATION_ALLOWED);
const pendingLatency = formatted(
  PENDING_LATENCY_PATTERN,
  'pending latency',
  '"automatic", N ms ("30ms") or N seconds with up to 3 decimals ("1.5s")',
);
/** A file path or pattern, which App Engine requires to be non-empty (one line). */
const filePath = (what: string) => formatted(/^.+$/, what, `a non-empty ${what}`);
const idleInstances = (min: number) =>
  z.union([ranged(min, 1000), z.literal('automatic')], {
    error: `an integer from ${min} to 1000, or "automatic"`,
  });

/** One entry of `handlers`: a URL pattern and what serves it (see {@link Handler}). */
export const handlerSchema = z.object({
  /** Regular expression matched against the whole request path (App Engine anchors it). For `staticDir`, a plain prefix. */
  url: z.string(),
  /** `auto` on second-generation runtimes (requests go to the app); a WSGI module path or `.py` file on python27. */
  script: filePath('script').optional(),
  /** Directory, relative to the app root, whose files are served under the `url` prefix. */
  staticDir: filePath('directory').optional(),
  /** File path served for a matching URL; may use `\1`…`\9` from the `url` groups. */
  staticFiles: filePath('file path').optional(),
  /** Regular expression matching every file a `staticFiles` handler may serve (required with `staticFiles`). */
  upload: filePath('upload pattern').optional(),
  /** MIME type of every file of the handler. @default derived from the file extension */
  mimeType: z.string().optional(),
  /** How long browsers and proxies may cache the files, e.g. `"4d 5h"`. @default `defaultExpiration`, else 10 minutes */
  expiration: expiration.optional(),
  /** Extra response headers for the handler's files. */
  httpHeaders: z.record(z.string(), z.string()).optional(),
  /** Fall through to the next handler when the file does not exist, instead of answering 404. @default false */
  requireMatchingFile: z.boolean().optional(),
  /** First generation only: also upload the files with the app code so the app can read them. @default false */
  applicationReadable: z.boolean().optional(),
  /** `always` redirects HTTP to HTTPS, `never` redirects HTTPS to HTTP; `default` means `optional`. @default "optional" */
  secure: z.enum(['optional', 'never', 'always', 'default']).optional(),
  /** Status code of the `secure` redirects. @default 302 */
  redirectHttpResponseCode: z
    .union([z.literal(301), z.literal(302), z.literal(303), z.literal(307)], {
      error: '301, 302, 303 or 307',
    })
    .optional(),
  /** Sign-in requirement (first generation, or second generation with `appEngineApis`). @default "optional" */
  login: z.enum(['optional', 'required', 'admin']).optional(),
  /** What happens to a user who is not signed in: sign-in redirect or 401. @default "redirect" */
  authFailAction: z.enum(['redirect', 'unauthorized']).optional(),
  /** In an included file only: put the handler at the head or the tail of the includer's list. @default "head" */
  position: z.enum(['head', 'tail']).optional(),
  /** First generation Cloud Endpoints handler switch. */
  apiEndpoint: onOff.optional(),
});

/** `automatic_scaling`: the scheduler starts and stops instances by load (F instance classes). */
export const automaticScalingSchema = z.object({
  /** CPU use (0.5–0.95) above which new instances start. @default 0.6 */
  targetCpuUtilization: ranged(0.5, 0.95, true).optional(),
  /** Share (0.5–0.95) of `maxConcurrentRequests` above which new instances start. @default 0.6 */
  targetThroughputUtilization: ranged(0.5, 0.95, true).optional(),
  /** Concurrent requests one instance takes before the scheduler starts another (1–1000). @default 10 */
  maxConcurrentRequests: ranged(1, 1000).optional(),
  /** Instances always running while the version serves traffic (0–1000). @default 0 */
  minInstances: ranged(0, 1000).optional(),
  /** Hard cap on instances; 0 means no limit. @default 20 for new projects */
  maxInstances: ranged(0, 2147483647).optional(),
  /** Idle instances kept in addition to those traffic needs. @default 0 */
  minIdleInstances: idleInstances(0).optional(),
  /** Cap on idle instances. @default "automatic" */
  maxIdleInstances: idleInstances(1).optional(),
  /** A queued request never starts a new instance before waiting this long, e.g. `"30ms"`. @default "automatic" */
  minPendingLatency: pendingLatency.optional(),
  /** A queued request waiting this long tries to start a new instance. @default "automatic" */
  maxPendingLatency: pendingLatency.optional(),
});

/** `basic_scaling`: instances start on demand and stop when idle (B instance classes). */
export const basicScalingSchema = z.object({
  /** Most instances App Engine starts for this version (required, at least 1). */
  maxInstances: ranged(1, 2147483647),
  /** An instance idle this long is shut down: `"300s"` or `"5m"`. @default "5m" */
  idleTimeout: formatted(
    IDLE_TIMEOUT_PATTERN,
    'idle timeout',
    'N seconds ("300s") or N minutes ("10m")',
  ).optional(),
});

/** `manual_scaling`: a fixed number of resident instances (B instance classes). */
export const manualScalingSchema = z.object({
  /** How many instances run (required, at least 1). */
  instances: ranged(1, 2147483647),
});

/** One `error_handlers` entry: a static page served instead of the generic error page. */
export const errorHandlerSchema = z.object({
  /** Which error the page is for; omitted means every error. */
  errorCode: z.enum(['default', 'over_quota', 'dos_api_denial', 'timeout']).optional(),
  /** Path of the page, relative to the app root (under 10 KB). */
  file: filePath('file path'),
  /** MIME type of the page. @default "text/html" */
  mimeType: z.string().optional(),
});

/** `vpc_access_connector`: Serverless VPC Access for outbound traffic. */
export const vpcAccessConnectorSchema = z.object({
  /** Full connector name: `projects/PROJECT/locations/REGION/connectors/NAME`. */
  name: formatted(
    /^[a-z\d-]+(?:\/.+)*$/,
    'connector name',
    '"projects/PROJECT_ID/locations/REGION/connectors/CONNECTOR"',
  ),
  /** Which outbound traffic goes through the connector. @default "private-ranges-only" */
  egressSetting: z.enum(['private-ranges-only', 'all-traffic']).optional(),
});

/** One python27 `libraries` entry. */
export const librarySchema = z.object({
  /** Library name, such as `webapp2`. */
  name: z.string(),
  /** Library version, or `latest`. */
  version: z.string(),
});

/** The services an app may receive requests from besides HTTP. */
export const INBOUND_SERVICES = [
  'mail',
  'mail_bounce',
  'xmpp_message',
  'xmpp_subscribe',
  'xmpp_presence',
  'xmpp_error',
  'channel_presence',
  'rest',
  'warmup',
] as const;

/**
 * The whole of one `app.yaml` (one version of one service), in camelCase. Every field maps
 * to the app.yaml element of the same name in snake_case (`staticDir` -> `static_dir`).
 */
export const appSchema = z.object({
  /** Runtime, e.g. `nodejs22` or `python27` (required). */
  runtime: formatted(
    RUNTIME_PATTERN,
    'runtime',
    'a lowercase name such as "nodejs22" (letters, digits, "-", ".", at most 30 characters)',
  ),
  /** Service id. @default "default" */
  service: formatted(
    SERVICE_PATTERN,
    'service id',
    'lowercase letters, digits and hyphens, 1–63 characters, no hyphen at either end',
  ).optional(),
  /** Version id; normally given to the deploy command instead. */
  version: formatted(
    VERSION_PATTERN,
    'version id',
    'lowercase letters, digits and hyphens, 1–63 characters, no hyphen at either end',
  ).optional(),
  /** Deprecated project id (first generation; ignored by gcloud). */
  application: z.string().optional(),
  /** python27 only: API version, `1`. */
  apiVersion: formatted(
    /^[\w.]{1,32}$/,
    'api version',
    'letters, digits, "_" and ".", 1–32 characters',
  ).optional(),
  /** python27 only (required there): whether one instance may serve concurrent requests. */
  threadsafe: z.boolean().optional(),
  /** Second generation: shell command that starts the server on `$PORT`. @default `npm start`, else `node server.js` (Node.js) */
  entrypoint: z.string().optional(),
  /** Instance class such as `F1` or `B2`. @default "F1" (automatic scaling), "B2" (basic and manual) */
  instanceClass: z.string().optional(),
  /** Environment variables of the app. Names starting with `GAE` are reserved. */
  envVariables: z.record(z.string(), z.string()).optional(),
  /** Second generation: environment variables of the build step (buildpacks). */
  buildEnvVariables: z.record(z.string(), z.string()).optional(),
  /** Cache lifetime of static files whose handler has no `expiration`. @default "10m" */
  defaultExpiration: expiration.optional(),
  /** URL handlers, tried in order (at most 100). Without handlers every request goes to the app. */
  handlers: z.array(handlerSchema).optional(),
  /** Automatic scaling settings (the default scaling type). */
  automaticScaling: automaticScalingSchema.optional(),
  /** Basic scaling settings. */
  basicScaling: basicScalingSchema.optional(),
  /** Manual scaling settings. */
  manualScaling: manualScalingSchema.optional(),
  /** Non-HTTP traffic the app takes; `warmup` enables `/_ah/warmup` requests. */
  inboundServices: z.array(z.enum(INBOUND_SERVICES)).optional(),
  /** Static pages served instead of the generic error pages. */
  errorHandlers: z.array(errorHandlerSchema).optional(),
  /** First generation: other YAML files whose handlers and settings are merged in. */
  includes: z.array(z.string()).optional(),
  /** First generation: built-in handlers switched on or off, one name per entry (`[{ remote_api: 'on' }]`). */
  builtins: z.array(z.record(z.string(), onOff)).optional(),
  /** python27 only: bundled third-party libraries. */
  libraries: z.array(librarySchema).optional(),
  /** First generation: regular expression(s) of files not to upload. */
  skipFiles: z
    .union([z.string(), z.array(z.string())], { error: 'a regular expression or a list of them' })
    .optional(),
  /** Second generation: enable the legacy bundled services. @default false */
  appEngineApis: z.boolean().optional(),
  /** Serverless VPC Access connector. */
  vpcAccessConnector: vpcAccessConnectorSchema.optional(),
  /** Service account the app runs as. @default the App Engine default service account */
  serviceAccount: formatted(
    /^[^@\s]+@[^@\s]+$/,
    'service account',
    'an e-mail address such as "app@PROJECT.iam.gserviceaccount.com"',
  ).optional(),
  /** Runtime release channel. @default "default" */
  runtimeChannel: z.string().optional(),
  /** Environment: gaekit supports the standard environment only (`standard` or `1`). @default "standard" */
  env: z.string().optional(),
  /** Go only: path of the main package. */
  main: z.string().optional(),
  /** Go only: regular expression of files not to build. */
  nobuildFiles: z.string().optional(),
  /** First generation: precompilation of uploaded files. */
  derivedFileType: z.array(z.enum(['java_precompiled', 'python_precompiled'])).optional(),
  /** First generation Datastore id allocation policy. @default "default" */
  autoIdPolicy: z.enum(['default', 'legacy']).optional(),
});

/** A validated app config (the contents of one app.yaml) in camelCase. */
export type AppConfig = z.output<typeof appSchema>;
/** One handler of {@link AppConfig.handlers}. */
export type Handler = z.output<typeof handlerSchema>;
/** {@link AppConfig.automaticScaling}. */
export type AutomaticScaling = z.output<typeof automaticScalingSchema>;
/** {@link AppConfig.basicScaling}. */
export type BasicScaling = z.output<typeof basicScalingSchema>;
/** {@link AppConfig.manualScaling}. */
export type ManualScaling = z.output<typeof manualScalingSchema>;
/** One entry of {@link AppConfig.errorHandlers}. */
export type ErrorHandler = z.output<typeof errorHandlerSchema>;
