import type { HeaderPairs } from './headers.js';

/**
 * A buffered request as it travels through the front end (App Engine does not stream).
 * Structurally the same as the pipeline's and the scheduler's request record.
 */
export interface RequestRecord {
  /** HTTP method, upper case. */
  method: string;
  /** Absolute URL, or the path with its query string. */
  url: string;
  /** Request header fields, in order. */
  headers: HeaderPairs;
  /** The whole body; empty when there is none. */
  body: Uint8Array;
}

/** A buffered response: status, header fields and the whole body. */
export interface ResponseRecord {
  /** HTTP status code. */
  status: number;
  /** Response header fields, in order. */
  headers: HeaderPairs;
  /** The whole body. */
  body: Uint8Array;
}

const encoder = new TextEncoder();

/** A plain-text (or HTML) response record with `Content-Type` and `Content-Length`. */
export function textResponse(
  status: number,
  body: string | Uint8Array,
  contentType = 'text/plain; charset=utf-8',
): ResponseRecord {
  const bytes = typeof body === 'string' ? encoder.encode(body) : body;
  return {
    status,
    headers: [
      ['content-type', contentType],
      ['content-length', String(bytes.byteLength)],
    ],
    body: bytes,
  };
}

/** An empty-bodied response record (`Content-Length: 0`). */
export function emptyResponse(status: number): ResponseRecord {
  return { status, headers: [['content-length', '0']], body: new Uint8Array(0) };
}

/**
 * Google's front-end page for a 500 (an app error, a crash, a deadline) — the platform's
 * default error response.
 */
export const SERVER_ERROR_PAGE =
  '<html><head>\n<meta http-equiv="content-type" content="text/html;charset=utf-8">\n<title>500 Server Error</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n<h1>Error: Server Error</h1>\n<h2>The server encountered an error and could not complete your request.<p>Please try again in 30 seconds.</h2>\n<h2></h2>\n</body></html>\n';

/** Google's front-end page for a 502 (the app's answer could not be used). */
export const BAD_GATEWAY_PAGE =
  '<html><head>\n<meta http-equiv="content-type" content="text/html;charset=utf-8">\n<title>502 Server Error</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n<h1>Error: Server Error</h1>\n<h2>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.</h2>\n<h2></h2>\n</body></html>\n';

/** The platform's default error response: status 500 with {@link SERVER_ERROR_PAGE}. */
export function platformErrorResponse(status = 500): ResponseRecord {
  return textResponse(status, SERVER_ERROR_PAGE, 'text/html; charset=UTF-8');
}
