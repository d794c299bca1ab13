import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createH2Server,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import {
  applyServerLimits,
  type NodeReadResult,
  type RequestLimitOptions,
  type ResponseLimitOptions,
  readNodeRequestNow,
  sendNodeResponse,
} from '@gaekit/limits';
import type { RequestRecord, ResponseRecord } from '@gaekit/scheduler';
import type { ConnectionInfo } from './pipeline.js';

/** Options of `pipeline.listen()`. */
export interface ListenOptions {
  /** Port; `0` picks a free one. @default 8080 */
  port?: number;
  /** Address to bind. @default "127.0.0.1" */
  host?: string;
  /**
   * Accept HTTP/2 as well: cleartext h2c (prior knowledge) without `key`/`cert`, TLS with
   * ALPN (`h2` and `http/1.1`) with them. The app always sees HTTP/1.1 semantics.
   * @default false
   */
  http2?: boolean;
  /** PEM private key: serve HTTPS (the app sees `X-Forwarded-Proto: https`). */
  key?: string | Buffer;
  /** PEM certificate, with `key`. */
  cert?: string | Buffer;
}

/** A running server of the pipeline. */
export interface PipelineServer {
  /** `http://127.0.0.1:PORT` (or `https://`). */
  readonly url: string;
  /** The port it listens on. */
  readonly port: number;
  /** The node server. */
  readonly server: Server | Http2Server | Http2SecureServer | NetServer;
  /** Stops accepting connections, answers what is in flight, closes idle connections. */
  close(): Promise<void>;
}

/** Anything that answers buffered requests: a `Pipeline`, or a wrapper that swaps pipelines on reload. */
export interface RequestHandlerTarget {
  handle(request: RequestRecord, connection?: ConnectionInfo): Promise<ResponseRecord>;
  /** Used instead of `handle` when present: the answer itself when it is ready in the same tick. */
  handleNow?(
    request: RequestRecord,
    connection?: ConnectionInfo,
  ): ResponseRecord | Promise<ResponseRecord>;
}

/** Options of {@link servePipeline}. */
export interface ServeOptions extends ListenOptions {
  /** Request limits applied while reading (App Engine's by default). */
  limits?: RequestLimitOptions & ResponseLimitOptions;
  /** The `Server` header of answers the server gives itself. @default "Google Frontend" */
  server?: string;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;

/** The server's own 500 when answering failed. */
function failureRecord(error: unknown, serverName: string): ResponseRecord {
  return {
    status: 500,
    headers: [
      ['Content-Type', 'text/plain'],
      ['Server', serverName],
    ],
    body: new TextEncoder().encode(`${String(error)}\n`),
  };
}

/**
 * Answers made during one turn of the event loop, written together in its check phase, right
 * after the turn's I/O callbacks (an answer made in the check or close phase goes with the
 * next turn's). A socket write that wakes a sleeping client costs several times the write
 * itself on a VM; written back to back, one wake-up serves the whole batch.
 */
class WriteBatch {
  readonly #serverName: string;
  #responses: ServerResponse[] = [];
  #records: ResponseRecord[] = [];
  #heads: boolean[] = [];
  #scheduled = false;
  readonly #flush = () => {
    this.#scheduled = false;
    const responses = this.#responses;
    const records = this.#records;
    const heads = this.#heads;
    this.#responses = [];
    this.#records = [];
    this.#heads = [];
    for (let i = 0; i < responses.length; i++) {
      const res = responses[i] as ServerResponse;
      try {
        sendNodeResponse(res, records[i] as ResponseRecord, { head: heads[i] as boolean });
      } catch (error) {
        // A malformed record (from a custom target) must not cost the rest of the batch.
        if (res.headersSent) res.destroy();
        else sendNodeResponse(res, failureRecord(error, this.#serverName));
      }
    }
  };

  constructor(serverName: string) {
    this.#serverName = serverName;
  }

  add(res: ServerResponse, response: ResponseRecord, head: boolean): void {
    this.#responses.push(res);
    this.#records.push(response);
    this.#heads.push(head);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#flush);
    }
  }
}
type AnyResponse = ServerResponse | Http2ServerResponse;

/** The start of every HTTP/2 connection (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** HTTP/2 forbids connection-specific fields; the rest become a header object. */
const H2_FORBIDDEN = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'content-length',
]);

