import { STATUS_CODES } from 'node:http';
import { APP_ENGINE_LIMITS } from './constants.js';
import { type HeadersInput, toHeaderPairs, wireLength } from './headers.js';
import { BAD_GATEWAY_PAGE, emptyResponse, type ResponseRecord, textResponse } from './records.js';

/** The exact log line App Engine writes when response headers pass 8 KB (spec 0.3). */
export const RESPONSE_HEADERS_TOO_LARGE_LOG =
  'upstream sent too big header while reading response header from upstream';

/** Options of the response limits. Every default is App Engine's value. */
export interface ResponseLimitOptions {
  /**
   * Largest dynamic response body in bytes; a larger one is replaced by an empty response
   * with {@link ResponseLimitOptions.responseTooLargeStatus}. Exactly the limit passes.
   * @default 33554432 (32 MB)
   */
  maxResponseBodyBytes?: number;
  /**
   * Largest response header block in bytes, counted as HTTP/1.1 sends it: the status line,
   * every `Name: value` line with its CRLF, and the final blank line (what nginx in front of
   * a second-generation app reads). Exactly the limit passes.
   * @default 8192 (8 KB)
   */
  maxResponseHeaderBytes?: number;
  /**
   * Status of the empty response that replaces a body over the limit.
   * @default 500
   */
  responseTooLargeStatus?: number;
  /**
   * Status of the response that replaces headers over the limit.
   * @default 502
   */
  responseHeadersTooLargeStatus?: number;
  /**
   * Body of the 502 that replaces headers over the limit (HTML). Production's exact page is
   * undocumented; the default is Google's front-end 502 page.
   * @default BAD_GATEWAY_PAGE
   */
  responseHeadersTooLargeBody?: string;
  /**
   * Called with each violation (to write `violation.logMessage` to the request log).
   * @default undefined
   */
  onResponseViolation?: (violation: ResponseViolation) => void;
}

/** A response as the response limits read it (a record, or anything shaped like one). */
export interface ResponseInput {
  /** HTTP status code. */
  status: number;
  /** Reason phrase, when the app set its own; otherwise node's standard one is counted. */
  statusText?: string;
  /** Header fields. */
  headers: HeadersInput;
  /** The whole body. */
  body: Uint8Array;
}

/** Why a response was replaced. */
export interface ResponseViolation {
  /** Stable code: `limits/response-too-large` or `limits/response-headers-too-large`. */
  code: 'limits/response-too-large' | 'limits/response-headers-too-large';
  /** The measured size in bytes (body, or header block). */
  size: number;
  /** The limit it passed. */
  limit: number;
  /** The line for the app's request log (for headers: App Engine's exact text). */
  logMessage: string;
  /** The response the client gets instead. */
  response: ResponseRecord;
}

/**
 * Size in bytes of a response's header block as HTTP/1.1 sends it:
 * `HTTP/1.1 200 OK\r\n` + each `Name: value\r\n` + `\r\n`.
 */
export function responseHeaderBytes(response: {
  status: number;
  statusText?: string;
  headers: HeadersInput;
}): number {
  const reason = response.statusText ?? STATUS_CODES[response.status] ?? '';
  let size = wireLength(`HTTP/1.1 ${response.status} ${reason}\r\n`) + 2;
  for (const [name, value] of toHeaderPairs(response.headers)) {
    size += wireLength(name) + 2 + wireLength(value) + 2;
  }
  return size;
}

/**
 * Finds what App Engine would refuse in a dynamic response: headers over 8 KB (checked first,
 * as the front end reads them first) or a body over 32 MB. Returns the violation with its
 * replacement response and log line, or `undefined`.
 */
export function inspectResponse(
  response: ResponseInput,
  options: ResponseLimitOptions = {},
): ResponseViolation | undefined {
  return headersViolation(response, options) ?? bodyViolation(response.body.byteLength, options);
}

/** The 502 violation when the header block is over the limit. */
export function headersViolation(
  response: { status: number; statusText?: string; headers: HeadersInput },
  options: ResponseLimitOptions,
): ResponseViolation | undefined {
  const limit = options.maxResponseHeaderBytes ?? APP_ENGINE_LIMITS.maxResponseHeaderBytes;
  const size = responseHeaderBytes(response);
  if (size <= limit) return undefined;
  return {
    code: 'limits/response-headers-too-large',
    size,
    limit,
    logMessage: RESPONSE_HEADERS_TOO_LARGE_LOG,
    response: textResponse(
      options.responseHeadersTooLargeStatus ?? 502,
      options.responseHeadersTooLargeBody ?? BAD_GATEWAY_PAGE,
      'text/html; charset=UTF-8',
    ),
  };
}

/** The empty-500 violation when a body of `size` bytes is over the limit. */
export function bodyViolation(
  size: number,
  options: ResponseLimitOptions,
): ResponseViolation | undefined {
  const limit = options.maxResponseBodyBytes ?? APP_ENGINE_LIMITS.maxResponseBodyBytes;
  if (size <= limit) return undefined;
  const status = options.responseTooLargeStatus ?? 500;
  return {
    code: 'limits/response-too-large',
    size,
    limit,
    logMessage: `Response too large: the body is at least ${size} bytes and the limit is ${limit}; the client got an empty ${status}.`,
    response: emptyResponse(status),
  };
}

/**
 * The response-limits stage: returns the original response when it is within App Engine's
 * limits, or the replacement (an empty 500 for a body over 32 MB, a 502 for headers over
 * 8 KB), calling `options.onResponseViolation` with the reason and log line. Apply it to
 * dynamic responses only (static files are bounded by the deploy limits).
 */
export function checkResponse<T extends ResponseInput>(
  response: T,
  options: ResponseLimitOptions = {},
): T | ResponseRecord {
  const violation = inspectResponse(response, options);
  if (!violation) return response;
  options.onResponseViolation?.(violation);
  return violation.response;
}
