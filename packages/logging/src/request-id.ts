import { LoggingError } from './errors.js';
import { randomHex } from './random.js';

/** Options of {@link createRequestIdGenerator}. */
export interface RequestIdGeneratorOptions {
  /**
   * 16 hex characters that name this generator in every id it makes. Two generators with
   * different node ids never make the same id, so no coordination is needed between
   * processes, threads or machines.
   * @default 8 random bytes, fresh for every generator (every process and worker thread)
   */
  node?: string;
  /**
   * The clock, in milliseconds since the Unix epoch; fractions count (microseconds are kept).
   * @default `performance.timeOrigin + performance.now()` (microsecond resolution, never goes back)
   */
  clock?: () => number;
}

/** Makes request ids in App Engine's `REQUEST_LOG_ID` form. */
export interface RequestIdGenerator {
  /**
   * A new id for a request that started at `startTime` (ms since the epoch, fractions kept).
   * Ids from one generator are strictly increasing as strings, even for equal or earlier
   * start times; ids from different generators sort by start time to the microsecond.
   * @param startTime @default the generator's clock
   */
  next(startTime?: number): string;
  /** The 16 hex characters that end every id of this generator. */
  readonly node: string;
}

const NODE_RE = /^[0-9a-f]{16}$/;
const ID_RE = /^[0-9a-f]{32}$/;
const MAX_SEQUENCE = 0xfff;

/**
 * Creates a request id generator. An id is 32 lower-case hex characters:
 *
 * | chars | what |
 * |---|---|
 * | 0–7 | seconds since the Unix epoch |
 * | 8–12 | microseconds within that second |
 * | 13–15 | a sequence number for ids in the same microsecond |
 * | 16–31 | the generator's node id |
 *
 * Like App Engine's request log ids they are hex, start with the request's start time (so a
 * later request's id sorts greater as a string) and are globally unique without coordination.
 */
export function createRequestIdGenerator(
  options: RequestIdGeneratorOptions = {},
): RequestIdGenerator {
  const node = options.node ?? randomHex(8);
  if (!NODE_RE.test(node)) {
    throw new LoggingError(
      'LOG_BAD_REQUEST_ID',
      `node is ${JSON.stringify(node)}, not 16 lower-case hex characters`,
      'leave it out to get a random one',
    );
  }
  const clock = options.clock ?? (() => performance.timeOrigin + performance.now());
  let lastMicros = 0;
  let sequence = 0;
  return {
    node,
    next(startTime?: number): string {
      let micros = Math.floor((startTime ?? clock()) * 1000);
      if (micros <= lastMicros) {
        if (sequence < MAX_SEQUENCE) {
          sequence++;
          micros = lastMicros;
        } else {
          micros = lastMicros + 1;
          sequence = 0;
        }
      } else {
        sequence = 0;
      }
      lastMicros = micros;
      const seconds = Math.floor(micros / 1_000_000);
      const fraction = micros - seconds * 1_000_000;
      return (
        seconds.toString(16).padStart(8, '0') +
        fraction.toString(16).padStart(5, '0') +
        sequence.toString(16).padStart(3, '0') +
        node
      );
    },
  };
}

let defaultGenerator: RequestIdGenerator | undefined;

/**
 * A new request id from this thread's shared generator (see {@link createRequestIdGenerator}).
 * @param startTime the request's start, ms since the epoch @default now
 */
export function createRequestId(startTime?: number): string {
  defaultGenerator ??= createRequestIdGenerator();
  return defaultGenerator.next(startTime);
}

/** True when `value` is an id made by this package (32 lower-case hex characters). */
export function isRequestId(value: string): boolean {
  return ID_RE.test(value);
}

/**
 * The start time written into an id made by this package, in ms since the epoch with the
 * microseconds as a fraction, or `undefined` for anything else.
 */
export function requestIdTime(id: string): number | undefined {
  if (!ID_RE.test(id)) return undefined;
  const seconds = Number.parseInt(id.slice(0, 8), 16);
  const micros = Number.parseInt(id.slice(8, 13), 16);
  if (micros >= 1_000_000) return undefined;
  return seconds * 1000 + micros / 1000;
}

/**
 * App Engine's `REQUEST_ID_HASH` for a request id: 8 upper-case hex characters (here the
 * FNV-1a 32-bit hash of the id; App Engine's own hash function is not published).
 */
export function requestIdHash(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
