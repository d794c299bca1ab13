import { LoggingError } from '../errors.js';
import { requireSeverity, SEVERITY_LEVELS, type Severity } from '../severity.js';
import type { LogLine, LogSink, RequestLogEntry } from '../types.js';

/** Options of {@link createLogBuffer}. */
export interface LogBufferOptions {
  /**
   * How many request entries to keep; the oldest go first.
   * @default 1000
   */
  capacity?: number;
  /**
   * How many lines written outside any request (or after their request ended) to keep.
   * @default 1000
   */
  lineCapacity?: number;
}

/** A filter for {@link LogBuffer.query}. Every field narrows; none means all. */
export interface LogQuery {
  /** Only the entry with this request id. @default any */
  requestId?: string;
  /** Only entries whose severity (highest of status and lines) is at least this. @default any */
  minSeverity?: Severity;
  /** Only requests whose path and query start with this. @default any */
  pathPrefix?: string;
  /** Only entries with this status. @default any */
  status?: number;
  /** Only requests that started at or after this time (ms since the epoch). @default any */
  since?: number;
  /** At most this many entries, newest first. @default all that match */
  limit?: number;
}

/** A filter for {@link LogBuffer.lines}. */
export interface LineQuery {
  /** Only lines at least this severe. @default any */
  minSeverity?: Severity;
  /** At most this many, newest first. @default all that match */
  limit?: number;
}

/** An in-memory sink that keeps the latest request entries and can be queried. */
export interface LogBuffer extends LogSink {
  /** Request entries matching `query`, newest first. */
  query(query?: LogQuery): RequestLogEntry[];
  /** Lines written outside any request (or after it ended), newest first. */
  lines(query?: LineQuery): LogLine[];
  /** How many request entries are kept now. */
  readonly size: number;
  /** Forgets everything. */
  clear(): void;
}

class Ring<T> {
  readonly #items: Array<T | undefined>;
  #next = 0;
  #size = 0;

  constructor(capacity: number) {
    this.#items = new Array(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.#items.length;
    if (this.#size < this.#items.length) this.#size++;
  }

  /** Newest first. */
  *newest(): Generator<T> {
    const n = this.#items.length;
    for (let i = 1; i <= this.#size; i++) yield this.#items[(this.#next - i + n) % n] as T;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }
}

function capacityOf(value: number | undefined, name: string): number {
  const capacity = value ?? 1000;
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new LoggingError(
      'LOG_BAD_CAPACITY',
      `${name} is ${String(value)}, not a whole number of at least 1`,
      'leave it out for 1000',
    );
  }
  return capacity;
}

/**
 * Creates an in-memory ring buffer of request log entries, for tests and the dev console:
 * add it to `sinks`, then `buffer.query({ requestId, minSeverity, pathPrefix, limit })`.
 */
export function createLogBuffer(options: LogBufferOptions = {}): LogBuffer {
  const entries = new Ring<RequestLogEntry>(capacityOf(options.capacity, 'capacity'));
  const loose = new Ring<LogLine>(capacityOf(options.lineCapacity, 'lineCapacity'));
  return {
    line(line: LogLine): void {
      if (!line.grouped) loose.push(line);
    },
    request(entry: RequestLogEntry): void {
      entries.push(entry);
    },
    query(query: LogQuery = {}): RequestLogEntry[] {
      const min =
        query.minSeverity === undefined
          ? undefined
          : SEVERITY_LEVELS[requireSeverity(query.minSeverity, 'minSeverity')];
      const limit = query.limit ?? Number.POSITIVE_INFINITY;
      const found: RequestLogEntry[] = [];
      if (limit <= 0) return found;
      for (const entry of entries.newest()) {
        if (query.requestId !== undefined && entry.requestId !== query.requestId) continue;
        if (min !== undefined && SEVERITY_LEVELS[entry.severity] < min) continue;
        if (query.pathPrefix !== undefined && !entry.resource.startsWith(query.pathPrefix))
          continue;
        if (query.status !== undefined && entry.status !== query.status) continue;
        if (query.since !== undefined && entry.startTime < query.since) continue;
        found.push(entry);
        if (found.length >= limit) break;
      }
      return found;
    },
    lines(query: LineQuery = {}): LogLine[] {
      const min =
        query.minSeverity === undefined
          ? undefined
          : SEVERITY_LEVELS[requireSeverity(query.minSeverity, 'minSeverity')];
      const limit = query.limit ?? Number.POSITIVE_INFINITY;
      const found: LogLine[] = [];
      if (limit <= 0) return found;
      for (const line of loose.newest()) {
        if (min !== undefined && SEVERITY_LEVELS[line.severity] < min) continue;
        found.push(line);
        if (found.length >= limit) break;
      }
      return found;
    },
    get size(): number {
      return entries.size;
    },
    clear(): void {
      entries.clear();
      loose.clear();
    },
  };
}
