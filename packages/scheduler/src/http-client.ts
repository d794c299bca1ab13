/**
 * A small HTTP/1.1 client for the loopback connection to a process instance. `http.request`
 * builds a ClientRequest, an IncomingMessage and their streams for every request, several
 * times the work of the app's own server on a small answer; this client writes the request
 * as one string and parses the answer straight from the socket's read buffer.
 *
 * One request at a time per connection (no pipelining: the app must see concurrent requests
 * as concurrent, and a deadline closes only its own request's connection); idle connections
 * are kept alive and reused, last used first. The requests made during one turn of the event
 * loop are written together at its end (see {@link LoopbackClient.send}).
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

/** `Connection: close` or `keep-alive` among a field's comma-separated tokens. */
const CLOSE_TOKEN = /(?:^|,)\s*close\s*(?:,|$)/;
const KEEP_ALIVE_TOKEN = /(?:^|,)\s*keep-alive\s*(?:,|$)/;
const KEEP_ALIVE_TIMEOUT = /(?:^|,)\s*timeout=(\d+)/i;

/** A `Content-Length` value: digits only, as a number; -1 when it is anything else. */
function decimal(value: string): number {
  const length = value.length;
  if (length === 0 || length > 15) return /^\d+$/.test(value) ? Number(value) : -1;
  let n = 0;
  for (let i = 0; i < length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    n = n * 10 + digit;
  }
  return n;
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
  headers: HeaderPairs | undefined;
  keepAlive = true;
  remaining = 0;
  /** The body when it came in one piece (the usual case), else `chunks`. */
  body: Buffer | undefined;
  chunks: Buffer[] | undefined;
  /** The idle timeout the app announced (`Keep-Alive: timeout=N`), in milliseconds. */
  announcedIdleMs: number | undefined;
  /** The last `Keep-Alive` field with a timeout and that timeout, so it is not parsed again. */
  keepAliveField: string | undefined;
  keepAliveFieldMs = 0;
  /** How long the connection may stay idle before it is closed. */
  idleLimitMs: number;
  /** When the connection last became idle (`performance.now()`). */
  idleSince = 0;
  /**
   * Closes the connection once idle for `idleLimitMs`. Armed once and re-armed only when it
   * fires, rather than pushed back on every read and write as `socket.setTimeout` would be.
   */
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** When `#idleTimer` fires (`performance.now()`). */
  #idleTimerAt = 0;

  constructor(
    readonly client: LoopbackClient,
    port: number,
    host: string,
    readBuffer: Buffer,
  ) {
    this.idleLimitMs = client.idleMs;
    this.socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (length, buffer) => {
          this.#read(buffer as Buffer, length);
          return true;
        },
      },
    });
    this.socket.on('end', () => this.#ended());
    this.socket.on('error', (error) => this.#failed(error));
    this.socket.on('close', () => this.#failed(hangUp()));
  }

  close(): void {
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    this.client.forget(this);
    this.socket.destroy();
  }

  /** The response is complete and the connection waits in the idle list. */
  idle(): void {
    const now = performance.now();
    this.idleSince = now;
    // A timer armed for a longer limit (before the app announced a shorter one) is too late.
    if (this.#idleTimer && this.#idleTimerAt <= now + this.idleLimitMs) return;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#armIdleTimer(this.idleLimitMs, now);
  }

  #armIdleTimer(ms: number, now: number): void {
    this.#idleTimerAt = now + ms;
    this.#idleTimer = setTimeout(this.#idleCheck, ms);
    this.#idleTimer.unref();
  }

  readonly #idleCheck = () => {
    this.#idleTimer = undefined;
    if (this.socket.destroyed) return;
    // Serving a request: the idle time starts again when it is answered.
    if (this.callback) return;
    const now = performance.now();
    const left = this.idleLimitMs - (now - this.idleSince);
    if (left <= 0) this.close();
    else this.#armIdleTimer(left, now);
  };

  /** Starts a response. */
  begin(callback: ClientCallback, headRequest: boolean, retry: (() => void) | undefined): void {
    this.callback = callback;
    this.retry = retry;
    this.headRequest = headRequest;
    this.received = 0;
  }

  #reset(): void {
    this.state = Body.Head;
    this.pending = undefined;
    this.status = 0;
    this.headers = undefined;
    this.keepAlive = true;
    this.remaining = 0;
    this.body = undefined;
    this.chunks = undefined;
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

  /** Body bytes `[from, to)` of the read buffer, copied (the buffer is reused). */
  #take(data: Buffer, from: number, to: number): void {
    const piece = copy(data, from, to);
    if (this.body === undefined && this.chunks === undefined) {
      this.body = piece;
    } else {
      if (this.chunks === undefined) this.chunks = [this.body as Buffer];
      this.chunks.push(piece);
      this.body = undefined;
    }
  }

  #complete(): void {
    const callback = this.callback;
    if (!callback) return;
    const body = this.chunks ? Buffer.concat(this.chunks) : this.body;
    const response: ClientResponse = {
      status: this.status,
      headers: this.headers ?? [],
      body: body ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array(),
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

  /** Parses the first `length` bytes of the read buffer (valid only during this call). */
  #read(buffer: Buffer, length: number): void {
    if (!this.callback) {
      // Bytes nobody asked for: the connection cannot be trusted with another request.
      this.close();
      return;
    }
    this.received += length;
    // Only [0, length) is this read's: the rest of the buffer holds older bytes.
    const data = this.pending
      ? Buffer.concat([this.pending, buffer.subarray(0, length)])
      : buffer.subarray(0, length);
    this.pending = undefined;
    const stop = data.length;
    let at = 0;
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
          if (take > 0) this.#take(data, at, at + take);
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
          // The line without its LF and the CR before it.
          const lineStart = at;
          const textEnd = lineEnd > at && data[lineEnd - 1] === 13 ? lineEnd - 1 : lineEnd;
          at = lineEnd + 1;
          if (this.state === Body.Trailers) {
            if (textEnd === lineStart) {
              this.#endBody(at, stop);
              return;
            }
            continue; // Trailer fields are dropped, as the front never sends them on.
          }
          const size = chunkSize(data, lineStart, textEnd);
          if (size === -1) {
            this.#protocolError('bad chunk size');
            return;
          }
          this.remaining = size;
          this.state = this.remaining === 0 ? Body.Trailers : Body.ChunkData;
          break;
        }
        case Body.UntilClose: {
          if (stop > at) this.#take(data, at, stop);
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

  /**
   * Reads a status line and fields (the head without its final empty line); sets the body
   * state. An error message when malformed. Lines are found with `indexOf` rather than split
   * and matched by character codes rather than expressions: this runs once per response.
   */
  #head(text: string): string | undefined {
    const size = text.length;
    let lineEnd = text.indexOf('\r\n');
    if (lineEnd === -1) lineEnd = size;
    // HTTP/1.x NNN, then a space or the end of the line.
    if (
      lineEnd < 12 ||
      !text.startsWith('HTTP/1.') ||
      text.charCodeAt(8) !== 32 ||
      (lineEnd > 12 && text.charCodeAt(12) !== 32)
    ) {
      return 'bad status line';
    }
    const minor = text.charCodeAt(7);
    const d0 = text.charCodeAt(9) - 48;
    const d1 = text.charCodeAt(10) - 48;
    const d2 = text.charCodeAt(11) - 48;
    if (
      (minor !== 48 && minor !== 49) ||
      d0 < 0 ||
      d0 > 9 ||
      d1 < 0 ||
      d1 > 9 ||
      d2 < 0 ||
      d2 > 9
    ) {
      return 'bad status line';
    }
    const status = d0 * 100 + d1 * 10 + d2;
    let keepAlive = minor === 49;
    let length: number | undefined;
    let chunked = false;
    let otherCoding = false;
    let idleMs: number | undefined;
    const headers: HeaderPairs = [];
    let at = lineEnd + 2;
    while (at < size) {
      let end = text.indexOf('\r\n', at);
      if (end === -1) end = size;
      const first = text.charCodeAt(at);
      if (first === 32 || first === 9) {
        // An obsolete folded continuation line belongs to the field before it.
        const last = headers[headers.length - 1];
        if (!last) return 'bad field';
        last[1] = `${last[1]} ${text.slice(at, end).trim()}`;
        at = end + 2;
        continue;
      }
      const colon = text.indexOf(':', at);
      if (colon <= at || colon > end) return 'bad field';
      const name = text.slice(at, colon);
      const value = text.slice(colon + 1, end).trim();
      at = end + 2;
      headers.push([name, value]);
      switch (name.length) {
        case 10:
        case 14:
        case 17: {
          const lower = name.toLowerCase();
          if (lower === 'connection') {
            if (value === 'keep-alive') keepAlive = true;
            else if (value === 'close') keepAlive = false;
            else {
              const tokens = value.toLowerCase();
              if (CLOSE_TOKEN.test(tokens)) keepAlive = false;
              else if (KEEP_ALIVE_TOKEN.test(tokens)) keepAlive = true;
            }
          } else if (lower === 'content-length') {
            const n = decimal(value);
            if (n === -1) return 'bad content-length';
            if (length !== undefined && length !== n) return 'conflicting content-length';
            length = n;
          } else if (lower === 'keep-alive') {
            if (value === this.keepAliveField) idleMs = this.keepAliveFieldMs;
            else {
              const timeout = KEEP_ALIVE_TIMEOUT.exec(value);
              if (timeout) {
                idleMs = Number(timeout[1]) * 1000;
                this.keepAliveField = value;
                this.keepAliveFieldMs = idleMs;
              }
            }
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
      this.idleLimitMs = Math.max(100, Math.min(this.client.idleMs, idleMs - 1000));
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

/**
 * The size on a chunk-size line (bytes `[start, end)`, without the line end): hex digits,
 * optional spaces or tabs, an optional `;` extension without a CR; -1 when it is anything
 * else. Read byte by byte: node:http apps answer in chunks when they call `writeHead`.
 */
function chunkSize(data: Buffer, start: number, end: number): number {
  let i = start;
  let size = 0;
  for (; i < end; i++) {
    const c = data[i] as number;
    const digit =
      c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (digit === -1) break;
    size = size * 16 + digit;
  }
  if (i === start) return -1;
  while (i < end && (data[i] === 32 || data[i] === 9)) i++;
  if (i === end) return size;
  if (data[i] !== 59) return -1;
  for (i++; i < end; i++) if (data[i] === 13) return -1;
  return size;
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
   * The request is written at the end of the current turn of the event loop, with the
   * others made in that turn (see `queued`).
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
      this.#queue(connection, head, body && body.byteLength > 0 ? body : undefined);
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

  /**
   * Requests made during this turn of the event loop, written together in its check phase,
   * right after the turn's I/O callbacks (one made in a check-phase callback itself goes in
   * the next one, which follows without waiting for I/O). A write that wakes the app's
   * sleeping process costs several times the write itself on a VM; back to back, one wake-up
   * serves the batch.
   */
  #queued: Array<{ connection: Connection; head: string; body: Uint8Array | undefined }> = [];
  #flushScheduled = false;

  /** Requests waiting for the end of this turn to be written. */
  get queued(): number {
    return this.#queued.length;
  }

  readonly #flush = () => {
    this.#flushScheduled = false;
    const queued = this.#queued;
    this.#queued = [];
    for (const { connection, head, body } of queued) {
      // An aborted request's connection is closed already: nothing to send.
      const socket = connection.socket;
      if (socket.destroyed) continue;
      if (body) {
        socket.cork();
        socket.write(head, 'latin1');
        socket.write(body);
        socket.uncork();
      } else {
        socket.write(head, 'latin1');
      }
    }
  };

  #queue(connection: Connection, head: string, body: Uint8Array | undefined): void {
    this.#queued.push({ connection, head, body });
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(this.#flush);
    }
  }

  /** A connection whose response is complete and that may serve again. */
  release(connection: Connection): void {
    if (this.#destroyed || connection.socket.destroyed) {
      connection.close();
      return;
    }
    connection.idle();
    this.#idle.push(connection);
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
