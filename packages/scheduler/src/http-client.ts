/**
 * A small HTTP/1.1 client for the loopback connection to a process instance. `http.request`
 * builds a ClientRequest, an IncomingMessage and their streams for every request, several
 * times the work of the app's own server on a small answer; this client writes the request
 * as one string and parses the answer straight from the socket's read buffer.
 *
 * One request at a time per connection (no pipelining: the app must see concurrent requests
 * as concurrent, and a deadline closes only its own request's connection); idle connections
 * are kept alive and reused, last used first.
 */
import { connect, type Socket } from 'node:net';
import type { HeaderPairs } from './types.js';

/** The app's answer. */
export interface ClientResponse {
  status: number;
  /** As the app sent them (names in its case), hop-by-hop fields included. */
  headers: HeaderPairs;
  body: Uint8Array;
}

/** What became of one request: an error, or the response. */
export type ClientCallback = (error: Error | undefined, response?: ClientResponse) => void;

/** A request in flight; `abort()` closes its connection and its callback is never called. */
export interface ClientExchange {
  abort(): void;
}

/** Methods a client may send again when a kept-alive connection turns out closed. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
/** Larger heads are refused (Node's own client stops at 16 KB). */
const MAX_HEAD_BYTES = 1024 * 1024;
/** Idle time before a kept-alive connection is closed, when the app announces none. */
const DEFAULT_IDLE_MS = 4000;

enum Body {
  /** Reading the status line and fields. */
  Head,
  /** `Content-Length` bytes. */
  Length,
  /** `Transfer-Encoding: chunked`: a chunk-size line. */
  ChunkSize,
  /** Inside a chunk. */
  ChunkData,
  /** The CRLF after a chunk's data. */
  ChunkEnd,
  /** Trailer fields after the last chunk, up to an empty line. */
  Trailers,
  /** No length: the body ends when the app closes the connection. */
  UntilClose,
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}

class Connection {
  readonly socket: Socket;
  callback: ClientCallback | undefined;
  /** The request, kept to send it again on a fresh connection (see `retry`). */
  retry: (() => void) | undefined;
  /** Requests answered on this connection. */
  served = 0;
  /** Bytes of the current response seen so far. */
  received = 0;
  headRequest = false;
  state = Body.Head;
  /** Unparsed bytes (a head or a chunk line cut by a read), copied out of the read buffer. */
  pending: Buffer | undefined;
  status = 0;
  headers: HeaderPairs = [];
  keepAlive = true;
  remaining = 0;
  chunks: Buffer[] = [];
  /** The idle timeout the app announced (`Keep-Alive: timeout=N`), in milliseconds. */
  announcedIdleMs: number | undefined;

