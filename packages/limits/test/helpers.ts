import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  applyServerLimits,
  createLimitedListener,
  type LimitedHandler,
  type LimitedListenerOptions,
  type LimitsLogEntry,
  nodeServerOptions,
} from '../src/index.js';

/** The package directory. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Builds dist/ once when a test needs the package as users get it. */
export function ensureBuilt(): void {
  if (existsSync(`${packageDir}dist/index.js`)) return;
  execFileSync('pnpm', ['exec', 'tsup'], { cwd: packageDir, stdio: 'ignore' });
}

/** A running server with the limits, its port, the log lines it wrote, and close(). */
export interface TestServer {
  server: Server;
  port: number;
  logs: LimitsLogEntry[];
  close(): Promise<void>;
}

/** Starts `createLimitedListener(handler, options)` on 127.0.0.1 with a free port. */
export async function startServer(
  handler: LimitedHandler,
  options: LimitedListenerOptions = {},
): Promise<TestServer> {
  const logs: LimitsLogEntry[] = [];
  const all = { ...options, log: (entry: LimitsLogEntry) => logs.push(entry) };
  const server = applyServerLimits(
    createServer(nodeServerOptions(all), createLimitedListener(handler, all)),
    all,
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    logs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Echoes the method and body length: `POST 12`. */
export const echoLength: LimitedHandler = (request) => ({
  status: 200,
  headers: [['content-type', 'text/plain']],
  body: new TextEncoder().encode(`${request.method} ${request.body.byteLength}`),
});

/** A parsed raw HTTP/1.1 response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses the first response in `text`. */
export function parseRaw(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end).split('\r\n');
  const status = Number(head[0]?.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? text.length - end - 4);
  return { status, headers, body: text.slice(end + 4, end + 4 + length) };
}

/**
 * Opens a TCP connection, writes `parts` (strings or byte counts to send as `a` bytes, in
 * 64 KB pieces, waiting for the socket to drain), and resolves with everything received when
 * the server closes the connection (or `waitMs` after the last write when it does not).
 */
export function rawExchange(
  port: number,
  parts: Array<string | number>,
  waitMs = 5_000,
): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let closedByServer = false;
    let timer: NodeJS.Timeout | undefined;
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text: Buffer.concat(received).toString('latin1'), closedByServer });
    });
    socket.on('end', () => {
      closedByServer = true;
      socket.end();
    });
    const piece = Buffer.alloc(64 * 1024, 97);
    const write = async () => {
      for (const part of parts) {
        if (socket.destroyed || closedByServer) break;
        if (typeof part === 'string') {
          socket.write(part);
          continue;
        }
        let left = part;
        while (left > 0 && !socket.destroyed && !closedByServer) {
          const n = Math.min(left, piece.length);
          left -= n;
          if (!socket.write(n === piece.length ? piece : piece.subarray(0, n))) {
            await drained(socket);
          }
        }
      }
      timer = setTimeout(() => socket.destroy(), waitMs);
    };
    socket.once('connect', () => {
      write().catch(reject);
    });
  });
}

/** Resolves when `stream` drains or closes, leaving no listener behind. */
export function drained(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
