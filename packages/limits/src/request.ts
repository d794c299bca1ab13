import { APP_ENGINE_LIMITS, BODYLESS_METHODS, MiB } from './constants.js';
import { BodyTooLargeError } from './errors.js';
import {
  type HeaderPairs,
  type HeadersInput,
  headerFieldBytes,
  headerValue,
  parseContentLength,
  toHeaderPairs,
} from './headers.js';
import { type ResponseRecord, textResponse } from './records.js';

/** Options of the request limits. Every default is App Engine's value. */
export interface RequestLimitOptions {
  /**
   * Largest request body in bytes; a larger one is rejected with
   * {@link RequestLimitOptions.requestTooLargeStatus}. Exactly the limit passes.
   * @default 33554432 (32 MB)
   */
  maxRequestBodyBytes?: number;
  /**
   * Largest single request header field in bytes, counted as `Name: value`; a larger one
   * gives 400. Exactly the limit passes.
   * @default 8192 (8 KB)
   */
  maxRequestHeaderFieldBytes?: number;
  /**
   * Status for a request body over the limit. Production's status is undocumented (spec §16
   * item 2); Google's development server answers 413.
   * @default 413
   */
  requestTooLargeStatus?: number;
  /**
   * Methods that may not carry a body: such a request with a non-zero `Content-Length` (or a
   * non-empty chunked body) gets 400, as Google's development server does (spec §3).
   * Pass `[]` to allow bodies on every method.
   * @default ['GET', 'HEAD', 'DELETE', 'TRACE']
   */
  bodylessMethods?: readonly string[];
}

/** Stable codes of {@link RequestRejection}s. */
export type RequestRejectionCode =
  | 'limits/header-field-too-large'
  | 'limits/bad-request'
  | 'limits/body-not-allowed'
  | 'limits/request-too-large'
  | 'limits/request-timeout'
  | 'limits/client-aborted';

/**
 * A request the front end answers itself: the response to send (App Engine's status and a
 * plain body) plus a stable `code` and a `message` for the log.
 */
export interface RequestRejection extends ResponseRecord {
  /** Stable, searchable code of the reason. */
  code: RequestRejectionCode;
  /** What happened, for the request log (not sent to the client). */
  message: string;
}

/** Google's front end's words for a malformed request (400). */
export const BAD_REQUEST_TEXT = 'Your client has issued a malformed or illegal request.\n';
/** Google's front end's words for a request that took too long to arrive (408). */
export const REQUEST_TIMEOUT_TEXT = 'Your client has taken too long to issue its request.\n';

function reject(
  code: RequestRejectionCode,
  status: number,
  body: string,
  message: string,
): RequestRejection {
  return { ...textResponse(status, body), code, message };
}

/** The body Google's development server sends with a 413: `Upload limited to 32 megabytes.` */
export function uploadLimitText(limit: number): string {
  return limit % MiB === 0
    ? `Upload limited to ${limit / MiB} megabytes.`
    : `Upload limited to ${limit} bytes.`;
}

/** The rejection of a body over `limit` bytes (`received` bytes seen or announced). */
export function requestTooLarge(
  limit: number,
  received: number,
  options: RequestLimitOptions = {},
): RequestRejection {
  return reject(
    'limits/request-too-large',
    options.requestTooLargeStatus ?? 413,
    uploadLimitText(limit),
    `request body larger than ${limit} bytes (${received} bytes received or announced)`,
  );
}

/** The rejection of a method that may not carry a body: `"GET" requests may not contain bodies.` */
export function bodyNotAllowed(method: string, length: number): RequestRejection {
  return reject(
    'limits/body-not-allowed',
    400,
    `"${method}" requests may not contain bodies.`,
    `${method} request with a ${length}-byte body`,
  );
}

/** The rejection of a request whose head or body did not arrive in time (408). */
export function requestTimedOut(message: string): RequestRejection {
  return reject('limits/request-timeout', 408, REQUEST_TIMEOUT_TEXT, message);
}

/** The rejection of a malformed request (400). */
export function badRequest(message: string): RequestRejection {
  return reject('limits/bad-request', 400, BAD_REQUEST_TEXT, message);
}

/** The rejection of a request header field over the limit (400). */
export function headerFieldTooLarge(name: string, size: number, limit: number): RequestRejection {
  return reject(
    'limits/header-field-too-large',
    400,
    BAD_REQUEST_TEXT,
    `request header field ${JSON.stringify(name)} is ${size} bytes; the limit is ${limit}`,
  );
}