function sendH2(res: Http2ServerResponse, response: ResponseRecord, head: boolean): void {
  if (res.headersSent || res.writableEnded) return;
  const headers: Record<string, string | string[]> = {};
  let declaredLength: string | undefined;
  for (const [name, value] of response.headers) {
    const lower = name.toLowerCase();
    if (lower === 'content-length') declaredLength ??= value;
    if (H2_FORBIDDEN.has(lower)) continue;
    const existing = headers[lower];
    if (existing === undefined) headers[lower] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[lower] = lower === 'set-cookie' ? [existing, value] : `${existing}, ${value}`;
  }
  const noBody = response.status < 200 || response.status === 204 || response.status === 304;
  if (!noBody) {
    headers['content-length'] =
      head && declaredLength !== undefined ? declaredLength : String(response.body.byteLength);
  }
  res.writeHead(response.status, headers);
  if (noBody || head) res.end();
  else res.end(response.body);
}

/**
 * Serves `target.handleNow` (or `target.handle`) over node:http, HTTPS or HTTP/2. `pipeline.listen()` uses it; `gae dev`
 * uses it with a target that swaps in a new pipeline when the app changes, so the port stays.
 */
export async function servePipeline(
  target: RequestHandlerTarget,
  options: ServeOptions = {},
): Promise<PipelineServer> {
  const serverName = options.server ?? 'Google Frontend';
  const tls = options.key !== undefined && options.cert !== undefined;
  const limits = options.limits ?? {};
  const batch = new WriteBatch(serverName);
  const listener = (req: AnyRequest, res: AnyResponse) => {
    const h2 = req.httpVersionMajor === 2;
    const send = (response: ResponseRecord) => {
      const head = req.method === 'HEAD';
      if (h2) sendH2(res as Http2ServerResponse, response, head);
      else batch.add(res as ServerResponse, response, head);
    };
    const fail = (error: unknown) => send(failureRecord(error, serverName));
    const onRead = (read: NodeReadResult) => {
      if (!read.ok) {
        send({ ...read.rejection, headers: [...read.rejection.headers, ['Server', serverName]] });
        return;
      }
      const record = read.request;
      if (h2) {
        const authority = (req as Http2ServerRequest).authority;
        record.headers = record.headers.filter(([name]) => !name.startsWith(':'));
        if (authority && !record.headers.some(([n]) => n.toLowerCase() === 'host')) {
          record.headers.unshift(['host', authority]);
        }
      }
      const socket = req.socket as Socket;
      try {
        const connection = {
          remoteAddress: socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1',
          https: tls,
          protocol: h2 ? 'HTTP/2' : `HTTP/${req.httpVersion}`,
        };
        const answer = target.handleNow
          ? target.handleNow(record, connection)
          : target.handle(record, connection);
        // A thenable from a custom target (another realm's Promise) is awaited too.
        if (typeof (answer as PromiseLike<ResponseRecord>).then === 'function') {
          (answer as PromiseLike<ResponseRecord>).then(send, fail);
        } else send(answer as ResponseRecord);
      } catch (error) {
        fail(error);
      }
    };
    try {
      // A bodyless request is read in the same tick: no promise until the pipeline's own.
      const read = readNodeRequestNow(req as IncomingMessage, limits);
      if (read instanceof Promise) read.then(onRead, fail);
      else onRead(read);
    } catch (error) {
      fail(error);
    }
  };
  let server: Server | Http2Server | Http2SecureServer | NetServer;
  if (options.http2 && tls) {
    server = createSecureServer(
      { key: options.key, cert: options.cert, allowHTTP1: true },
      listener,
    );
  } else if (options.http2) {
    // Cleartext: HTTP/2 with prior knowledge and HTTP/1.1 on the same port, told apart by the
    // connection preface, as a front end that accepts both would.
    const h1 = createServer(listener);
    applyServerLimits(h1, limits);
    const h2 = createH2Server({}, listener);
    server = createNetServer((socket) => {
      socket.once('readable', () => {
        const chunk = socket.read() as Buffer | null;
        if (chunk === null) {
          socket.destroy();
          return;
        }
        socket.unshift(chunk);
        const target = chunk
          .subarray(0, H2_PREFACE.length)
          .equals(H2_PREFACE.subarray(0, Math.min(chunk.length, H2_PREFACE.length)))
          ? h2
          : h1;
        target.emit('connection', socket);
      });
    });
  } else if (tls) {
    const { createServer: createHttpsServer } = await import('node:https');
    const https = createHttpsServer(
      { key: options.key, cert: options.cert },
      listener,
    ) as unknown as Server;
    applyServerLimits(https, limits);
    server = https;
  } else {
    const http = createServer(listener);
    applyServerLimits(http, limits);
    server = http;
  }
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${address.port}`,
    port: address.port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        if ('closeIdleConnections' in server) (server as Server).closeIdleConnections();
        // Connections that stay open past a short drain are ended so close() finishes.
        setTimeout(() => {
          for (const socket of sockets) socket.destroy();
        }, 2000).unref();
      }),
  };
}
