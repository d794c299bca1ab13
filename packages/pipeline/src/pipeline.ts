import { compressResponse, createEdgeCache, type EdgeCache } from '@gaekit/edge';
import { checkResponse, readWebRequest, toWebResponse } from '@gaekit/limits';
import {
  createLogBuffer,
  createLogging,
  type LogBuffer,
  type Logging,
  log,
  type RequestLogEntry,
} from '@gaekit/logging';
import { decideLogin, decideSecure, type RoutingTable, resolveTarget } from '@gaekit/router';
import type {
  DispatchResult,
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
import {
  addPlatformHeaders,
  headerValue,
  sanitizeRequestHeaders,
  UNKNOWN_LOCATION,
} from './request-headers.js';
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
  /** The same over buffered records (what `listen` uses). */
  handle(request: RequestRecord, connection?: ConnectionInfo): Promise<ResponseRecord>;
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

function hostOf(request: RequestRecord, url: URL): string {
  return headerValue(request.headers, 'host') ?? url.host;
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
  const inflight = new Set<Promise<ResponseRecord>>();
  let closed = false;

  const onEvent = (service: string, event: SchedulerEvent) => {
    if (event.type === 'app-output') {
      logging.ingest(`${event.line}\n`, { stream: event.stream, instanceId: event.instanceId });
    } else if (event.type === 'instance-stopped' && event.reason === 'crash') {
      warn(`service ${service}: instance ${event.instanceId} crashed and will be replaced`);
    }
  };

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

  async function handle(
    incoming: RequestRecord,
    connection: ConnectionInfo = {},
  ): Promise<ResponseRecord> {
    const { services, table } = await runtime;
    const base = `${connection.https ? 'https' : 'http'}://${headerValue(incoming.headers, 'host') ?? 'localhost'}`;
    let url: URL;
    try {
      url = new URL(incoming.url, base);
    } catch {
      return platformResponse(notFoundPage(incoming.url), incoming.method, server);
    }
    const https = connection.https ?? url.protocol === 'https:';
    const clientIp = connection.remoteAddress ?? '127.0.0.1';
    const active = logging.startRequest({
      method: incoming.method,
      url: url.toString(),
      headers: incoming.headers,
      remoteIp: clientIp,
      protocol: connection.protocol ?? 'HTTP/1.1',
      requestSize: incoming.body.byteLength,
    });
    const end: {
      instanceId?: string;
      pendingTime?: number;
      wasLoadingRequest?: boolean;
      urlMapEntry?: string;
      cacheHit?: boolean;
    } = {};
    const finish = (response: ResponseRecord): ResponseRecord => {
      if (options.debugHeaders) response.headers.push(['X-Gaekit-Request-Id', active.requestId]);
      active.end({ status: response.status, responseSize: response.body.byteLength, ...end });
      return response;
    };
    try {
      // The router sees the path as sent (dot segments, escapes), not as WHATWG URL rewrote it.
      const path = rawPath(incoming.url) ?? url.pathname;
      const host = hostOf(incoming, url);
      const target = resolveTarget({ host, path }, table);
      if (target.kind === 'error') {
        const page = target.status === 404 ? notFoundPage(path) : notFoundPage(path);
        page.status = target.status;
        return finish(platformResponse(page, incoming.method, server));
      }
      const service = services.get(target.service);
      if (!service) return finish(platformResponse(notFoundPage(path), incoming.method, server));

      const login = handleLoginPage(incoming, url);
      if (login) return finish(platformResponse(login, incoming.method, server));
      // Users cannot call the platform's own lifecycle paths (spec §9.3).
      if (path === '/_ah/start' || path === '/_ah/stop' || path === '/_ah/warmup') {
        return finish(platformResponse(notFoundPage(path), incoming.method, server));
      }

      const user = auth(incoming);
      let file: string | undefined;
      let handler = undefined as import('@gaekit/config').Handler | undefined;
      if (service.router) {
        const match = service.router.match(path);
        if (match.kind === 'redirect') {
          const location = match.location + url.search;
          return finish(
            platformResponse(redirectResponse(match.status, location), incoming.method, server),
          );
        }
        if (match.kind === 'not-found') {
          return finish(platformResponse(notFoundPage(path), incoming.method, server));
        }
        handler = match.handler;
        file = match.file;
        end.urlMapEntry = handler.url;
        const secure = decideSecure(handler, { url, https });
        if (secure.kind === 'redirect') {
          return finish(
            platformResponse(
              redirectResponse(secure.status, secure.location),
              incoming.method,
              server,
            ),
          );
        }
        const access = decideLogin(handler, { url, user });
        if (access.kind === 'redirect') {
          return finish(
            platformResponse(
              redirectResponse(access.status, access.location),
              incoming.method,
              server,
            ),
          );
        }
        if (access.kind === 'status') {
          const page = unauthorizedPage();
          page.status = access.status;
          return finish(platformResponse(page, incoming.method, server));
        }
      }

      const requestLike = {
        method: incoming.method,
        url: url.toString(),
        headers: incoming.headers,
      };
      if (cache) {
        const hit = cache.lookup(requestLike);
        if (hit) {
          end.cacheHit = true;
          if (incoming.method === 'HEAD') hit.body = new Uint8Array(0);
          return finish(hit);
        }
      }

      let response: ResponseRecord;
      let staticHandler = false;
      let defaultedContentType = false;
      if (file !== undefined && handler) {
        staticHandler = true;
        response = await service.statics.serve(file, handler, requestLike);
        if (response.status === 404) {
          response = platformResponse(notFoundPage(path), incoming.method, server);
        } else {
          response = platformResponse(response, incoming.method, server);
        }
      } else {
        const trace = active.headers();
        const appHeaders = addPlatformHeaders(
          sanitizeRequestHeaders(incoming.headers, {
            stripAcceptEncoding: options.stripAcceptEncoding ?? true,
          }),
          {
            clientIp,
            https,
            requestLogId: active.requestId,
            defaultVersionHostname: appDomain,
            cloudTraceContext: trace['x-cloud-trace-context'] ?? '',
            traceparent: options.traceparent === false ? undefined : trace.traceparent,
            geo: options.geo ?? UNKNOWN_LOCATION,
            timeoutMs: undefined,
          },
        );
        if (user && service.usersService) appHeaders.push(...userHeaders(user, 'gmail.com'));
        const record: RequestRecord = {
          method: incoming.method,
          url: url.pathname + url.search,
          headers: appHeaders,
          body: incoming.body,
        };
        const result: DispatchResult = await active.run(() =>
          service.scheduler.dispatch(record, {
            requestId: active.requestId,
            instance: target.instance,
          }),
        );
        end.instanceId = result.instanceId;
        end.pendingTime = result.pendingMs / 1000;
        end.wasLoadingRequest = result.loadingRequest;
        let appResponse = result.response;
        if (result.outcome === 'deadline') {
          appResponse = service.errorPages.page('timeout', 500) ?? appResponse;
        } else if (result.outcome === 'app-error' || result.outcome === 'crash') {
          appResponse = service.errorPages.page('default', 500) ?? appResponse;
        }
        appResponse = checkResponse(appResponse, {
          ...options.limits,
          onResponseViolation: (violation) =>
            active.run(() => log.log('ERROR', violation.logMessage)),
        });
        const rewritten = rewriteResponse(appResponse, incoming.method, {
          defaultCacheControl: options.defaultCacheControl ?? 'private',
          keepAppContentEncoding: options.keepAppContentEncoding ?? true,
          server,
        });
        response = rewritten.response;
        defaultedContentType = rewritten.defaultedContentType;
        if (options.debugHeaders && result.instanceId) {
          response.headers.push(['X-Gaekit-Instance', result.instanceId]);
        }
      }
      if (!defaultedContentType && incoming.method !== 'HEAD') {
        response = await compressResponse(requestLike, response);
      }
      if (cache && incoming.method === 'GET') {
        // With debugHeaders the cache itself adds X-Gaekit-Cache (MISS or why not stored).
        cache.store(requestLike, response, { staticHandler });
      }
      if (options.debugHeaders && handler) response.headers.push(['X-Gaekit-Handler', handler.url]);
      return finish(response);
    } catch (error) {
      active.run(() =>
        log.log('ERROR', error instanceof Error ? (error.stack ?? error.message) : String(error)),
      );
      return finish(
        platformResponse(
          {
            status: 500,
            headers: [['Content-Type', 'text/html; charset=UTF-8']],
            body: new TextEncoder().encode('<html><body>500 Server Error</body></html>'),
          },
          incoming.method,
          server,
        ),
      );
    }
  }

  const pipeline: Pipeline = {
    async ready() {
      await runtime;
    },
    handle(request, connection) {
      const answer = handle(request, connection);
      inflight.add(answer);
      void answer.finally(() => inflight.delete(answer));
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
      // Requests already inside (a reload swaps pipelines mid-traffic) are answered first.
      await Promise.allSettled([...inflight]);
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
      return [...(currentServices?.values() ?? [])].map((s) => ({
        name: s.name,
        version: s.version,
        root: s.root,
        instances: s.scheduler.instances(),
      }));
    },
    instances() {
      return [...(currentServices?.values() ?? [])].flatMap((s) => s.scheduler.instances());
    },
    logs,
    cache,
    logging,
    configFiles() {
      return [...(currentServices?.values() ?? [])].flatMap((s) => [...s.files]);
    },
  };
  let currentServices: Map<string, ServiceRuntime> | undefined;
  void runtime.then(
    (r) => {
      currentServices = r.services;
    },
    () => undefined,
  );
  return pipeline;
}

export type { RequestLogEntry };