  constructor(
    readonly client: LoopbackClient,
    port: number,
    host: string,
    readBuffer: Buffer,
  ) {
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (length, buffer) => {
          this.#read(buffer as Buffer, 0, length);
          return true;
        },
      },
    });
    this.socket.setTimeout(client.idleMs);
    this.socket.on('timeout', () => {
      if (!this.callback) this.close();
    });
    this.socket.on('end', () => this.#ended());
    this.socket.on('error', (error) => this.#failed(error));
    this.socket.on('close', () => this.#failed(hangUp()));
  }

  close(): void {
    this.client.forget(this);
    this.socket.destroy();
  }

  /** Starts a response. */
  begin(callback: ClientCallback, headRequest: boolean, retry: (() => void) | undefined): void {
    this.callback = callback;
    this.retry = retry;
    this.headRequest = headRequest;
    this.received = 0;
    this.#reset();
  }

  #reset(): void {
    this.state = Body.Head;
    this.pending = undefined;
    this.status = 0;
    this.headers = [];
    this.keepAlive = true;
    this.remaining = 0;
    this.chunks = [];
  }

  #ended(): void {
    if (this.callback && this.state === Body.UntilClose) {
      this.keepAlive = false;
      this.#complete();
      return;
    }
    this.#failed(hangUp());
  }

  #failed(error: Error): void {
    const callback = this.callback;
    const retry = this.retry;
    this.callback = undefined;
    this.retry = undefined;
    this.close();
    if (!callback) return;
    // A kept-alive connection the app closed just as it was reused never saw the request.
    if (retry && this.served > 0 && this.received === 0) retry();
    else callback(error);
  }

  #complete(): void {
    const callback = this.callback;
    if (!callback) return;
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const response: ClientResponse = {
      status: this.status,
      headers: this.headers,
      body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    };
    this.callback = undefined;
    this.retry = undefined;
    this.served++;
    const reuse = this.keepAlive && this.pending === undefined;
    this.#reset();
    if (reuse) this.client.release(this);
    else this.close();
    callback(undefined, response);
  }

  #protocolError(message: string): void {
    this.#failed(new Error(`the app's response could not be read: ${message}`));
  }

  /** Parses bytes `[start, end)` of the read buffer (valid only during this call). */
  #read(buffer: Buffer, start: number, end: number): void {
    if (!this.callback) {
      // Bytes nobody asked for: the connection cannot be trusted with another request.
      this.close();
      return;
    }
    this.received += end - start;
    // Only [start, end) is this read's: the rest of the buffer holds older bytes.
    const data = this.pending
      ? Buffer.concat([this.pending, buffer.subarray(start, end)])
      : buffer.subarray(start, end);
    this.pending = undefined;
    let at = 0;
    const stop = data.length;
    while (this.callback) {
      switch (this.state) {
        case Body.Head: {
          const headEnd = data.indexOf(HEAD_END, at);
          if (headEnd === -1) {
            if (stop - at > MAX_HEAD_BYTES) {
              this.#protocolError('head too large');
              return;
            }
            this.#keep(data, at, stop);
            return;
          }
          const error = this.#head(data.toString('latin1', at, headEnd));
          if (error) {
            this.#protocolError(error);
            return;
          }
          at = headEnd + 4;
          if (this.state === Body.Head) continue; // 1xx: the real answer follows.
          if (this.state === Body.Length && this.remaining === 0) {
            this.#endBody(at, stop);
            return;
          }
          break;
        }
        case Body.Length:
        case Body.ChunkData: {
          const take = Math.min(this.remaining, stop - at);
          if (take > 0) this.chunks.push(copy(data, at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining > 0) return;
          if (this.state === Body.Length) {
            this.#endBody(at, stop);
            return;
          }
          this.state = Body.ChunkEnd;
          break;
        }
        case Body.ChunkEnd: {
          if (stop - at < 2) {
            this.#keep(data, at, stop);
            return;
          }
          if (data[at] !== 13 || data[at + 1] !== 10) {
            this.#protocolError('bad chunk end');
            return;
          }
          at += 2;
          this.state = Body.ChunkSize;
          break;
        }
        case Body.ChunkSize:
        case Body.Trailers: {
          const lineEnd = data.indexOf(10, at);
          if (lineEnd === -1) {
            if (stop - at > MAX_HEAD_BYTES) {
              this.#protocolError('chunk line too long');
              return;
            }
            this.#keep(data, at, stop);
            return;
          }
          const line = data.toString('latin1', at, lineEnd).replace(/\r$/, '');
          at = lineEnd + 1;
          if (this.state === Body.Trailers) {
            if (line === '') {
              this.#endBody(at, stop);
              return;
            }
            continue; // Trailer fields are dropped, as the front never sends them on.
          }
          const size = /^([0-9a-fA-F]+)[ \t]*(?:;.*)?$/.exec(line);
          if (!size) {
            this.#protocolError('bad chunk size');
            return;
          }
          this.remaining = Number.parseInt(size[1] as string, 16);
          this.state = this.remaining === 0 ? Body.Trailers : Body.ChunkData;
          break;
        }
        case Body.UntilClose: {
          if (stop > at) this.chunks.push(copy(data, at, stop));
          return;
        }
      }
    }
  }

  /** Keeps unparsed bytes for the next read (the read buffer is reused). */
  #keep(data: Buffer, at: number, stop: number): void {
    if (stop > at) this.pending = copy(data, at, stop);
  }

  /** The body is complete; bytes after it (the app sent more than one answer) spoil reuse. */
  #endBody(at: number, stop: number): void {
    if (stop > at) this.keepAlive = false;
    this.#complete();
  }

  /** Reads a status line and fields; sets the body state. An error message when malformed. */
  #head(text: string): string | undefined {
    const lines = text.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: |$)/.exec(lines[0] as string);
    if (!statusLine) return 'bad status line';
    const status = Number(statusLine[2]);
    let keepAlive = statusLine[1] === '1';
    let length: number | undefined;
    let chunked = false;
    let otherCoding = false;
    let idleMs: number | undefined;
    const headers: HeaderPairs = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const first = line.charCodeAt(0);
      if (first === 32 || first === 9) {
        // An obsolete folded continuation line belongs to the field before it.
        const last = headers[headers.length - 1];
        if (!last) return 'bad field';
        last[1] = `${last[1]} ${line.trim()}`;
        continue;
      }
      const colon = line.indexOf(':');
      if (colon <= 0) return 'bad field';
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      headers.push([name, value]);
      switch (name.length) {
        case 10:
        case 14:
        case 17: {
          const lower = name.toLowerCase();
          if (lower === 'connection') {
            const tokens = value.toLowerCase();
            if (/(?:^|,)\s*close\s*(?:,|$)/.test(tokens)) keepAlive = false;
            else if (/(?:^|,)\s*keep-alive\s*(?:,|$)/.test(tokens)) keepAlive = true;
          } else if (lower === 'content-length') {
            if (!/^\d+$/.test(value)) return 'bad content-length';
            const n = Number(value);
            if (length !== undefined && length !== n) return 'conflicting content-length';
            length = n;
          } else if (lower === 'keep-alive') {
            const timeout = /(?:^|,)\s*timeout=(\d+)/i.exec(value);
            if (timeout) idleMs = Number(timeout[1]) * 1000;
          } else if (lower === 'transfer-encoding') {
            const codings = value.toLowerCase().split(',');
            chunked = codings[codings.length - 1]?.trim() === 'chunked';
            otherCoding = !chunked;
          }
        }
      }
    }
    // Informational answers (100 Continue, 103 Early Hints) come before the real one.
    if (status >= 100 && status < 200) {
      if (status === 101) return 'unexpected 101 Switching Protocols';
      return undefined;
    }
    this.status = status;
    this.headers = headers;
    this.keepAlive = keepAlive;
    if (idleMs !== undefined && idleMs !== this.announcedIdleMs) {
      // Close before the app does, so a request never races the app's own idle timeout.
      this.announcedIdleMs = idleMs;
      this.socket.setTimeout(Math.max(100, Math.min(this.client.idleMs, idleMs - 1000)));
    }
    if (this.headRequest || status === 204 || status === 304) {
      this.state = Body.Length;
      this.remaining = 0;
    } else if (chunked) {
      this.state = Body.ChunkSize;
    } else if (otherCoding || length === undefined) {
      this.state = Body.UntilClose;
      this.keepAlive = false;
    } else {
      this.state = Body.Length;
      this.remaining = length;
    }
    return undefined;
  }
}

