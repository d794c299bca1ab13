import type { HeaderPairs, RequestRecord, ResponseRecord } from './types.js';

/** Something that answers a Web `Request`: a function or an object with `fetch` (a Hono app). */
export type FetchHandler =
  | ((request: Request) => Response | Promise<Response>)
  | { fetch(request: Request, ...rest: never[]): Response | Promise<Response> };

type Fetch = (request: Request) => Response | Promise<Response>;

/** Finds the fetch function in a handler or a module namespace (`default`, `default.fetch`, `fetch`). */
export function toFetch(value: unknown, where: string): Fetch {
  const candidates = [value, (value as { default?: unknown } | null)?.default];
  for (const candidate of candidates) {
    if (typeof candidate === 'function') return candidate as Fetch;
    const fetch = (candidate as { fetch?: unknown } | null | undefined)?.fetch;
    if (typeof fetch === 'function') return (request) => fetch.call(candidate, request);
  }
  throw new TypeError(
    `${where} exports no fetch handler: export default a function (request) => Response, or an object with a fetch method (such as a Hono app).`,
  );
}

/** Makes the record's URL absolute, using the Host header for a bare path. */
export function absoluteUrl(request: RequestRecord): string {
  if (/^https?:\/\//i.test(request.url)) return request.url;
  const host = request.headers.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost';
  return `http://${host}${request.url.startsWith('/') ? '' : '/'}${request.url}`;
}

/**
 * Web `Request` for a record. `signal` may be a function: the request's `signal` is then made
 * on first read (most handlers never read it, and an `AbortSignal` is costly to create).
 */
export function toWebRequest(
  request: RequestRecord,
  signal: AbortSignal | (() => AbortSignal),
): Request {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const init: RequestInit = {
    method: request.method,
    body: hasBody && request.body.byteLength > 0 ? request.body : null,
  };
  if (typeof signal !== 'function') init.signal = signal;
  let web: Request;
  try {
    web = new Request(absoluteUrl(request), { ...init, headers: request.headers });
  } catch {
    // A header the Fetch API refuses (e.g. an invalid value) is left out, not fatal.
    const headers = new Headers();
    for (const [name, value] of request.headers) {
      try {
        headers.append(name, value);
      } catch {}
    }
    web = new Request(absoluteUrl(request), { ...init, headers });
  }
  if (typeof signal === 'function') {
    let made: AbortSignal | undefined;
    Object.defineProperty(web, 'signal', {
      configurable: true,
      enumerable: true,
      get: () => {
        made ??= signal();
        return made;
      },
    });
  }
  return web;
}

/** Header pairs of a Web `Headers`, keeping every `Set-Cookie`. */
export function headerPairs(headers: Headers): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (const [name, value] of headers) {
    if (name === 'set-cookie') continue;
    pairs.push([name, value]);
  }
  for (const cookie of headers.getSetCookie()) pairs.push(['set-cookie', cookie]);
  return pairs;
}

/**
 * Node's `Response` (undici) keeps the body it was made from in an internal state under
 * `Symbol(state)`. Reading a string or bytes from there skips the ReadableStream that
 * `arrayBuffer()` goes through, half the cost of a small response; @hono/node-server reads
 * it the same way. Where the state is not found (another undici, a polyfill) or holds
 * anything else (a stream, a Blob), `arrayBuffer()` is used.
 */
const stateKey = Reflect.ownKeys(new Response()).find(
  (key): key is symbol => typeof key === 'symbol' && key.description === 'state',
);
const encoder = new TextEncoder();

function bufferedBody(response: Response): Uint8Array | undefined {
  if (!stateKey || response.bodyUsed) return undefined;
  const state = (response as unknown as Record<symbol, unknown>)[stateKey] as
    | { body?: { source?: unknown } | null }
    | undefined;
  if (!state || !('body' in state)) return undefined;
  if (state.body === null) return new Uint8Array();
  const source = state.body?.source;
  if (typeof source === 'string') return encoder.encode(source);
  // Copies: the app may answer with the same bytes again, and a worker transfers them.
  if (source instanceof Uint8Array) return source.slice();
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  return undefined;
}

/** Buffers a Web `Response` into a record. */
export async function toRecord(response: Response): Promise<ResponseRecord> {
  const body = bufferedBody(response) ?? new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: headerPairs(response.headers), body };
}

/** Runs a fetch function on a record and buffers what it answers. */
export async function runFetch(
  fetch: Fetch,
  request: RequestRecord,
  signal: AbortSignal | (() => AbortSignal),
): Promise<ResponseRecord> {
  const response = await fetch(toWebRequest(request, signal));
  if (typeof (response as Response | undefined)?.arrayBuffer !== 'function') {
    throw new TypeError(`the fetch handler returned ${typeof response}, not a Response`);
  }
  return toRecord(response);
}
