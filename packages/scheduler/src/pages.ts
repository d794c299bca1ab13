import type { ResponseRecord } from './types.js';

const encoder = new TextEncoder();

function html(status: number, body: string): ResponseRecord {
  const bytes = encoder.encode(body);
  return {
    status,
    headers: [
      ['content-type', 'text/html; charset=UTF-8'],
      ['content-length', String(bytes.byteLength)],
    ],
    body: bytes,
  };
}

/** Google's front-end page for a 500 (an app error, a crash, a deadline). */
export const SERVER_ERROR_BODY =
  '<html><head>\n<meta http-equiv="content-type" content="text/html;charset=utf-8">\n<title>500 Server Error</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n<h1>Error: Server Error</h1>\n<h2>The server encountered an error and could not complete your request.<p>Please try again in 30 seconds.</h2>\n<h2></h2>\n</body></html>\n';

/** The pending-queue timeout body (Google's development server, spec §9.2). */
export const PENDING_TIMEOUT_BODY = '<HTML><BODY>503 - This request has timed out.</BODY></HTML>';

/** Google's front-end page for a 503 (no instance can take the request). */
export const UNAVAILABLE_BODY =
  '<html><head>\n<meta http-equiv="content-type" content="text/html;charset=utf-8">\n<title>503 Service Unavailable</title>\n</head>\n<body text=#000000 bgcolor=#ffffff>\n<h1>Error: Service Unavailable</h1>\n<h2>The service you requested is not available yet.<p>Please try again in 30 seconds.</h2>\n<h2></h2>\n</body></html>\n';

export const serverError = (): ResponseRecord => html(500, SERVER_ERROR_BODY);
export const pendingTimeout = (): ResponseRecord => html(503, PENDING_TIMEOUT_BODY);
export const unavailable = (): ResponseRecord => html(503, UNAVAILABLE_BODY);
