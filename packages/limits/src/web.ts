import { APP_ENGINE_LIMITS, BODYLESS_METHODS } from './constants.js';
import { createDeadline, type Deadline, requestTimeoutFor, runWithDeadline } from './deadline.js';
import { BodyTooLargeError } from './errors.js';
import { headerValue, parseContentLength, toHeaderPairs } from './headers.js';
import { platformErrorResponse, type RequestRecord, type ResponseRecord } from './records.js';
import {
  bodyNotAllowed,
  checkRequestFraming,
  checkRequestHeaders,
  type RequestLimitOptions,
  type RequestRejection,
  readBodyWithLimit,
  requestTooLarge,
} from './request.js';
import {
  bodyViolation,
  headersViolation,
  type ResponseInput,
  type ResponseLimitOptions,
} from './response.js';

/** What {@link readWebRequest} found: the buffered request, or the answer to send instead. */
export type WebReadResult =
  | { ok: true; request: RequestRecord }
  | { ok: false; rejection: RequestRejection };

/**
 * Reads a Web `Request` into a {@link RequestRecord} with the request limits: header fields
 * (400; note that `Headers` joins repeated fields), a body on GET/HEAD/DELETE/TRACE (400), a
 * body over the limit (413 by default; refused before reading when `Content-Length`
 * announces it, otherwise reading stops at the limit and the stream is cancelled).
 */
export async function readWebRequest(
  request: Request,
  options: RequestLimitOptions = {},
): Promise<WebReadResult> {
  const method = request.method.toUpperCase();
  const headers = toHeaderPairs(request.headers);
  const rejection =
    checkRequestHeaders(headers, options) ??
    checkRequestFraming(method, headers, undefined, options);
  if (rejection) {
    await request.body?.cancel().catch(() => undefined);
    return { ok: false, rejection };
  }
  const limit = options.maxRequestBodyBytes ?? APP_ENGINE_LIMITS.maxRequestBodyBytes;
  let body: Uint8Array = new Uint8Array(0);
  if (request.body) {
    const declared = parseContentLength(headerValue(headers, 'content-length'));
    try {
      body = await readBodyWithLimit(request.body, limit, {
        expectedLength: declared !== undefined && !Number.isNaN(declared) ? declared : undefined,
      });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return { ok: false, rejection: requestTooLarge(limit, error.received, options) };
      }
      throw error;
    }
  }
  if ((options.bodylessMethods ?? BODYLESS_METHODS).includes(method) && body.byteLength > 0) {
    return { ok: false, rejection: bodyNotAllowed(method, body.byteLength) };
  }
  return { ok: true, request: { method, url: request.url, headers, body } };
}

/**
 * Buffers a Web `Response` into a {@link ResponseRecord} with the response limits applied:
 * headers over 8 KB are refused before the body is read (502), and the body is read only up
 * to the limit — past it the stream is cancelled and the empty 500 is returned. Calls
 * `options.onResponseViolation` like {@link checkResponse}.
 */
export async function readWebResponse(
  response: Response,
  options: ResponseLimitOptions = {},
): Promise<ResponseRecord> {
  const headers = toHeaderPairs(response.headers);
  const head = { status: response.status, statusText: response.statusText || undefined, headers };
  const refusedHead = headersViolation(head, options);
  if (refusedHead) {
    await response.body?.cancel().catch(() => undefined);
    options.onResponseViolation?.(refusedHead);
    return refusedHead.response;
  }
  const limit = options.maxResponseBodyBytes ?? APP_ENGINE_LIMITS.maxResponseBodyBytes;
  let body: Uint8Array = new Uint8Array(0);
  if (response.body) {
    try {
      body = await readBodyWithLimit(response.body, limit);
    } catch (error) {
      const tooLarge =
        error instanceof BodyTooLargeError ? bodyViolation(error.received, options) : undefined;
      if (!tooLarge) throw error;
      options.onResponseViolation?.(tooLarge);
      return tooLarge.response;
    }
  }
  return { status: response.status, headers, body };
}

/** Turns a {@link ResponseRecord} (or anything shaped like one) into a Web `Response`. */
export function toWebResponse(response: ResponseInput): Response {
  const headers = new Headers();
  for (const [name, value] of toHeaderPairs(response.headers)) headers.append(name, value);
  const nullBody =
    response.status === 101 ||
    response.status === 204 ||
    response.status === 205 ||
    response.status === 304;
  return new Response(nullBody ? null : response.body, { status: response.status, headers });
}

/** What a fetch handler behind {@link withLimits} gets besides the request. */
export interface FetchContext {
  /** The request's deadline (`request.signal` aborts at it too). */
  deadline: Deadline;
}

/** Options of {@link withLimits}. */
export interface WithLimitsOptions extends RequestLimitOptions, ResponseLimitOptions {
  /**
   * Request deadline in milliseconds.
   * @default 600000 (automatic scaling, second generation: `requestTimeoutFor()`)
   */
  timeoutMs?: number;
  /**
   * Grace period after the deadline in milliseconds.
   * @default 500
   */
  graceMs?: number;
  /**
   * Status when the handler lets the deadline error escape or does not answer by the hard
   * expiry (spec §16 item 1: unconfirmed for second-generation runtimes).
   * @default 500
   */
  deadlineStatus?: number;
  /**
   * Called when the handler throws or misses its deadline (the client gets the platform's 500).
   * @default undefined
   */
  onError?: (error: unknown) => void;
}

/**
 * Wraps a Web fetch handler with App Engine's limits: the request is buffered with the
 * request limits (refused requests never reach the handler), the handler gets a `Request`
 * whose `signal` aborts at the deadline with a {@link DeadlineExceededError}, an answer in
 * the grace period is used (otherwise the platform's 500), and the response is buffered with
 * the response limits.
 */
export function withLimits(
  handler: (request: Request, context: FetchContext) => Response | Promise<Response>,
  options: WithLimitsOptions = {},
): (request: Request) => Promise<Response> {
  const timeoutMs = options.timeoutMs ?? requestTimeoutFor();
  const graceMs = options.graceMs ?? APP_ENGINE_LIMITS.graceMs;
  return async (request) => {
    const read = await readWebRequest(request, options);
    if (!read.ok) return toWebResponse(read.rejection);
    const { method, url, headers, body } = read.request;
    const deadline = createDeadline({ timeoutMs, graceMs });
    try {
      const outcome = await runWithDeadline(
        (signal) =>
          handler(
            new Request(url, {
              method,
              headers: headers.map(([name, value]) => [name, value] as [string, string]),
              body: method === 'GET' || method === 'HEAD' ? undefined : body,
              signal,
            }),
            { deadline },
          ),
        { timeoutMs, deadline },
      );
      if (outcome.outcome === 'answered' || outcome.outcome === 'answered-in-grace') {
        return toWebResponse(await readWebResponse(outcome.value, options));
      }
      options.onError?.(outcome.outcome === 'hard-expired' ? outcome.outcome : outcome.error);
      const status = outcome.outcome === 'error' ? 500 : (options.deadlineStatus ?? 500);
      return toWebResponse(platformErrorResponse(status));
    } finally {
      deadline.dispose();
    }
  };
}
