import type { Handler } from '@gaekit/config';
import {
  compressResponse,
  compressResponseNow,
  createEdgeCache,
  type EdgeCache,
} from '@gaekit/edge';
import { inspectResponse, readWebRequest, toWebResponse } from '@gaekit/limits';
import {
  type ActiveRequest,
  createLogBuffer,
  createLogging,
  type LogBuffer,
  type Logging,
  log,
  type RequestLogEntry,
} from '@gaekit/logging';
import {
  type AuthUser,
  decideLogin,
  decideSecure,
  type RoutingTable,
  resolveTarget,
} from '@gaekit/router';
import type {
  DispatchResult,
  HeaderPairs,
  InstanceInfo,
  RequestRecord,
  ResponseRecord,
  SchedulerEvent,
} from '@gaekit/scheduler';
import { devCookieAuth, handleLoginPage, userHeaders } from './auth.js';
import { emulationWarnings } from './coverage.js';
import { type ListenOptions, type PipelineServer, servePipeline } from './listen.js';
import type { PipelineOptions, ServiceOptions } from './options.js';
import { notFoundPage, redirectResponse, unauthorizedPage } from './pages.js';
import { headerValue, platformRequestHeaders, UNKNOWN_LOCATION } from './request-headers.js';
import { rewriteResponse } from './response-headers.js';
import { readServiceConfig, type ServiceRuntime, startService } from './service.js';

/** How a request reached the pipeline: who sent it and over what. */
export interface ConnectionInfo {
  /** The client's address. @default "127.0.0.1" */
  remoteAddress?: string;
  /** Whether the client used TLS. @default taken from the request URL's scheme */
  https?: boolean;
  /** `HTTP/1.1` or `HTTP/2`. @default "HTTP/1.1" */
  protocol?: string;
}

/** A service as the pipeline runs it. */
export interface ServiceInfo {
  /** Service id (`default` for the default service). */
  name: string;
  /** Version id. */
  version: string;
  /** The service's folder. */
  root: string;
  /** Its instances now. */
  instances: InstanceInfo[];
}

/** App Engine's front end for an app: in-process `fetch`, or a server with `listen`. */
export interface Pipeline {
  /** Resolves once every service's config is read and manual instances are up; rejects with the config error. */
  ready(): Promise<void>;
  /**
   * Runs one request through the whole front end, in-process (no socket): limits, headers,
   * routing, cache, static files or an instance, response rules, gzip. Never rejects for
   * anything the app does; every request gets an answer.
   */
  fetch(request: Request, connection?: ConnectionInfo): Promise<Response>;
  /** The same over buffered records. */
  handle(request: RequestRecord, connection?: ConnectionInfo): Promise<ResponseRecord>;
  /**
   * {@link Pipeline.handle}, answering in the same tick when nothing has to wait (an edge-cache
   * hit, a cached static file, a redirect or error page, an inline handler that returns a
   * `Response` rather than a promise); otherwise the promise. What `listen` uses.
   */
  handleNow(
    request: RequestRecord,
    connection?: ConnectionInfo,
  ): ResponseRecord | Promise<ResponseRecord>;
  /** Serves the pipeline over node:http (or HTTP/2) on 127.0.0.1. */
  listen(options?: ListenOptions): Promise<PipelineServer>;
  /** Stops every instance and server; in-flight requests are answered first. */
  close(): Promise<void>;
  /** The services and their instances. */
  services(): ServiceInfo[];
  /** Snapshots of every instance of every service. */
  instances(): InstanceInfo[];
  /** The request log: `logs.query({ requestId, minSeverity, pathPrefix, limit })`. */
  readonly logs: LogBuffer;
  /** The front-end cache, or `undefined` when turned off: `stats`, `purge(url?)`. */
  readonly cache: EdgeCache | undefined;
  /** The logging setup the pipeline writes request entries with. */
  readonly logging: Logging;
  /** Config files the services were read from (what `gae dev` watches). */
  configFiles(): string[];
}

const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

interface Runtime {
  services: Map<string, ServiceRuntime>;
  table: RoutingTable;
}

