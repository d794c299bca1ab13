import { AsyncLocalStorage } from 'node:async_hooks';
import { format } from 'node:util';
import { type HeadersInput, loggedHeaders } from './headers.js';
import { createRequestId, type RequestIdGenerator } from './request-id.js';
import { maxSeverity, requireSeverity, SEVERITY_LEVELS, type Severity } from './severity.js';
import { jsonSink } from './sinks/json.js';
import { parseOutputLine } from './structured.js';
import {
  childSpan,
  type TraceContext,
  type TraceFromHeadersOptions,
  traceFromValues,
  traceHeaders,
} from './trace.js';
import type { LogLine, LogSink, RequestLogEntry } from './types.js';

/** Options of {@link createLogging}. */
export interface LoggingOptions {
  /**
   * Where lines and request entries go.
   * @default [jsonSink()] (Cloud Logging JSON on stdout)
   */
  sinks?: LogSink[];
  /**
   * Lines below this severity are dropped (request entries are always kept).
   * @default 'DEFAULT' (keep every line)
   */
  minSeverity?: Severity;
  /** App id written into request entries. @default process.env.GOOGLE_CLOUD_PROJECT */
  appId?: string;
  /** Service written into request entries. @default process.env.GAE_SERVICE */
  moduleId?: string;
  /** Version written into request entries. @default process.env.GAE_VERSION */
  versionId?: string;
  /** Instance written into request entries and lines, unless a request names its own. @default process.env.GAE_INSTANCE */
  instanceId?: string;
  /** Makes request ids. @default this thread's shared generator ({@link createRequestId}) */
  requestIds?: RequestIdGenerator;
  /** How traces are read from request headers. @default {} (X-Cloud-Trace-Context first, new traces not sampled) */
  trace?: TraceFromHeadersOptions;
  /**
   * Read the request id (`X-AppEngine-Request-Log-Id`), the client IP (`X-AppEngine-User-IP`,
   * then `X-Forwarded-For`), the scheme (`X-Forwarded-Proto`) and task headers from the
   * request. Turn on only behind a front end that sets them and strips client copies
   * (App Engine, or the gaekit pipeline in front of an instance).
   * @default false
   */
  trustPlatformHeaders?: boolean;
}

/** What is known about a request when it starts. Everything is optional. */
export interface RequestStart {
  /** HTTP method. @default 'GET' */
  method?: string;
  /**
   * Path and query (`/a?b=1`) or an absolute URL (a string, or a `URL` a server already
   * parsed, which saves parsing it again); a fragment is dropped. @default '/'
   */
  url?: string | URL;
  /** The request headers: trace, `Host`, `User-Agent`, `Referer` (and platform headers if trusted). @default none */
  headers?: HeadersInput;
  /** Client IP. @default from trusted platform headers, else unknown */
  remoteIp?: string;
  /** Protocol as written in a request line. @default 'HTTP/1.1' */
  protocol?: string;
  /** Request body size in bytes. @default unknown */
  requestSize?: number;
  /** Use this request id instead of making one. @default a new id (or the trusted header's) */
  requestId?: string;
  /** Use this trace instead of reading the headers. @default from the headers, else a new trace */
  trace?: TraceContext;
  /** When the request started, ms since the epoch. @default now */
  startTime?: number;
  /** The instance that serves it, if already known. @default the logging's instanceId */
  instanceId?: string;
}

/** What is known about a request when it ends. */
export interface RequestEnd {
  /** Response status. */
  status: number;
  /** Response body size in bytes, as sent. @default unknown */
  responseSize?: number;
  /** The instance that served it. @default the value given at start */
  instanceId?: string;
  /** Time spent in the pending queue, ms. @default unknown */
  pendingTime?: number;
  /** Whether this request started its instance. @default unknown */
  wasLoadingRequest?: boolean;
  /** The handler (`url` pattern) that served it. @default unknown */
  urlMapEntry?: string;
  /** Whether the front-end cache answered it. @default unknown */
  cacheHit?: boolean;
  /**
   * The service that served it, when one process fronts several. @default the logging's
   * `moduleId`
   */
  moduleId?: string;
  /** The version that served it. @default the logging's `versionId` */
  versionId?: string;
  /** When the response was sent, ms since the epoch. @default now */
  endTime?: number;
}

