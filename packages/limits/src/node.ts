import type {
  IncomingMessage,
  RequestListener,
  Server,
  ServerOptions,
  ServerResponse,
} from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { APP_ENGINE_LIMITS, BODYLESS_METHODS, MiB } from './constants.js';
import { createDeadline, type Deadline, requestTimeoutFor, runWithDeadline } from './deadline.js';
import { type HeaderPairs, headerValue, parseContentLength, toHeaderPairs } from './headers.js';
import { platformErrorResponse, type RequestRecord, type ResponseRecord } from './records.js';
import {
  BodyCollector,
  badRequest,
  bodyNotAllowed,
  checkRequestFraming,
  checkRequestHeaders,
  type RequestLimitOptions,
  type RequestRejection,
  requestTimedOut,
  requestTooLarge,
} from './request.js';
import { checkResponse, type ResponseInput, type ResponseLimitOptions } from './response.js';
import { readWebResponse } from './web.js';

/** Options of the node:http helpers: the request limits plus connection timeouts. */
export interface ServerLimitOptions extends RequestLimitOptions {
  /**
   * Largest whole request head (request line and all header fields) node's parser accepts
   * (`maxHeaderSize`); a larger one gets the 400 of an oversized header field. App Engine
   * documents no total, only 8 KB per field.
   * @default 65536 (64 KB)
   */
  maxRequestHeadBytes?: number;
  /**
   * Time for the request head to arrive (`server.headersTimeout`); a client still sending
   * headers after it gets 408 and the connection is closed.
   * @default 60000
   */
  headersTimeoutMs?: number;
  /**
   * Time for the whole request, body included, to arrive (`server.requestTimeout`); `0`
   * for none. Bounds a sender that trickles bytes just fast enough to dodge the idle timeout.
   * @default 300000
   */
  receiveTimeoutMs?: number;
  /**
   * Longest pause between two pieces of a request body; a stalled sender gets 408 and the
   * connection is closed.
   * @default 60000
   */
  bodyIdleTimeoutMs?: number;
  /**
   * How long an idle keep-alive connection stays open (`server.keepAliveTimeout`).
   * @default 5000
   */
  keepAliveTimeoutMs?: number;
  /**
   * After a body is refused, up to this many bytes of the request are still read and
   * discarded before answering, so clients that only read the answer after sending everything
   * see it instead of a reset. Past it (or when a larger `Content-Length` is announced) the
   * answer is sent at once and the connection closed. Google's development server does the
   * same with 64 MB "to match the behavior of production".
   * @default 67108864 (64 MB)
   */
  drainLimitBytes?: number;
  /**
   * Called with every request the limits answer themselves (for the request log).
   * @default undefined
   */
  onRejection?: (rejection: RequestRejection) => void;
}

/** Defaults of {@link ServerLimitOptions}, resolved. */
function serverDefaults(options: ServerLimitOptions) {
  const headersTimeoutMs = options.headersTimeoutMs ?? 60_000;
  const receiveTimeoutMs = options.receiveTimeoutMs ?? 300_000;
  if (receiveTimeoutMs > 0 && headersTimeoutMs > receiveTimeoutMs) {
    throw new RangeError(
      `headersTimeoutMs (${headersTimeoutMs}) must not be longer than receiveTimeoutMs (${receiveTimeoutMs})`,
    );
  }
  return {
    maxRequestHeadBytes: options.maxRequestHeadBytes ?? 64 * 1024,
    headersTimeoutMs,
    receiveTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? 5_000,
    bodyIdleTimeoutMs: options.bodyIdleTimeoutMs ?? 60_000,
    drainLimitBytes: options.drainLimitBytes ?? 64 * MiB,
    // Node checks the header and request timeouts on an interval; make it fine enough.
    checkIntervalMs: Math.min(1_000, Math.max(10, Math.floor(headersTimeoutMs / 10))),
  };
}

/**
 * Options for `http.createServer(options, listener)` that apply the limits node enforces
 * itself: `maxHeaderSize`, `headersTimeout`, `requestTimeout`, `keepAliveTimeout` and the
 * interval node checks them on. `maxHeaderSize` and the interval can only be set here, at
 * creation; pair it with {@link applyServerLimits}.
 */
export function nodeServerOptions(options: ServerLimitOptions = {}): ServerOptions {
  const d = serverDefaults(options);
  return {
    maxHeaderSize: d.maxRequestHeadBytes,
    headersTimeout: d.headersTimeoutMs,
    requestTimeout: d.receiveTimeoutMs,
    keepAliveTimeout: d.keepAliveTimeoutMs,
    connectionsCheckingInterval: d.checkIntervalMs,
  };
}