/**
 * Checks every request header field against the 8 KB limit (each counted as `Name: value`).
 * Returns the 400 rejection for the first field over it, or `undefined`.
 *
 * Note that a Web `Headers` object joins repeated fields with `, `; pass pairs or node's
 * `rawHeaders` to check each field as it was sent.
 */
export function checkRequestHeaders(
  headers: HeadersInput,
  options: RequestLimitOptions = {},
): RequestRejection | undefined {
  const limit = options.maxRequestHeaderFieldBytes ?? APP_ENGINE_LIMITS.maxRequestHeaderFieldBytes;
  // Pairs as they are (what servers pass); anything else normalised first.
  const pairs =
    Array.isArray(headers) && (headers.length === 0 || Array.isArray(headers[0]))
      ? (headers as ReadonlyArray<readonly [string, string]>)
      : toHeaderPairs(headers);
  for (const [name, value] of pairs) {
    // A UTF-16 unit is at most 3 bytes on the wire: short fields need no measuring.
    if ((name.length + value.length) * 3 + 2 <= limit) continue;
    const size = headerFieldBytes(name, value);
    if (size > limit) return headerFieldTooLarge(name, size, limit);
  }
  return undefined;
}

/** A request as {@link checkRequest} takes it: the body is optional (check before reading). */
export interface RequestHead {
  /** HTTP method. */
  method: string;
  /** Header fields. */
  headers: HeadersInput;
  /** The body, when it has been read already. */
  body?: Uint8Array;
}

/**
 * The request-limits stage: header fields (400), a body on a bodyless method (400), a
 * declared or actual body over the limit (413 by default). Without `body` it checks what the
 * head announces, so a server can refuse before reading; with `body` (a buffered record) it
 * checks the body too. Returns the rejection to send, or `undefined` when the request passes.
 */
export function checkRequest(
  request: RequestHead,
  options: RequestLimitOptions = {},
): RequestRejection | undefined {
  const pairs = toHeaderPairs(request.headers);
  const headerProblem = checkRequestHeaders(pairs, options);
  if (headerProblem) return headerProblem;
  return checkRequestFraming(request.method, pairs, request.body, options);
}

/** Method/body and length checks of {@link checkRequest}, on already normalised pairs. */
export function checkRequestFraming(
  method: string,
  pairs: HeaderPairs,
  body: Uint8Array | undefined,
  options: RequestLimitOptions,
): RequestRejection | undefined {
  const declared = parseContentLength(headerValue(pairs, 'content-length'));
  if (declared !== undefined && Number.isNaN(declared)) {
    return badRequest('malformed Content-Length');
  }
  const upper = method.toUpperCase();
  const bodyless = (options.bodylessMethods ?? BODYLESS_METHODS).includes(upper);
  // A buffered body is authoritative; before reading, the announced length is all there is.
  const size = body ? body.byteLength : (declared ?? 0);
  if (bodyless && size !== 0) return bodyNotAllowed(upper, size);
  const limit = options.maxRequestBodyBytes ?? APP_ENGINE_LIMITS.maxRequestBodyBytes;
  if (size > limit) return requestTooLarge(limit, size, options);
  return undefined;
}

/** Announced bodies up to this size get their buffer at once. */
const EAGER_ALLOCATION_BYTES = 1024 * 1024;

/**
 * Collects a body into one buffer while enforcing a limit. With a known length the buffer is
 * allocated once — at once for small bodies, and for large ones when half of it has arrived,
 * so a client that announces 32 MB and sends nothing costs nothing; otherwise chunks are kept
 * and copied once at the end. Past the limit it stops keeping bytes (and drops what it had),
 * so memory never exceeds the limit.
 */
export class BodyCollector {
  /** Bytes seen so far, including those past the limit. */
  received = 0;
  /** True once more than `limit` bytes arrived. */
  overflowed = false;
  readonly #limit: number;
  #expected: number | undefined;
  #buffer: Buffer | undefined;
  #chunks: Uint8Array[] = [];

  constructor(limit: number, expectedLength?: number) {
    this.#limit = limit;
    if (expectedLength !== undefined && expectedLength > 0 && expectedLength <= limit) {
      this.#expected = expectedLength;
      if (expectedLength <= EAGER_ALLOCATION_BYTES)
        this.#buffer = Buffer.allocUnsafe(expectedLength);
    }
  }

