/**
 * Header fields as `[name, value]` pairs, in order, with repeated names kept as separate
 * pairs (so every `Set-Cookie` survives). `new Headers(pairs)` turns them into Web headers.
 */
export type HeaderPairs = Array<[name: string, value: string]>;

/**
 * A buffered request as it travels through the front end (App Engine does not stream).
 * `url` is absolute (`http://host/path?query`) or a path (`/path?query`).
 */
export interface RequestRecord {
  /** HTTP method, upper case. */
  method: string;
  /** Absolute URL, or the path with its query string. */
  url: string;
  /** Request header fields. */
  headers: HeaderPairs;
  /** The whole body; empty when there is none. */
  body: Uint8Array;
}

/** A buffered response: status, header fields and the whole body. */
export interface ResponseRecord {
  /** HTTP status code. */
  status: number;
  /** Response header fields. */
  headers: HeaderPairs;
  /** The whole body. */
  body: Uint8Array;
}

/**
 * How an instance runs the app.
 * - `process`: the app's own entrypoint as a child process, reached over loopback HTTP
 *   (how second-generation runtimes work; any framework runs unchanged).
 * - `worker`: a fetch-handler module loaded once in a `worker_threads` worker.
 * - `inline`: the same module in the calling thread, for fast tests (no isolation).
 */
export type InstanceKind = 'process' | 'worker' | 'inline';

/**
 * Where an instance is in its life:
 * `starting` (loading, warmup or `/_ah/start`), `ready` (idle), `busy` (serving at least one
 * request), `draining` (finishing its requests, takes no new ones), `stopped`.
 */
export type InstanceState = 'starting' | 'ready' | 'busy' | 'draining' | 'stopped';

/** A snapshot of one instance, for the pipeline, request logs and the dev console. */
export interface InstanceInfo {
  /** App Engine style instance id (`GAE_INSTANCE`): `00` followed by hex digits. */
  id: string;
  /** How the instance runs the app. */
  kind: InstanceKind;
  /** Where the instance is in its life. */
  state: InstanceState;
  /** When the instance was created. */
  startTime: Date;
  /** Requests answered by the app on this instance (warmup, start and stop requests excluded). */
  requestsServed: number;
  /** Requests the instance is working on now. */
  inFlight: number;
  /** Most requests it takes at once (`max_concurrent_requests`, 1 when not threadsafe). */
  maxConcurrentRequests: number;
  /** Memory in use in bytes (process: resident set; worker: V8 heap; inline: this process's heap), when known. */
  memoryBytes: number | undefined;
  /** Memory limit of the instance class in MB (`GAE_MEMORY_MB`). */
  memoryLimitMb: number;
  /** Child process id (process kind). */
  pid: number | undefined;
  /** Worker thread id (worker kind). */
  threadId: number | undefined;
  /** Why the instance stopped, once it has. */
  stopReason: StopReason | undefined;
}

/** Why an instance stopped. */
export type StopReason =
  | 'idle'
  | 'shutdown'
  | 'crash'
  | 'memory'
  | 'deadline'
  | 'start-failed'
  | 'start-handler-failed';

/** How a dispatched request ended, for logs. */
export type Outcome =
  /** The app answered (any status). */
  | 'ok'
  /** The app's handler threw or rejected: the platform's 500. */
  | 'app-error'
  /** The request passed its deadline and the grace period: the platform's 500. */
  | 'deadline'
  /** The instance died while the request was in flight: the platform's 500. */
  | 'crash'
  /** The request waited in the pending queue longer than the pending timeout: 503. */
  | 'pending-timeout'
  /** No instance could take the request (addressed instance gone, scheduler closed): 503. */
  | 'unavailable';

/** What {@link Scheduler.dispatch} resolves to. It never rejects. */
export interface DispatchResult {
  /** The response to send. */
  response: ResponseRecord;
  /** How the request ended. */
  outcome: Outcome;
  /** The instance that ran the request, if any did. */
  instanceId: string | undefined;
  /** True when this was the first request the instance served (App Engine's `loading_request`). */
  loadingRequest: boolean;
  /** Milliseconds the request waited in the pending queue. */
  pendingMs: number;
}

/** Something the scheduler did or saw, for logs and the dev console. */
export type SchedulerEvent =
  | { type: 'instance-starting'; instanceId: string; kind: InstanceKind; reason: string }
  | { type: 'instance-ready'; instanceId: string }
  | {
      type: 'instance-stopped';
      instanceId: string;
      reason: StopReason;
      /** Request ids of the requests that were in flight and got a 5xx because of it. */
      requestIds: string[];
      error?: Error;
    }
  | { type: 'warmup'; instanceId: string; status: number }
  | { type: 'start-handler'; instanceId: string; path: '/_ah/start' | '/_ah/stop'; status: number }
  | { type: 'deadline'; instanceId: string; requestId: string | undefined }
  | { type: 'app-error'; instanceId: string; requestId: string | undefined; error: Error }
  | { type: 'pending-timeout'; requestId: string | undefined; waitedMs: number }
  | {
      type: 'app-output';
      instanceId: string;
      stream: 'stdout' | 'stderr';
      /**
       * One line the app wrote. A line written while a request with a log id ran on a
       * worker or inline instance is Cloud Logging JSON (`severity`, `message`, the trace
       * and the `request_id` label, as @gaekit/logging writes it inside an instance), so
       * `Logging.ingest` files it under its request.
       */
      line: string;
      /**
       * The request the line belongs to (the `requestId` given to `dispatch`): set for
       * console output and `log.*` lines of worker and inline instances written while the
       * request ran. Plain stdout/stderr lines of process instances are not attributed (nor
       * are they on App Engine); their structured JSON lines name their request themselves.
       */
      requestId?: string;
    };