/** What `log.*` and captured console output see while a request runs. */
export interface RequestContext {
  /** The request id. */
  readonly requestId: string;
  /** The request's trace (its span id is this request's span). */
  readonly trace: TraceContext;
  /** Start, ms since the epoch. */
  readonly startTime: number;
  /** HTTP method. */
  readonly method: string;
  /** Path and query. */
  readonly resource: string;
  /** The lines written so far. */
  readonly lines: readonly LogLine[];
  /** Whether `end()` was called. */
  readonly ended: boolean;
}

/** A request that has started and not ended: run the app inside it, then end it. */
export interface ActiveRequest extends RequestContext {
  /** Runs `fn` with this request as the current context; `log.*` inside it (and in everything it awaits) belongs to this request. */
  run<T>(fn: () => T): T;
  /**
   * The headers that tell an instance which request this is: `X-AppEngine-Request-Log-Id`,
   * `X-Cloud-Trace-Context` and `traceparent` (same trace and span).
   */
  headers(): Record<string, string>;
  /** Trace headers for an outgoing call made for this request: same trace, a new child span. */
  outgoingHeaders(): Record<string, string>;
  /** Ends the request and emits its request log entry; a second call returns the same entry. */
  end(result: RequestEnd): RequestLogEntry;
}

/** Options of {@link Logging.ingest}. */
export interface IngestOptions {
  /** Which stream the line came from; plain text is `INFO` on stdout, `ERROR` on stderr. @default 'stdout' */
  stream?: 'stdout' | 'stderr';
  /** Attribute plain-text lines to this request (structured lines name their own). @default none */
  requestId?: string;
  /** The instance that wrote the line. @default unknown */
  instanceId?: string;
}

/** Log lines with App Engine's five levels (plus `exception`), bound to the current request. */
export interface Logger {
  /** A `DEBUG` line. Arguments as `console.log` (`%s`, `%d`, `%o`); a plain object first is structured fields. */
  debug(...args: unknown[]): void;
  /** An `INFO` line. */
  info(...args: unknown[]): void;
  /** A `WARNING` line. */
  warning(...args: unknown[]): void;
  /** An `ERROR` line. */
  error(...args: unknown[]): void;
  /** A `CRITICAL` line. */
  critical(...args: unknown[]): void;
  /** An `ERROR` line with the error's stack trace (the message, if given, first). */
  exception(error: unknown, ...args: unknown[]): void;
  /** A line at any severity. */
  log(severity: Severity, ...args: unknown[]): void;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Depth of sink calls in progress; console capture lets writes through while it is above 0. @internal */
export const sinkState = { depth: 0 };

/** The current request scope, if any. @internal */
export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}

/**
 * The request the calling code runs for, or `undefined` outside any request.
 */
export function getRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/** The current request's id, or `undefined` outside any request (App Engine's `REQUEST_LOG_ID`). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

function statusSeverity(status: number): Severity {
  return status >= 500 ? 'ERROR' : status >= 400 ? 'WARNING' : 'INFO';
}

function splitUrl(url: string | URL): { resource: string; host?: string; scheme?: string } {
  if (typeof url !== 'string') {
    return {
      resource: `${url.pathname}${url.search}`,
      host: url.host,
      scheme: url.protocol.slice(0, -1),
    };
  }
  if (/^https?:\/\//i.test(url)) {
    try {
      const parsed = new URL(url);
      return {
        resource: `${parsed.pathname}${parsed.search}`,
        host: parsed.host,
        scheme: parsed.protocol.slice(0, -1),
      };
    } catch {
      // fall through: keep it as written
    }
  }
  const hash = url.indexOf('#');
  return { resource: hash === -1 ? url : url.slice(0, hash) };
}

/** @internal */
export class RequestScope implements ActiveRequest {
  readonly requestId: string;
  readonly trace: TraceContext;
  readonly startTime: number;
  readonly method: string;
  readonly resource: string;
  readonly host: string | undefined;
  readonly scheme: string | undefined;
  readonly httpVersion: string;
  readonly ip: string | undefined;
  readonly userAgent: string | undefined;
  readonly referrer: string | undefined;
  readonly requestSize: number | undefined;
  readonly taskQueueName: string | undefined;
  readonly taskName: string | undefined;
  instanceId: string | undefined;
  readonly lines: LogLine[] = [];
  readonly logging: Logging;
  /** Unfinished console output (no newline yet), by stream. */
  readonly partial = { stdout: '', stderr: '' };
  /** Severity of plain console text, by stream, set by the console capture that buffered it. */
  readonly partialSeverity: { stdout: Severity; stderr: Severity } = {
    stdout: 'INFO',
    stderr: 'ERROR',
  };
  #entry: RequestLogEntry | undefined;