  /** Adds a chunk; returns false once the body is over the limit. */
  push(chunk: Uint8Array): boolean {
    const start = this.received;
    this.received += chunk.byteLength;
    if (this.overflowed) return false;
    if (this.received > this.#limit) {
      this.overflowed = true;
      this.#buffer = undefined;
      this.#chunks = [];
      return false;
    }
    if (this.#buffer) {
      if (this.received <= this.#buffer.byteLength) {
        this.#buffer.set(chunk, start);
        return true;
      }
      // More than announced: keep what arrived so far as the first chunk.
      this.#chunks.push(this.#buffer.subarray(0, start));
      this.#buffer = undefined;
      this.#chunks.push(chunk);
      return true;
    }
    this.#chunks.push(chunk);
    const expected = this.#expected;
    if (expected !== undefined && this.received * 2 >= expected && this.received <= expected) {
      // Half of the announced body is here: move to the one buffer of its full size.
      const buffer = Buffer.allocUnsafe(expected);
      let offset = 0;
      for (const piece of this.#chunks) {
        buffer.set(piece, offset);
        offset += piece.byteLength;
      }
      this.#chunks = [];
      this.#buffer = buffer;
      this.#expected = undefined;
    }
    return true;
  }

  /** The whole body (empty when nothing arrived). */
  finish(): Uint8Array {
    if (this.#buffer) {
      const body =
        this.received === this.#buffer.byteLength
          ? this.#buffer
          : this.#buffer.subarray(0, this.received);
      this.#buffer = undefined;
      return body;
    }
    const chunks = this.#chunks;
    this.#chunks = [];
    if (chunks.length === 0) return new Uint8Array(0);
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    return Buffer.concat(chunks, this.received);
  }
}

/** Options of {@link readBodyWithLimit}. */
export interface ReadBodyOptions {
  /**
   * The announced length (`Content-Length`): over the limit it fails at once without reading;
   * otherwise the buffer is allocated once at this size.
   * @default undefined (unknown, e.g. chunked)
   */
  expectedLength?: number;
  /**
   * Stops reading when aborted (the promise rejects with the signal's reason).
   * @default undefined
   */
  signal?: AbortSignal;
}

/**
 * Reads a whole body into one `Uint8Array`, enforcing `limit` while reading: as soon as more
 * than `limit` bytes arrive it stops reading (cancels the stream) and rejects with
 * {@link BodyTooLargeError}, so a 1 GB upload never costs more than `limit` bytes of memory.
 * Accepts a Web `ReadableStream` or any async iterable of bytes (a node stream, an
 * `IncomingMessage`).
 */
export async function readBodyWithLimit(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>,
  limit: number,
  options: ReadBodyOptions = {},
): Promise<Uint8Array> {
  const { expectedLength, signal } = options;
  if (expectedLength !== undefined && expectedLength > limit) {
    await cancelSource(source);
    throw new BodyTooLargeError(limit, expectedLength);
  }
  signal?.throwIfAborted();
  const collector = new BodyCollector(limit, expectedLength);
  const iterable: AsyncIterable<Uint8Array | string> =
    typeof ReadableStream !== 'undefined' && source instanceof ReadableStream
      ? streamIterable(source)
      : (source as AsyncIterable<Uint8Array | string>);
  const iterator = iterable[Symbol.asyncIterator]();
  try {
    for (;;) {
      signal?.throwIfAborted();
      const next = await iterator.next();
      if (next.done) break;
      const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
      if (!collector.push(chunk)) throw new BodyTooLargeError(limit, collector.received);
    }
  } catch (error) {
    await iterator.return?.().catch(() => undefined);
    throw error;
  }
  return collector.finish();
}

async function cancelSource(
  source: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>,
): Promise<void> {
  try {
    if (typeof ReadableStream !== 'undefined' && source instanceof ReadableStream) {
      await source.cancel();
    } else {
      const destroy = (source as { destroy?: () => void }).destroy;
      if (typeof destroy === 'function') destroy.call(source);
    }
  } catch {
    // Nothing to do: the stream is already gone.
  }
}

function streamIterable(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]() {
      const reader = stream.getReader();
      return {
        async next() {
          const { done, value } = await reader.read();
          return done ? { done: true, value: undefined } : { done: false, value };
        },
        async return() {
          await reader.cancel().catch(() => undefined);
          reader.releaseLock();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