/** The path of an origin-form or absolute-form request target, without the query. */
function rawPath(target: string): string | undefined {
  let path = target;
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    if (scheme < 0) return undefined;
    const slash = path.indexOf('/', scheme + 3);
    path = slash < 0 ? '/' : path.slice(slash);
  }
  const query = path.search(/[?#]/);
  return query < 0 ? path : path.slice(0, query);
}

/** A fixed response that skips the app: still gets Date, Server, Content-Length. */
function platformResponse(
  response: ResponseRecord,
  method: string,
  server: string,
): ResponseRecord {
  return rewriteResponse(response, method, {
    defaultCacheControl: false,
    keepAppContentEncoding: true,
    server,
  }).response;
}

/**
 * Creates App Engine's front end for one app (one or more services). Requests go through the
 * same stages, in the same order, as on App Engine; see the package README.
 */
export function createPipeline(options: PipelineOptions = {}): Pipeline {
  const mode = options.mode ?? 'development';
  const project = options.project ?? 'gaekit-local';
  const appDomain = options.appDomain ?? 'localhost';
  const server = options.server ?? 'Google Frontend';
  const warn =
    options.onWarning ?? ((message: string) => process.stderr.write(`gaekit: ${message}\n`));
  const auth = options.auth ?? devCookieAuth;
  const warned = new Set<string>();
  const warnOnce = (message: string) => {
    if (warned.has(message)) return;
    warned.add(message);
    warn(message);
  };
  const logs = createLogBuffer({ capacity: options.logCapacity ?? 1000 });
  const logging = createLogging({ sinks: [logs, ...(options.logSinks ?? [])], appId: project });
  const cache =
    options.cache === false
      ? undefined
      : createEdgeCache({
          maxBytes: options.cache?.maxBytes ?? DEFAULT_CACHE_BYTES,
          debugHeader: options.debugHeaders === true,
        });
  const servers = new Set<PipelineServer>();
  // Requests inside handle(): close() answers them first (a reload swaps pipelines mid-traffic).
  let inflight = 0;
  let drained: Array<() => void> = [];
  const settle = () => {
    inflight--;
    if (inflight === 0 && drained.length > 0) {
      for (const resolve of drained) resolve();
      drained = [];
    }
  };
  let current: Runtime | undefined;
  let closed = false;

  const onEvent = (service: string, event: SchedulerEvent) => {
    if (event.type === 'app-output') {
      logging.ingest(`${event.line}\n`, { stream: event.stream, instanceId: event.instanceId });
    } else if (event.type === 'instance-stopped' && event.reason === 'crash') {
      warn(`service ${service}: instance ${event.instanceId} crashed and will be replaced`);
    }
  };

  if (options.services != null && !Array.isArray(options.services)) {
    // A JavaScript caller may pass one service, or services by name: say what is expected.
    throw new TypeError(
      `services must be an array of service options ([{ config, handler }, ...]), got ${typeof options.services}`,
    );
  }
  const serviceOptions: ServiceOptions[] = [];
  if (options.config !== undefined || options.configPath !== undefined || !options.services) {
    serviceOptions.push(options);
  }
  serviceOptions.push(...(options.services ?? []));

  const runtime: Promise<Runtime> = (async () => {
    const read = await Promise.all(serviceOptions.map((s) => readServiceConfig(s, mode)));
    const services = new Map<string, ServiceRuntime>();
    read.forEach((config, i) => {
      const name = config.config.service ?? 'default';
      if (services.has(name)) throw new Error(`two services are named "${name}"`);
      services.set(name, startService(serviceOptions[i] ?? {}, config, { mode, project, onEvent }));
    });
    if (!services.has('default') && services.size > 0) {
      throw new Error(
        'one service must be the default service (no `service`, or `service: default`)',
      );
    }
    const table: RoutingTable = {
      services: new Map(
        [...services.values()].map((s) => [
          s.name,
          {
            versions: [s.version],
            defaultVersion: s.version,
            instances: () => s.scheduler.instances().map((i) => i.id),
          },
        ]),
      ),
      dispatch: options.dispatch,
      appDomain,
    };
    for (const s of services.values()) {
      for (const message of emulationWarnings(s.config, s.name)) warnOnce(message);
    }
    await Promise.all([...services.values()].map((s) => s.scheduler.start()));
    return { services, table };
  })();
  // Callers see the error through ready()/fetch(); this keeps Node from reporting it twice.
  runtime.catch(() => undefined);

  /** What the request log entry gets besides status and size. */
  interface EntryFacts {
    instanceId?: string;
    pendingTime?: number;
    wasLoadingRequest?: boolean;
    urlMapEntry?: string;
    cacheHit?: boolean;
    moduleId?: string;
    versionId?: string;
  }

  /** One request on its way through the stages (what the later, asynchronous ones need). */
  interface InFlight {
    incoming: RequestRecord;
    requestLike: { method: string; url: string; headers: HeaderPairs };
    active: ActiveRequest;
    facts: EntryFacts;
    handler: Handler | undefined;
    staticHandler: boolean;
  }

  const internalError = (method: string): ResponseRecord =>
    platformResponse(
      {
        status: 500,
        headers: [['Content-Type', 'text/html; charset=UTF-8']],
        body: new TextEncoder().encode('<html><body>500 Server Error</body></html>'),
      },
      method,
      server,
    );

  const finish = (flight: InFlight, answer: ResponseRecord): ResponseRecord => {
    let response = answer;
    if (options.debugHeaders) {
      // On a copy of the list: the cache may hold (and hand out) the same one.
      const headers = [...response.headers];
      if (flight.handler) headers.push(['X-Gaekit-Handler', flight.handler.url]);
      if (flight.facts.instanceId) headers.push(['X-Gaekit-Instance', flight.facts.instanceId]);
      headers.push(['X-Gaekit-Request-Id', flight.active.requestId]);
      response = { ...response, headers };
    }
    flight.active.end({
      status: response.status,
      responseSize: response.body.byteLength,
      ...flight.facts,
    });
    return response;
  };

  const failed = (flight: InFlight, error: unknown): ResponseRecord => {
    flight.active.run(() =>
      log.log('ERROR', error instanceof Error ? (error.stack ?? error.message) : String(error)),
    );
    return finish(flight, internalError(flight.incoming.method));
  };

  /** The response stages after the app or a static file: gzip, the cache, the log entry. */
  const deliver = (
    flight: InFlight,
    response: ResponseRecord,
    compress: boolean,
  ): ResponseRecord | Promise<ResponseRecord> => {
    const store = (ready: ResponseRecord): ResponseRecord => {
      if (cache && flight.incoming.method === 'GET') {
        // With debugHeaders the cache itself adds X-Gaekit-Cache (MISS or why not stored).
        cache.store(flight.requestLike, ready, { staticHandler: flight.staticHandler });
      }
      return finish(flight, ready);
    };
    if (!compress) return store(response);
    // In the same tick when no thread-pool work is needed (the common case).
    const now = compressResponseNow(flight.requestLike, response);
    if (now) return store(now);
    return compressResponse(flight.requestLike, response).then(store);
  };

  /** The app's answer through the response stages: error pages, limits, headers, gzip. */
  const afterApp = (
    flight: InFlight,
    service: ServiceRuntime,
    result: DispatchResult,
  ): ResponseRecord | Promise<ResponseRecord> => {
    const { facts, active, incoming } = flight;
    facts.instanceId = result.instanceId;
    facts.pendingTime = result.pendingMs / 1000;
    facts.wasLoadingRequest = result.loadingRequest;
    let appResponse = result.response;
    if (result.outcome === 'deadline') {
      appResponse = service.errorPages.page('timeout', 500) ?? appResponse;
    } else if (result.outcome === 'app-error' || result.outcome === 'crash') {
      appResponse = service.errorPages.page('default', 500) ?? appResponse;
    }
    const violation = inspectResponse(appResponse, options.limits);
    if (violation) {
      active.run(() => log.log('ERROR', violation.logMessage));
      options.limits?.onResponseViolation?.(violation);
      appResponse = violation.response;
    }
    const rewritten = rewriteResponse(appResponse, incoming.method, {
      defaultCacheControl: options.defaultCacheControl ?? 'private',
      keepAppContentEncoding: options.keepAppContentEncoding ?? true,
      server,
    });
    const response = rewritten.response;
    return deliver(flight, response, !rewritten.defaultedContentType && incoming.method !== 'HEAD');
  };

  /**
   * The front end's stages up to the answer, or up to the instance. Synchronous where it can
   * be: every promise costs more while AsyncLocalStorage (the request logs) is active.
   */
  function handleWith(
    { services, table }: Runtime,
    incoming: RequestRecord,
    connection: ConnectionInfo,
  ): ResponseRecord | Promise<ResponseRecord> {
    const hostHeader = headerValue(incoming.headers, 'host');
    let url: URL;
    try {
      url = new URL(
        incoming.url,
        `${connection.https ? 'https' : 'http'}://${hostHeader ?? 'localhost'}`,
      );
    } catch {
      return platformResponse(notFoundPage(incoming.url), incoming.method, server);
    }
    const href = url.href;
    const https = connection.https ?? url.protocol === 'https:';
    const clientIp = connection.remoteAddress ?? '127.0.0.1';
    const active = logging.startRequest({
      method: incoming.method,
      url,
      headers: incoming.headers,
      remoteIp: clientIp,
      protocol: connection.protocol ?? 'HTTP/1.1',
      requestSize: incoming.body.byteLength,
    });
    const flight: InFlight = {
      incoming,
      requestLike: { method: incoming.method, url: href, headers: incoming.headers },
      active,
      facts: {},
      handler: undefined,
      staticHandler: false,
    };
    const platform = (response: ResponseRecord) =>
      finish(flight, platformResponse(response, incoming.method, server));
    try {
      // The router sees the path as sent (dot segments, escapes), not as WHATWG URL rewrote it.
      const path = rawPath(incoming.url) ?? url.pathname;
      const target = resolveTarget({ host: hostHeader ?? url.host, path }, table);
      if (target.kind === 'error') {
        const page = notFoundPage(path);
        page.status = target.status;
        return platform(page);
      }
      const service = services.get(target.service);
      if (!service) return platform(notFoundPage(path));
      flight.facts.moduleId = service.name;
      flight.facts.versionId = service.version;

      const login = handleLoginPage(incoming, url);
      if (login) return platform(login);
      // Users cannot call the platform's own lifecycle paths (spec §9.3).
      if (path === '/_ah/start' || path === '/_ah/stop' || path === '/_ah/warmup') {
        return platform(notFoundPage(path));
      }

      let handler: Handler | undefined;
      let file: string | undefined;
      let user: AuthUser | undefined;
      if (service.router) {
        const match = service.router.match(path);
        if (match.kind === 'redirect') {
          return platform(redirectResponse(match.status, match.location + url.search));
        }
        if (match.kind === 'not-found') return platform(notFoundPage(path));
        handler = match.handler;
        flight.handler = handler;
        file = match.file;
        flight.facts.urlMapEntry = handler.url;
        const secure = decideSecure(handler, { url, https });
        if (secure.kind === 'redirect') {
          return platform(redirectResponse(secure.status, secure.location));
        }
        // The auth source is asked only when a handler or the Users service needs the user.
        if (handler.login !== undefined && handler.login !== 'optional') user = auth(incoming);
        const access = decideLogin(handler, { url, user });
        if (access.kind === 'redirect') {
          return platform(redirectResponse(access.status, access.location));
        }
        if (access.kind === 'status') {
          const page = unauthorizedPage();
          page.status = access.status;
          return platform(page);
        }
      }

      if (cache) {
        const hit = cache.lookup(flight.requestLike);
        if (hit) {
          flight.facts.cacheHit = true;
          if (incoming.method === 'HEAD') hit.body = new Uint8Array(0);
          return finish(flight, hit);
        }
      }

      if (file !== undefined && handler) {
        flight.staticHandler = true;
        const onFile = (found: ResponseRecord) =>
          deliver(
            flight,
            found.status === 404
              ? platformResponse(notFoundPage(path), incoming.method, server)
              : platformResponse(found, incoming.method, server),
            incoming.method !== 'HEAD',
          );
        const now = service.statics.serveNow(file, handler, flight.requestLike);
        if (now) {
          const answer = onFile(now);
          // A large file whose gzip is not made yet is compressed on the thread pool.
          return answer instanceof Promise
            ? answer.catch((error: unknown) => failed(flight, error))
            : answer;
        }
        const fileHandler = handler;
        return service.statics
          .serve(file, fileHandler, flight.requestLike)
          .then(onFile)
          .catch((error: unknown) => failed(flight, error));
      }

      if (service.usersService && user === undefined) user = auth(incoming);
      const trace = active.headers();
      const appHeaders = platformRequestHeaders(incoming.headers, {
        stripAcceptEncoding: options.stripAcceptEncoding ?? true,
        clientIp,
        https,
        requestLogId: active.requestId,
        defaultVersionHostname: appDomain,
        cloudTraceContext: trace['x-cloud-trace-context'] ?? '',
        traceparent: options.traceparent === false ? undefined : trace.traceparent,
        geo: options.geo ?? UNKNOWN_LOCATION,
        timeoutMs: undefined,
      });
      if (user && service.usersService) appHeaders.push(...userHeaders(user, 'gmail.com'));
      const record: RequestRecord = {
        method: incoming.method,
        url: url.pathname + url.search,
        headers: appHeaders,
        body: incoming.body,
      };
      const dispatched = active.run(() =>
        service.scheduler.dispatchNow(record, {
          requestId: active.requestId,
          instance: target.instance,
        }),
      );
      if (dispatched instanceof Promise) {
        return dispatched
          .then((result) => afterApp(flight, service, result))
          .catch((error: unknown) => failed(flight, error));
      }
      // The instance answered in the same tick: so do the response stages, unless gzip needs
      // the thread pool.
      const answer = afterApp(flight, service, dispatched);
      return answer instanceof Promise
        ? answer.catch((error: unknown) => failed(flight, error))
        : answer;
    } catch (error) {
      return failed(flight, error);
    }
  }

  function handleNow(
    incoming: RequestRecord,
    connection: ConnectionInfo = {},
  ): ResponseRecord | Promise<ResponseRecord> {
    if (!current) return runtime.then((r) => handleWith(r, incoming, connection));
    try {
      return handleWith(current, incoming, connection);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  const pipeline: Pipeline = {
    async ready() {
      await runtime;
    },
    handle(request, connection) {
      const answer = pipeline.handleNow(request, connection);
      return answer instanceof Promise ? answer : Promise.resolve(answer);
    },
    handleNow(request, connection) {
      const answer = handleNow(request, connection);
      // Only a request still on its way keeps close() waiting.
      if (answer instanceof Promise) {
        inflight++;
        answer.then(settle, settle);
      }
      return answer;
    },
    async fetch(request, connection = {}) {
      const read = await readWebRequest(request, options.limits);
      const https = connection.https ?? new URL(request.url).protocol === 'https:';
      if (!read.ok) return toWebResponse(platformResponse(read.rejection, request.method, server));
      const record = read.request;
      if (!headerValue(record.headers, 'host'))
        record.headers.push(['host', new URL(request.url).host]);
      return toWebResponse(await pipeline.handle(record, { ...connection, https }));
    },
    async listen(listenOptions = {}) {
      await runtime;
      const started = await servePipeline(pipeline, {
        ...listenOptions,
        limits: options.limits,
        server,
      });
      servers.add(started);
      return started;
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([...servers].map((s) => s.close()));
      if (inflight > 0) await new Promise<void>((resolve) => drained.push(resolve));
      const ready = await runtime.catch(() => undefined);
      if (!ready) return;
      await Promise.all(
        [...ready.services.values()].map(async (s) => {
          s.statics.close();
          await s.scheduler.close();
        }),
      );
    },
    services() {
      return [...(current?.services.values() ?? [])].map((s) => ({
        name: s.name,
        version: s.version,
        root: s.root,
        instances: s.scheduler.instances(),
      }));
    },
    instances() {
      return [...(current?.services.values() ?? [])].flatMap((s) => s.scheduler.instances());
    },
    logs,
    cache,
    logging,
    configFiles() {
      return [...(current?.services.values() ?? [])].flatMap((s) => [...s.files]);
    },
  };
  void runtime.then(
    (r) => {
      current = r;
    },
    () => undefined,
  );
  return pipeline;
}

export type { RequestLogEntry };
