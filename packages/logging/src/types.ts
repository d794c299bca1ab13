import type { Severity } from './severity.js';
import type { TraceContext } from './trace.js';

/** One application log line: what `log.info(...)`, `console.log(...)` and friends produce. */
export interface LogLine {
  /** When it was written, ms since the Unix epoch. */
  time: number;
  /** Its severity. */
  severity: Severity;
  /** The text (for `log.exception`, the message and the stack trace). */
  message: string;
  /** Structured fields given with the line (`log.info({ userId }, 'text')`, or the other keys of a JSON line). */
  fields: Record<string, unknown> | undefined;
  /** The request it belongs to, or undefined when it was written outside any request. */
  requestId: string | undefined;
  /** The trace of that request. */
  trace: TraceContext | undefined;
  /** Where it came from: the logger, or captured stdout/stderr (of this process or an instance). */
  source: 'logger' | 'stdout' | 'stderr';
  /** The instance that wrote it, when known. */
  instanceId: string | undefined;
  /**
   * True when the line is also in its request's entry (`entry.lines`); false for lines
   * written outside any request, or after their request ended.
   */
  grouped: boolean;
}

/**
 * One request log entry: App Engine's `RequestLog` (spec §11.1) for one request, with the
 * app's log lines of that request grouped under it.
 */
export interface RequestLogEntry {
  /** The request id (the `REQUEST_LOG_ID`); ids of later requests sort greater. */
  requestId: string;
  /** The request's trace. */
  trace: TraceContext;
  /** App id (`GOOGLE_CLOUD_PROJECT`), when known. */
  appId: string | undefined;
  /** Service (`GAE_SERVICE`), when known. */
  moduleId: string | undefined;
  /** Version (`GAE_VERSION`), when known. */
  versionId: string | undefined;
  /** The instance that served it, when one did. */
  instanceId: string | undefined;
  /** HTTP method. */
  method: string;
  /** Path and query, no fragment. */
  resource: string;
  /** `Host` of the request, when known. */
  host: string | undefined;
  /** Scheme the client used (`http`/`https`), when known. */
  scheme: string | undefined;
  /** Protocol, e.g. `HTTP/1.1`. */
  httpVersion: string;
  /** Response status. */
  status: number;
  /** Response body size in bytes (as sent). */
  responseSize: number | undefined;
  /** Request body size in bytes, when known. */
  requestSize: number | undefined;
  /** Client IP. */
  ip: string | undefined;
  /** `User-Agent`. */
  userAgent: string | undefined;
  /** `Referer`. */
  referrer: string | undefined;
  /** Start, ms since the epoch. */
  startTime: number;
  /** End, ms since the epoch. */
  endTime: number;
  /** `endTime - startTime`, ms. */
  latency: number;
  /** Time spent in the pending queue, ms, when known. */
  pendingTime: number | undefined;
  /** Whether this request started the instance. */
  wasLoadingRequest: boolean | undefined;
  /** The handler (`url` pattern) that served it, when known. */
  urlMapEntry: string | undefined;
  /** Whether the front-end cache answered it, when known. */
  cacheHit: boolean | undefined;
  /** Task queue name, for task requests. */
  taskQueueName: string | undefined;
  /** Task name, for task requests. */
  taskName: string | undefined;
  /**
   * The entry's severity: the highest of its lines' and of its status
   * (5xx `ERROR`, 4xx `WARNING`, otherwise `INFO`).
   */
  severity: Severity;
  /** The app's log lines written while the request ran, in order. */
  lines: LogLine[];
}

/**
 * Where log output goes. Both methods are optional and called synchronously; a sink must not
 * throw (errors it throws are dropped).
 */
export interface LogSink {
  /** Called for every app log line at once, inside or outside a request. */
  line?(line: LogLine): void;
  /** Called once per request when it ends, with its lines grouped under it. */
  request?(entry: RequestLogEntry): void;
}
