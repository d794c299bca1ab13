import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Handler } from '@gaekit/config';
import {
  type CompressOptions,
  compressResponse,
  createEdgeCache,
  createStaticFiles,
  type EdgeCache,
  type EdgeCacheOptions,
  type EdgeRequest,
  type HeaderPairs,
  type ResponseRecordLike,
  type StaticFiles,
  type StaticFilesOptions,
} from '../src/index.js';

/** The package directory. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Builds dist/ once when a test needs the package as users get it. */
export function ensureBuilt(): void {
  if (existsSync(`${packageDir}dist/index.js`)) return;
  execFileSync('pnpm', ['exec', 'tsup'], { cwd: packageDir, stdio: 'ignore' });
}

/** A browser's User-Agent (trusted with gzip by default). */
export const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
/** A User-Agent the front end does not know. */
export const UNKNOWN_UA = 'my-fetcher/1.0';

export const encoder = new TextEncoder();

/** A text body that gzips well (repeated words, a few kilobytes). */
export function textBody(words = 400): Uint8Array {
  const parts: string[] = [];
  for (let i = 0; i < words; i++) parts.push(`word${i % 37} lorem ipsum`);
  return encoder.encode(parts.join(' '));
}

/** A request record for unit tests. */
export function edgeRequest(
  headers: HeaderPairs = [],
  method = 'GET',
  url = 'https://app.example/page',
): EdgeRequest {
  return { method, url, headers };
}

/** A response record for unit tests. */
export function record(
  headers: HeaderPairs = [['Content-Type', 'text/html; charset=utf-8']],
  body: Uint8Array = textBody(),
  status = 200,
): ResponseRecordLike {
  return { status, headers, body };
}

/** A temporary directory removed by the returned function. */
export function tempDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gaekit-edge-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What the test server does for paths outside its static prefixes. */
export type TestApp = (
  request: EdgeRequest,
  path: URL,
) => ResponseRecordLike | Promise<ResponseRecordLike>;

export interface EdgeServerOptions {
  statics: StaticFilesOptions;
  /** URL prefix (`/static/`) to its handler and the directory under the root it serves. */
  handlers: Record<string, { handler: Handler; dir: string }>;
  app: TestApp;
  cache?: EdgeCacheOptions | false;
  compress?: CompressOptions;
}

export interface EdgeServer {
  port: number;
  base: string;
  cache: EdgeCache | undefined;
  statics: StaticFiles;
  close(): Promise<void>;
}

/**
 * A small front end on 127.0.0.1 made of the edge functions in the pipeline's order: cache
 * lookup, static file or app, gzip, cache store.
 */
export async function startEdgeServer(options: EdgeServerOptions): Promise<EdgeServer> {
  const statics = createStaticFiles(options.statics);
  const cache =
    options.cache === false
      ? undefined
      : createEdgeCache(options.cache ?? { maxBytes: 1 << 20, debugHeader: true });
  let base = '';
  const server = createServer(async (req, res) => {
    try {
      const headers: HeaderPairs = [];
      for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
        headers.push([req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string]);
      }
      const request: EdgeRequest = {
        method: req.method ?? 'GET',
        url: `${base}${req.url ?? '/'}`,
        headers,
      };
      const url = new URL(request.url);
      let response = cache?.lookup(request);
      if (!response) {
        let staticHandler = false;
        const prefix = Object.keys(options.handlers).find((p) => url.pathname.startsWith(p));
        if (prefix !== undefined) {
          const { handler, dir } = options.handlers[prefix] as { handler: Handler; dir: string };
          staticHandler = true;
          const rest = decodeURIComponent(url.pathname.slice(prefix.length));
          response = await statics.serve(`${dir}/${rest}`, handler, request);
        } else {
          response = await options.app(request, url);
        }
        response = await compressResponse(request, response, options.compress);
        if (cache && request.method === 'GET') cache.store(request, response, { staticHandler });
      }
      const flat: string[] = [];
      for (const [name, value] of response.headers) flat.push(name, value);
      res.writeHead(response.status, flat);
      res.end(response.body);
    } catch (error) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    port,
    base,
    cache,
    statics,
    close: () =>
      new Promise<void>((resolve) => {
        statics.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A raw HTTP answer: no decompression, every byte as sent. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends one request with node:http (which never decompresses) and reads the whole answer. */
export function send(
  base: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What curl got: status, lower-case headers of the last response, the (decoded) body and bytes on the wire. */
export interface CurlResult {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  downloaded: number;
}

/** Runs curl against the test server; `args` such as `--compressed`, `-A ua`, `-H 'x: y'`. */
export async function curl(url: string, args: string[] = []): Promise<CurlResult> {
  const { dir, remove } = tempDir();
  try {
    const headerFile = join(dir, 'headers');
    const bodyFile = join(dir, 'body');
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        'curl',
        ['-s', '-S', '-D', headerFile, '-o', bodyFile, '-w', '%{size_download}', ...args, url],
        (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      );
    });
    const lines = readFileSync(headerFile, 'latin1').split('\r\n');
    const headers: Record<string, string> = {};
    const status = Number(/^HTTP\/[\d.]+ (\d+)/.exec(lines[0] ?? '')?.[1] ?? 0);
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const body = existsSync(bodyFile) ? readFileSync(bodyFile) : Buffer.alloc(0);
    return { status, headers, body, downloaded: Number(out) };
  } finally {
    remove();
  }
}
