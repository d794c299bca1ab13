import type { Deadline } from './deadline.js';
import type { InstanceKind, RequestRecord, ResponseRecord } from './types.js';

/** Why a driver's instance ended on its own. */
export interface CrashInfo {
  /** What happened, for the log. */
  error: Error;
  /** True when the instance ran out of memory. */
  memory: boolean;
}

/**
 * What each instance kind implements. The scheduler owns counters, state and recovery;
 * a driver only starts, serves, and ends one copy of the app.
 */
export interface Driver {
  readonly kind: InstanceKind;
  /** Loads the app; resolves when it can serve. Rejects when it cannot start. */
  start(): Promise<void>;
  /**
   * Serves one request. Rejects when the app's handler throws (an app error, the instance
   * lives on); a crash is reported through `onCrash` instead. With a `requestId`, what the
   * app writes while the request runs is attributed to it (worker and inline kinds). An inline
   * instance whose handler answers in the same tick returns the record itself (or throws).
   */
  handle(
    request: RequestRecord,
    deadline: Deadline,
    requestId?: string,
  ): ResponseRecord | Promise<ResponseRecord>;
  /** Set by the scheduler: called once when the instance dies on its own. */
  onCrash: (info: CrashInfo) => void;
  /** Ends the instance now (terminate / SIGKILL). Resolves when it is gone. */
  kill(): Promise<void>;
  /** Ends the instance politely: SIGTERM, `graceMs`, then SIGKILL. Resolves when it is gone. */
  stop(graceMs: number): Promise<void>;
  /** Memory in use in bytes, when known. */
  memoryBytes(): number | undefined;
  readonly pid: number | undefined;
  readonly threadId: number | undefined;
}

/** Everything a driver needs to know about the app it runs. */
export interface DriverContext {
  instanceId: string;
  /** The app directory (process cwd). */
  root: string;
  /** Environment variables of the instance (GAE_*, PORT is added by the process driver, env_variables). */
  env: Record<string, string>;
  memoryLimitMb: number;
  /** Enforce the memory limit. */
  enforceMemory: boolean;
  startTimeoutMs: number;
  maxConcurrentRequests: number;
  /** Worker and inline: install `LightResponse` as the global `Response`. */
  lightResponse: boolean;
  /**
   * A line of the app's output. An attributed line (written while a request with a log id
   * ran) is Cloud Logging JSON, with the request id and the text a person should see.
   */
  output: (stream: 'stdout' | 'stderr', line: string, attributed?: Attribution) => void;
}

/** Which request a line of output belongs to. */
export interface Attribution {
  requestId: string;
  /** The line as written (plain console text), or the JSON line itself. */
  text: string;
}
