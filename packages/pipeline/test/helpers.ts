import { request as httpRequest } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pipeline } from '../src/index.js';

export const fixtureApp = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'app');

/** A response as the client saw it: raw body bytes (never decompressed). */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: Buffer;
  text: string;
}

/** What a test sends. */
export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Host header (and in-process URL host). @default "localhost" */
  host?: string;
}

/** Sends a request through one transport. */
export type Send = (path: string, init?: SendInit) => Promise<RawResponse>;

function raw(status: number, headers: Headers, body: Buffer): RawResponse {
  return { status, headers, body, text: body.toString('utf8') };
}

/**
 * In-process: `pipeline.fetch(new Request(...))`. A Web Request cannot carry a path that WHATWG
 * URL rewrites (dot segments, `%2e%2e`), so such paths go through `pipeline.handle` as sent.
 */
export function inProcess(pipeline: Pipeline): Send {
  return async (path, init = {}) => {
    const host = init.host ?? 'localhost';
    const parsed = new URL(`http://${host}${path}`);
    if (parsed.pathname + parsed.search !== path) {
      const response = await pipeline.handle({
        method: init.method ?? 'GET',
        url: path,
        headers: [['host', host], ...Object.entries(init.headers ?? {})],
        body:
          typeof init.body === 'string'
            ? new TextEncoder().encode(init.body)
            : (init.body ?? new Uint8Array(0)),
      });
      const headers = new Headers();
      for (const [name, value] of response.headers) headers.append(name, value);
      return raw(response.status, headers, Buffer.from(response.body));
    }
    const response = await pipeline.fetch(
      new Request(`http://${host}${path}`, {
        method: init.method ?? 'GET',
        headers: init.headers,
        body: init.body,
      }),
    );
    return raw(response.status, response.headers, Buffer.from(await response.arrayBuffer()));
  };
}

/** Over a socket: node:http to `pipeline.listen()` (no automatic decompression or headers). */
export function overSocket(port: number): Send {
  return (path, init = {}) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: init.method ?? 'GET',
          headers: { host: init.host ?? 'localhost', ...init.headers },
          agent: false,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              headers.append(res.rawHeaders[i] ?? '', res.rawHeaders[i + 1] ?? '');
            }
            resolve(raw(res.statusCode ?? 0, headers, Buffer.concat(chunks)));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(init.body);
    });
}

/** A browser-like User-Agent: the front end trusts it to handle gzip. */
export const BROWSER = {
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
};