/** A copy of `[from, to)` (the read buffer is overwritten by the next read). */
function copy(data: Buffer, from: number, to: number): Buffer {
  const out = Buffer.allocUnsafe(to - from);
  data.copy(out, 0, from, to);
  return out;
}

/** Keep-alive HTTP/1.1 connections to one port on the loopback interface. */
export class LoopbackClient {
  readonly idleMs: number;
  #idle: Connection[] = [];
  #all = new Set<Connection>();
  #readBuffer = Buffer.allocUnsafe(64 * 1024);
  #destroyed = false;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
    idleMs = DEFAULT_IDLE_MS,
  ) {
    this.idleMs = idleMs;
  }

  /**
   * Sends a request head (request line and fields, ending with the empty line) and body;
   * `callback` gets the response or an error, exactly once, unless the exchange is aborted.
   */
  send(
    method: string,
    head: string,
    body: Uint8Array | undefined,
    callback: ClientCallback,
  ): ClientExchange {
    let connection: Connection | undefined;
    let aborted = false;
    const attempt = (retried: boolean) => {
      if (aborted) return;
      if (this.#destroyed) {
        callback(new Error('the connection to the instance is closed'));
        return;
      }
      connection = retried ? undefined : this.#idle.pop();
      if (!connection) {
        connection = new Connection(this, this.port, this.host, this.#readBuffer);
        this.#all.add(connection);
      }
      const canRetry = !retried && connection.served > 0 && IDEMPOTENT.has(method);
      connection.begin(callback, method === 'HEAD', canRetry ? () => attempt(true) : undefined);
      const socket = connection.socket;
      if (body && body.byteLength > 0) {
        socket.cork();
        socket.write(head, 'latin1');
        socket.write(body);
        socket.uncork();
      } else {
        socket.write(head, 'latin1');
      }
    };
    attempt(false);
    return {
      abort: () => {
        aborted = true;
        if (connection?.callback === callback) {
          connection.callback = undefined;
          connection.retry = undefined;
          connection.close();
        }
      },
    };
  }

  /** A connection whose response is complete and that may serve again. */
  release(connection: Connection): void {
    if (this.#destroyed || connection.socket.destroyed) connection.close();
    else this.#idle.push(connection);
  }

  forget(connection: Connection): void {
    this.#all.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index !== -1) this.#idle.splice(index, 1);
  }

  /** Closes every connection; requests in flight get an error. */
  destroy(): void {
    this.#destroyed = true;
    for (const connection of [...this.#all]) connection.socket.destroy();
  }
}
