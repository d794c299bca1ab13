import type { AppConfig, AppDefinition, Mode } from '@gaekit/config';
import type { RequestLimitOptions, ResponseLimitOptions } from '@gaekit/limits';
import type { LogSink } from '@gaekit/logging';
import type { FetchHandler, InstanceKind, SchedulerOptions } from '@gaekit/scheduler';
import type { AuthSource } from './auth.js';
import type { GeoHeaders } from './request-headers.js';

/** One service (one app.yaml) of the app. */
export interface ServiceOptions {
  /**
   * The service's config: what `defineApp` takes (an object, or a function of the mode), or
   * an already validated `AppConfig`. Give this or `configPath`.
   */
  config?: AppDefinition | AppConfig;
  /** `app.config.ts` / `app.yaml`, or a folder holding one; loaded with `loadConfig`. */
  configPath?: string;
  /** The app's folder: static files, the entrypoint, `error_handlers` files. @default the config file's folder, else `process.cwd()` */
  root?: string;
  /**
   * How instances run the app: `process` (the entrypoint, any framework), `worker` or
   * `inline` (a fetch-handler `module`, or `handler` inline).
   * @default `inline` when `handler` is given, `worker` when `module` is given, else `process`
   */
  instances?: InstanceKind;
  /** A module whose default export is a fetch handler (worker and inline instances). */
  module?: string;
  /** The fetch handler itself (inline instances). */
  handler?: FetchHandler;
  /** The start command of process instances. @default `entrypoint` from the config, `npm start`, `node server.js` */
  entrypoint?: string;
  /** The version id this service runs as. @default the config's `version`, else `"dev"` */
  version?: string;
  /** Scheduler options for this service (timeouts, output, memory). */
  scheduler?: Omit<
    SchedulerOptions,
    'kind' | 'root' | 'module' | 'handler' | 'entrypoint' | 'config'
  >;
}

/** Options of `createPipeline`. */
export interface PipelineOptions extends ServiceOptions {
  /** `development` or `production`, passed to config functions. @default "development" */
  mode?: Mode;
  /** More services; the one without `service` (or `service: default`) is the default service. */
  services?: ServiceOptions[];
  /** dispatch.yaml rules: `{ url: "*.example.com/api/*", service: "api" }`. */
  dispatch?: readonly { url: string; service: string }[];
  /** Project id (`GOOGLE_CLOUD_PROJECT`). @default "gaekit-local" */
  project?: string;
  /**
   * Host names are read as `[INSTANCE-dot-][VERSION-dot-][SERVICE.]appDomain`. On a dev
   * machine `localhost` makes `api.localhost:8080` and `v2-dot-api.localhost:8080` work.
   * @default "localhost"
   */
  appDomain?: string;
  /** The front-end cache: `false` turns it off. @default `{ maxBytes: 64 MB }` */
  cache?: false | { maxBytes?: number };
  /**
   * Adds `X-Gaekit-Handler`, `X-Gaekit-Instance`, `X-Gaekit-Cache` and `X-Gaekit-Request-Id`
   * response headers, to see what the front end decided. @default false
   */
  debugHeaders?: boolean;
  /** Where request log entries and app lines go, besides `pipeline.logs`. @default [] */
  logSinks?: LogSink[];
  /** Request log entries kept in `pipeline.logs`. @default 1000 */
  logCapacity?: number;
  /**
   * Where the signed-in user comes from. Asked only when the matched handler has
   * `login: required|admin`, or the Users service headers apply (first-generation runtime or
   * `app_engine_apis`). @default the dev login cookie set by `/_ah/login`
   */
  auth?: AuthSource;
  /** `X-AppEngine-Country/Region/City/CityLatLong` values. @default App Engine's "unknown" values (`ZZ`, `?`, `?`, `0.000000,0.000000`) */
  geo?: GeoHeaders;
  /** Remove `Accept-Encoding` before the app sees it (spec §4.1.3; unconfirmed for G2). @default true */
  stripAcceptEncoding?: boolean;
  /** Add a W3C `traceparent` request header next to `X-Cloud-Trace-Context` (unconfirmed for App Engine standard). @default true */
  traceparent?: boolean;
  /** `Cache-Control` for dynamic responses that set none (spec §5.3). @default "private" (production); the dev_appserver used "no-cache" */
  defaultCacheControl?: 'private' | 'no-cache' | false;
  /** Pass an app's own `Content-Encoding` through instead of removing it (spec §5.2, unconfirmed for G2). @default true */
  keepAppContentEncoding?: boolean;
  /** The `Server` response header. @default "Google Frontend" */
  server?: string;
  /** Request limits (App Engine's values by default). */
  limits?: RequestLimitOptions & ResponseLimitOptions;
  /** Called once per ignored or partly emulated config element, and for other warnings. @default writes to stderr */
  onWarning?: (message: string) => void;
}