  constructor(
    logging: Logging,
    start: RequestStart,
    trust: boolean,
    ids: RequestIdGenerator | undefined,
  ) {
    this.logging = logging;
    const headers = loggedHeaders(start.headers);
    this.startTime = start.startTime ?? Date.now();
    const headerId = trust ? headers.requestLogId : undefined;
    this.requestId =
      start.requestId ??
      (headerId && /^[0-9a-fA-F]{1,512}$/.test(headerId) ? headerId : undefined) ??
      (ids ? ids.next(this.startTime) : createRequestId(this.startTime));
    this.trace =
      start.trace ??
      traceFromValues(headers.cloudTrace, headers.traceparent, logging.traceOptions).trace;
    this.method = (start.method ?? 'GET').toUpperCase();
    const url = splitUrl(start.url ?? '/');
    this.resource = url.resource || '/';
    this.host = url.host ?? headers.host;
    this.scheme = url.scheme ?? (trust ? headers.forwardedProto : undefined);
    this.httpVersion = start.protocol ?? 'HTTP/1.1';
    let ip = start.remoteIp;
    if (ip === undefined && trust) {
      ip = headers.userIp ?? headers.forwardedFor?.split(',')[0]?.trim();
    }
    this.ip = ip;
    this.userAgent = headers.userAgent;
    this.referrer = headers.referer;
    const length = headers.contentLength;
    this.requestSize =
      start.requestSize ?? (length && /^\d+$/.test(length) ? Number(length) : undefined);
    this.taskQueueName = trust ? headers.queueName : undefined;
    this.taskName = trust ? headers.taskName : undefined;
    this.instanceId = start.instanceId ?? logging.instanceId;
  }

  get ended(): boolean {
    return this.#entry !== undefined;
  }

  run<T>(fn: () => T): T {
    return storage.run(this, fn);
  }

  headers(): Record<string, string> {
    return { 'x-appengine-request-log-id': this.requestId, ...traceHeaders(this.trace) };
  }

  outgoingHeaders(): Record<string, string> {
    return traceHeaders(childSpan(this.trace));
  }

  end(result: RequestEnd): RequestLogEntry {
    if (this.#entry) return this.#entry;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream];
      if (rest) {
        this.partial[stream] = '';
        this.logging.ingestLine(
          rest,
          this,
          stream,
          this.instanceId,
          false,
          this.partialSeverity[stream],
        );
      }
    }
    if (result.instanceId !== undefined) this.instanceId = result.instanceId;
    const endTime = result.endTime ?? Date.now();
    let severity = statusSeverity(result.status);
    for (const line of this.lines) severity = maxSeverity(severity, line.severity);
    const entry: RequestLogEntry = {
      requestId: this.requestId,
      trace: this.trace,
      appId: this.logging.appId,
      moduleId: result.moduleId ?? this.logging.moduleId,
      versionId: result.versionId ?? this.logging.versionId,
      instanceId: this.instanceId,
      method: this.method,
      resource: this.resource,
      host: this.host,
      scheme: this.scheme,
      httpVersion: this.httpVersion,
      status: result.status,
      responseSize: result.responseSize,
      requestSize: this.requestSize,
      ip: this.ip,
      userAgent: this.userAgent,
      referrer: this.referrer,
      startTime: this.startTime,
      endTime,
      latency: Math.max(0, endTime - this.startTime),
      pendingTime: result.pendingTime,
      wasLoadingRequest: result.wasLoadingRequest,
      urlMapEntry: result.urlMapEntry,
      cacheHit: result.cacheHit,
      taskQueueName: this.taskQueueName,
      taskName: this.taskName,
      severity,
      lines: this.lines,
    };
    this.#entry = entry;
    this.logging.finish(this, entry);
    return entry;
  }
}