/** Formats a rejection as a raw HTTP/1.1 response that closes the connection. */
function rawResponse(response: ResponseRecord): Buffer {
  let head = `HTTP/1.1 ${response.status} ${STATUS_CODES[response.status] ?? ''}\r\n`;
  for (const [name, value] of response.headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-length' || lower === 'connection') continue;
    head += `${name}: ${value}\r\n`;
  }
  head += `Content-Length: ${response.body.byteLength}\r\nConnection: close\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), response.body]);
}

/**
 * Applies the limits to a node:http server: its timeouts, and a `clientError` handler so
 * that requests node's parser refuses still get App Engine's answer — 400 for a header block
 * over `maxRequestHeadBytes` or a malformed request, 408 when the head (or the whole request)
 * does not arrive in time — instead of node's bare 431/408 or a crash. It also answers
 * `Expect: 100-continue` requests whose announced body would be refused without asking the
 * client for the body. Returns the server.
 */
export function applyServerLimits<S extends Server>(
  server: S,
  options: ServerLimitOptions = {},
): S {
  const d = serverDefaults(options);
  server.headersTimeout = d.headersTimeoutMs;
  server.requestTimeout = d.receiveTimeoutMs;
  server.keepAliveTimeout = d.keepAliveTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    const message = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || message?.headersSent) {
      socket.destroy();
      return;
    }
    let rejection: RequestRejection;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      rejection = {
        ...badRequest(`request head larger than ${d.maxRequestHeadBytes} bytes`),
        code: 'limits/header-field-too-large',
      };
    } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      rejection = requestTimedOut('the request did not arrive in time');
    } else {
      rejection = badRequest(`malformed request (${error.code ?? error.message})`);
    }
    options.onRejection?.(rejection);
    socket.end(rawResponse(rejection), () => socket.destroy());
  });
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    const pairs = toHeaderPairs(req.rawHeaders);
    const rejection =
      checkRequestHeaders(pairs, options) ??
      checkRequestFraming(req.method ?? 'GET', pairs, undefined, options);
    if (rejection) {
      options.onRejection?.(rejection);
      sendNodeResponse(res, rejection, { close: true });
      return;
    }
    res.writeContinue();
    server.emit('request', req, res);
  });
  return server;
}

/** What {@link readNodeRequest} found: the buffered request, or the answer to send instead. */
export type NodeReadResult =
  | { ok: true; request: RequestRecord }
  | { ok: false; rejection: RequestRejection };

/**
 * Reads a node:http request into a {@link RequestRecord}, enforcing the request limits while
 * reading: header fields (400), a body on GET/HEAD/DELETE/TRACE (400), a body over the limit
 * (413 by default; refused before reading when `Content-Length` announces it), a stalled body
 * (408 after `bodyIdleTimeoutMs`). The body is read into one buffer and never grows past the
 * limit; after a refusal the rest is read and discarded up to `drainLimitBytes`, then the
 * promise settles so the answer can be sent (send rejections with `close: true`).
 */
export function readNodeRequest(
  req: IncomingMessage,
  options: ServerLimitOptions = {},
): Promise<NodeReadResult> {
  const head = readHead(req, options);
  const now = headResult(req, head);
  return now ? Promise.resolve(now) : readBody(req, options, head);
}

/**
 * {@link readNodeRequest}, answered in the same tick when the head alone decides it (no body,
 * or a refusal that needs no draining), else a promise as `readNodeRequest` gives. Saves a
 * promise per request on the common bodyless request; the head is read once either way.
 */
export function readNodeRequestNow(
  req: IncomingMessage,
  options: ServerLimitOptions = {},
): NodeReadResult | Promise<NodeReadResult> {
  const head = readHead(req, options);
  return headResult(req, head) ?? readBody(req, options, head);
}

interface RequestHeadInfo {
  method: string;
  headers: HeaderPairs;
  declared: number | undefined;
  rejection: RequestRejection | undefined;
  hasBody: boolean;
  drainLimitBytes: number;
}

function readHead(req: IncomingMessage, options: ServerLimitOptions): RequestHeadInfo {
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = toHeaderPairs(req.rawHeaders);
  const declared = parseContentLength(headerValue(headers, 'content-length'));
  const rejection =
    checkRequestHeaders(headers, options) ??
    checkRequestFraming(method, headers, undefined, options);
  const chunked = headerValue(headers, 'transfer-encoding') !== undefined;
  return {
    method,
    headers,
    declared,
    rejection,
    hasBody: chunked || (declared !== undefined && declared > 0),
    drainLimitBytes: serverDefaults(options).drainLimitBytes,
  };
}

/** The result the head alone decides, or `undefined` when the body must be read. */
function headResult(req: IncomingMessage, head: RequestHeadInfo): NodeReadResult | undefined {
  const { rejection, hasBody, declared } = head;
  if (!hasBody || req.complete) {
    if (rejection) return { ok: false, rejection };
    if (!hasBody) {
      req.resume();
      const request = { method: head.method, url: req.url ?? '/', headers: head.headers };
      return { ok: true, request: { ...request, body: new Uint8Array(0) } };
    }
  }
  if (rejection && declared !== undefined && declared > head.drainLimitBytes) {
    // Too much to read and discard: answer now; the connection is closed after the answer.
    return { ok: false, rejection };
  }
  return undefined;
}

function readBody(
  req: IncomingMessage,
  options: ServerLimitOptions,
  head: RequestHeadInfo,
): Promise<NodeReadResult> {
  const d = serverDefaults(options);
  const { method, headers, declared } = head;
  const url = req.url ?? '/';
  const limit = options.maxRequestBodyBytes ?? APP_ENGINE_LIMITS.maxRequestBodyBytes;
  let rejection = head.rejection;
  return new Promise<NodeReadResult>((resolve) => {
    let collector: BodyCollector | undefined = rejection
      ? undefined
      : new BodyCollector(limit, declared);
    let seen = 0;
    let done = false;
    const finish = (result: NodeReadResult) => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('aborted', onAborted);
      req.off('close', onClose);
      req.off('error', onAborted);
      if (!result.ok) req.pause();
      resolve(result);
    };
    const idle = setTimeout(() => {
      finish({
        ok: false,
        rejection: requestTimedOut(
          `no request body bytes for ${d.bodyIdleTimeoutMs} ms (${seen} bytes received)`,
        ),
      });
    }, d.bodyIdleTimeoutMs);
    const onData = (chunk: Buffer) => {
      idle.refresh();
      seen += chunk.byteLength;
      if (collector && !collector.push(chunk)) {
        collector = undefined;
        rejection = requestTooLarge(limit, seen, options);
      }
      if (rejection && seen > d.drainLimitBytes) finish({ ok: false, rejection });
    };
    const onEnd = () => {
      if (rejection) {
        finish({ ok: false, rejection });
        return;
      }
      const body = collector?.finish() ?? new Uint8Array(0);
      const bodyless = (options.bodylessMethods ?? BODYLESS_METHODS).includes(method);
      if (bodyless && body.byteLength > 0) {
        finish({ ok: false, rejection: bodyNotAllowed(method, body.byteLength) });
        return;
      }
      finish({ ok: true, request: { method, url, headers, body } });
    };
    const onAborted = () => {
      finish({
        ok: false,
        rejection: {
          ...badRequest(`the client closed the connection after ${seen} body bytes`),
          code: 'limits/client-aborted',
        },
      });
    };
    const onClose = () => {
      if (!req.complete) onAborted();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('aborted', onAborted);
    req.on('error', onAborted);
    req.on('close', onClose);
  });
}

/** Options of {@link sendNodeResponse}. */
export interface SendOptions {
  /**
   * Ask the client to close the connection after this response (`Connection: close`); node
   * closes it once the response is written.
   * @default false
   */
  close?: boolean;
  /**
   * The response answers a HEAD request: no body is sent, and the record's own
   * `Content-Length` (the length a GET would get) is kept when it has one.
   * @default false
   */
  head?: boolean;
}

/**
 * Writes a buffered response to a node:http `ServerResponse`: status, header fields in order
 * (repeated names kept), and the body with its real `Content-Length` (the app's own
 * `Content-Length`, `Transfer-Encoding` and `Connection` are dropped, spec §5.1). Does
 * nothing when a response was already sent or the connection is gone; returns whether it
 * wrote.
 */
export function sendNodeResponse(
  res: ServerResponse,
  response: ResponseInput,
  options: SendOptions = {},
): boolean {
  if (res.headersSent || res.writableEnded || res.destroyed) return false;
  const flat: string[] = [];
  let declaredLength: string | undefined;
  for (const [name, value] of toHeaderPairs(response.headers)) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') declaredLength ??= value;
    if (
      lower === 'content-length' ||
      lower === 'transfer-encoding' ||
      lower === 'connection' ||
      lower === 'keep-alive'
    ) {
      continue;
    }
    flat.push(name, value);
  }
  const noBody = response.status < 200 || response.status === 204 || response.status === 304;
  if (!noBody) {
    const length =
      options.head && declaredLength !== undefined && /^\d+$/.test(declaredLength)
        ? declaredLength
        : String(response.body.byteLength);
    flat.push('Content-Length', length);
  }
  if (options.close) flat.push('Connection', 'close');
  try {
    res.writeHead(response.status, flat);
  } catch {
    // A header the app set is not valid HTTP: the platform's 500 instead.
    const fallback = platformErrorResponse();
    res.writeHead(500, [
      ...fallback.headers.flat(),
      ...(options.close ? ['Connection', 'close'] : []),
    ]);
    res.end(fallback.body);
    return true;
  }
  res.end(noBody || options.head ? undefined : response.body);
  return true;
}

/** What a handler behind {@link createLimitedListener} gets besides the request. */
export interface HandlerContext {
  /** Aborts at the deadline with a {@link DeadlineExceededError} reason. */
  signal: AbortSignal;
  /** The request's deadline. */
  deadline: Deadline;
}

/** A handler behind {@link createLimitedListener}: a buffered request in, a response out. */
export type LimitedHandler = (
  request: RequestRecord,
  context: HandlerContext,
) => ResponseInput | Response | Promise<ResponseInput | Response>;

/** A line for the log from {@link createLimitedListener}. */
export interface LimitsLogEntry {
  /** `error` for app failures and refused responses, `warning` for refused requests. */
  severity: 'error' | 'warning';
  /** The text (for refused response headers: App Engine's exact line). */
  message: string;
  /** The error, when there is one. */
  error?: unknown;
}

/** Options of {@link createLimitedListener}. */
export interface LimitedListenerOptions extends ServerLimitOptions, ResponseLimitOptions {
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
   * Status the client gets when the handler lets the deadline error escape or does not answer
   * by the hard expiry. Production's status for second-generation runtimes is unconfirmed
   * (spec §16 item 1).
   * @default 500
   */
  deadlineStatus?: number;
  /**
   * Where log lines go (refused requests and responses, app errors, deadlines).
   * @default one line per entry on stderr
   */
  log?: (entry: LimitsLogEntry) => void;
}

const stderrLog = (entry: LimitsLogEntry) => {
  const detail =
    entry.error instanceof Error ? `: ${entry.error.stack ?? entry.error.message}` : '';
  process.stderr.write(`[gaekit/limits] ${entry.severity}: ${entry.message}${detail}\n`);
};

/**
 * A complete node:http request listener with App Engine's limits around `handler`: the
 * request is read and checked ({@link readNodeRequest}), the handler runs under a deadline
 * (an answer given in the grace period is used; otherwise the platform's 500), the response
 * is checked ({@link checkResponse}) and sent. The handler may return a record or a Web
 * `Response`. Nothing the handler does crashes the server, and every request gets an answer.
 * Use with `http.createServer(nodeServerOptions(o), createLimitedListener(handler, o))` and
 * {@link applyServerLimits}.
 */
export function createLimitedListener(
  handler: LimitedHandler,
  options: LimitedListenerOptions = {},
): RequestListener {
  const log = options.log ?? stderrLog;
  const timeoutMs = options.timeoutMs ?? requestTimeoutFor();
  const graceMs = options.graceMs ?? APP_ENGINE_LIMITS.graceMs;
  const responseOptions: ResponseLimitOptions = {
    ...options,
    onResponseViolation: (violation) => {
      log({ severity: 'error', message: violation.logMessage });
      options.onResponseViolation?.(violation);
    },
  };
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const read = await readNodeRequest(req, options);
    if (!read.ok) {
      options.onRejection?.(read.rejection);
      if (read.rejection.code !== 'limits/client-aborted') {
        log({
          severity: 'warning',
          message: `${read.rejection.status} ${read.rejection.code}: ${read.rejection.message}`,
        });
      }
      sendNodeResponse(res, read.rejection, { close: true });
      return;
    }
    const deadline = createDeadline({ timeoutMs, graceMs });
    let response: ResponseInput;
    try {
      const outcome = await runWithDeadline(
        (signal) => handler(read.request, { signal, deadline }),
        { timeoutMs, deadline },
      );
      switch (outcome.outcome) {
        case 'answered':
        case 'answered-in-grace':
          response =
            outcome.value instanceof Response
              ? await readWebResponse(outcome.value, responseOptions)
              : outcome.value;
          break;
        case 'deadline-uncaught':
        case 'hard-expired':
          log({
            severity: 'error',
            message: `the request passed its ${timeoutMs} ms deadline (${outcome.outcome})`,
          });
          response = platformErrorResponse(options.deadlineStatus ?? 500);
          break;
        default:
          log({ severity: 'error', message: 'the handler failed', error: outcome.error });
          response = platformErrorResponse();
      }
    } finally {
      deadline.dispose();
    }
    sendNodeResponse(res, checkResponse(response, responseOptions));
  };
  return (req, res) => {
    serve(req, res).catch((error: unknown) => {
      log({ severity: 'error', message: 'the response could not be sent', error });
      if (!sendNodeResponse(res, platformErrorResponse(), { close: true })) res.destroy();
    });
  };
}