/**
 * One logging setup: its sinks, ids and the requests in progress. Make one with
 * {@link createLogging}.
 */
export class Logging {
  /** App id written into entries. */
  readonly appId: string | undefined;
  /** Service written into entries. */
  readonly moduleId: string | undefined;
  /** Version written into entries. */
  readonly versionId: string | undefined;
  /** Default instance id of requests and lines. */
  readonly instanceId: string | undefined;
  /** The sinks, in order. */
  readonly sinks: readonly LogSink[];
  /** @internal */
  readonly traceOptions: TraceFromHeadersOptions;
  /** @internal */
  readonly minLevel: number;
  readonly #trust: boolean;
  readonly #ids: RequestIdGenerator | undefined;
  // Each holds one entry that is never a request id or trace id: V8 gives a Map a new table
  // whenever a delete leaves it almost empty, which here would be once per request.
  readonly #active = new Map<string, RequestScope | undefined>([[' ', undefined]]);
  readonly #byTrace = new Map<string, RequestScope | undefined>([[' ', undefined]]);

  /** Use {@link createLogging}. */
  constructor(options: LoggingOptions = {}) {
    const env = process.env;
    this.sinks = options.sinks ? [...options.sinks] : [jsonSink()];
    this.minLevel =
      SEVERITY_LEVELS[requireSeverity(options.minSeverity ?? 'DEFAULT', 'minSeverity')];
    this.appId = options.appId ?? env.GOOGLE_CLOUD_PROJECT;
    this.moduleId = options.moduleId ?? env.GAE_SERVICE;
    this.versionId = options.versionId ?? env.GAE_VERSION;
    this.instanceId = options.instanceId ?? env.GAE_INSTANCE;
    this.traceOptions = options.trace ?? {};
    this.#trust = options.trustPlatformHeaders ?? false;
    this.#ids = options.requestIds;
  }

  /**
   * Starts a request: gives it an id and a trace and registers it, so lines written inside
   * `request.run(...)` or ingested with its id are grouped under its entry.
   */
  startRequest(start: RequestStart = {}): ActiveRequest {
    const scope = new RequestScope(this, start, this.#trust, this.#ids);
    this.#active.set(scope.requestId, scope);
    this.#byTrace.set(scope.trace.traceId, scope);
    return scope;
  }

  /** The request with this id, while it is in progress. */
  activeRequest(requestId: string): ActiveRequest | undefined {
    return this.#active.get(requestId);
  }

  /**
   * Starts a request, runs `fn` inside it and ends it with the status `fn` returns (500 if it
   * throws; the error is logged with `log.exception` and thrown again).
   */
  async withRequest<T extends RequestEnd>(
    start: RequestStart,
    fn: (request: ActiveRequest) => T | Promise<T>,
  ): Promise<T> {
    const request = this.startRequest(start);
    return request.run(async () => {
      let result: T;
      try {
        result = await fn(request);
      } catch (error) {
        emit(this, 'ERROR', [error], true);
        request.end({ status: 500 });
        throw error;
      }
      request.end(result);
      return result;
    });
  }

  /**
   * Wraps a fetch handler (`(request) => Response`) so every call runs as a logged request.
   * The response body is read to measure its size (App Engine does not stream either) and
   * the same response, re-made from the bytes, is returned.
   */
  wrapFetch<A extends unknown[]>(
    handler: (request: Request, ...rest: A) => Response | Promise<Response>,
  ): (request: Request, ...rest: A) => Promise<Response> {
    return async (request: Request, ...rest: A) => {
      let response: Response | undefined;
      await this.withRequest(
        { method: request.method, url: request.url, headers: request.headers },
        async () => {
          const original = await handler(request, ...rest);
          const body = original.body ? new Uint8Array(await original.arrayBuffer()) : null;
          response = new Response(body, {
            status: original.status,
            statusText: original.statusText,
            headers: original.headers,
          });
          return { status: original.status, responseSize: body?.byteLength ?? 0 };
        },
      );
      return response as Response;
    };
  }

  /**
   * Takes lines another process wrote (an instance's stdout or stderr) and files them like
   * this process's own: a structured JSON line goes to the request its `request_id` label
   * or trace names, a plain line to `options.requestId` if that request is in progress; any
   * other line is written on its own. `text` is one or more complete lines (a trailing
   * newline is optional; join partial chunks first). Returns the request id each line was
   * filed under, or `undefined` for a line written on its own.
   */
  ingest(text: string, options: IngestOptions = {}): Array<string | undefined> {
    const stream = options.stream ?? 'stdout';
    const lines = text.split('\n');
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    const filed: Array<string | undefined> = [];
    const hinted =
      options.requestId === undefined ? undefined : this.#active.get(options.requestId);
    for (const raw of lines) {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      filed.push(this.ingestLine(line, hinted, stream, options.instanceId, true));
    }
    return filed;
  }

  /** @internal Files one line of output; `scope` is the request plain text belongs to. */
  ingestLine(
    text: string,
    scope: RequestScope | undefined,
    stream: 'stdout' | 'stderr',
    instanceId: string | undefined,
    lookup = false,
    plainSeverity: Severity = stream === 'stderr' ? 'ERROR' : 'INFO',
  ): string | undefined {
    const parsed = parseOutputLine(text, plainSeverity);
    let target = scope;
    if (lookup && (parsed.requestId !== undefined || parsed.traceId !== undefined)) {
      target =
        (parsed.requestId !== undefined ? this.#active.get(parsed.requestId) : undefined) ??
        (parsed.traceId !== undefined ? this.#byTrace.get(parsed.traceId) : undefined) ??
        scope;
    }
    if (SEVERITY_LEVELS[parsed.severity] < this.minLevel) return target?.requestId;
    this.record(
      {
        time: parsed.time ?? Date.now(),
        severity: parsed.severity,
        message: parsed.message,
        fields: parsed.fields,
        requestId: target?.requestId ?? parsed.requestId,
        trace: target?.trace,
        source: stream,
        instanceId: instanceId ?? target?.instanceId ?? this.instanceId,
        grouped: false,
      },
      target,
    );
    return target?.requestId;
  }

  /** @internal Adds a line to its request (if still running) and hands it to the sinks. */
  record(line: LogLine, scope: RequestScope | undefined): void {
    if (scope && !scope.ended) {
      line.grouped = true;
      scope.lines.push(line);
    }
    sinkState.depth++;
    try {
      for (const sink of this.sinks) {
        if (sink.line) {
          try {
            sink.line(line);
          } catch {
            // a failing sink must not break the app
          }
        }
      }
    } finally {
      sinkState.depth--;
    }
  }

  /** @internal */
  finish(scope: RequestScope, entry: RequestLogEntry): void {
    this.#active.delete(scope.requestId);
    if (this.#byTrace.get(scope.trace.traceId) === scope) this.#byTrace.delete(scope.trace.traceId);
    sinkState.depth++;
    try {
      for (const sink of this.sinks) {
        if (sink.request) {
          try {
            sink.request(entry);
          } catch {
            // a failing sink must not break the app
          }
        }
      }
    } finally {
      sinkState.depth--;
    }
  }
}

/** Creates a logging setup (see {@link LoggingOptions}). */
export function createLogging(options: LoggingOptions = {}): Logging {
  return new Logging(options);
}

let defaultLogging: Logging | undefined;

/**
 * The logging that `log.*` uses outside any request (inside a request, the request's own).
 * @default a `createLogging()` made on first use (Cloud Logging JSON on stdout)
 */
export function getDefaultLogging(): Logging {
  defaultLogging ??= new Logging();
  return defaultLogging;
}

/** Sets the logging that `log.*` uses outside any request. */
export function setDefaultLogging(logging: Logging): void {
  defaultLogging = logging;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * `util.format(...args)`, faster for the common case: a string template whose only
 * placeholders are `%s` and `%%`, with string arguments. Anything else goes to `util.format`.
 */
export function formatMessage(args: readonly unknown[]): string {
  const template = args[0];
  if (typeof template !== 'string') return format(...args);
  for (let i = 1; i < args.length; i++) if (typeof args[i] !== 'string') return format(...args);
  let out = '';
  let next = 1;
  let from = 0;
  let at = template.indexOf('%');
  while (at !== -1 && at + 1 < template.length) {
    const code = template.charCodeAt(at + 1);
    if (code === 115 /* s */) {
      if (next >= args.length) {
        at = template.indexOf('%', at + 2);
        continue;
      }
      out += template.slice(from, at) + (args[next++] as string);
      from = at + 2;
    } else if (code === 37 /* % */) {
      out += `${template.slice(from, at)}%`;
      from = at + 2;
    } else if (
      code === 100 ||
      code === 105 ||
      code === 102 ||
      code === 106 ||
      code === 111 ||
      code === 79 ||
      code === 99
    ) {
      return format(...args); // %d %i %f %j %o %O %c
    } else {
      at = template.indexOf('%', at + 1);
      continue;
    }
    at = template.indexOf('%', from);
  }
  out += template.slice(from);
  while (next < args.length) out += ` ${args[next++] as string}`;
  return out;
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return format('%o', error);
}

function emit(
  target: Logging | undefined,
  severity: Severity,
  args: unknown[],
  exception = false,
): void {
  const scope = storage.getStore();
  const logging = target ?? scope?.logging ?? getDefaultLogging();
  if (SEVERITY_LEVELS[severity] < logging.minLevel) return;
  let fields: Record<string, unknown> | undefined;
  let message: string;
  if (exception) {
    const [error, ...rest] = args;
    const text = rest.length ? formatMessage(rest) : '';
    message = text ? `${text}\n${errorText(error)}` : errorText(error);
  } else {
    let start = 0;
    if (args.length > 0 && isPlainObject(args[0])) {
      fields = args[0];
      start = 1;
    }
    if (args.length === start + 1 && typeof args[start] === 'string')
      message = args[start] as string;
    else if (args.length === start) message = '';
    else message = formatMessage(start === 0 ? args : args.slice(start));
  }
  logging.record(
    {
      time: Date.now(),
      severity,
      message,
      fields,
      requestId: scope?.requestId,
      trace: scope?.trace,
      source: 'logger',
      instanceId: scope ? scope.instanceId : logging.instanceId,
      grouped: false,
    },
    scope,
  );
}

/**
 * The logger: `log.debug/info/warning/error/critical(...)` and `log.exception(err)`. Inside a
 * request (anything run by `request.run(...)` and everything it awaits) a line belongs to that
 * request and goes to its logging; outside, it goes to {@link getDefaultLogging}.
 */
export const log: Logger = Object.freeze({
  debug: (...args: unknown[]) => emit(undefined, 'DEBUG', args),
  info: (...args: unknown[]) => emit(undefined, 'INFO', args),
  warning: (...args: unknown[]) => emit(undefined, 'WARNING', args),
  error: (...args: unknown[]) => emit(undefined, 'ERROR', args),
  critical: (...args: unknown[]) => emit(undefined, 'CRITICAL', args),
  exception: (error: unknown, ...args: unknown[]) =>
    emit(undefined, 'ERROR', [error, ...args], true),
  log: (severity: Severity, ...args: unknown[]) =>
    emit(undefined, requireSeverity(severity, 'severity'), args),
});
