import { lightResponseParts, NativeResponse } from './light-response.js';
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

/** `new Request(...)` for a record, leaving out headers the Fetch API refuses. */
function realRequest(
  request: RequestRecord,
  url: string,
  headers: Headers | undefined,
  signal: AbortSignal | undefined,
): Request {
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  const init: RequestInit = {
    method: request.method,
    body: hasBody && request.body.byteLength > 0 ? request.body : null,
  };
  if (signal) init.signal = signal;
  try {
    return new Request(url, { ...init, headers: headers ?? request.headers });
  } catch {
    // A header the Fetch API refuses (e.g. an invalid value) is left out, not fatal.
    return new Request(url, { ...init, headers: lenientHeaders(request.headers) });
  }
}

function lenientHeaders(pairs: HeaderPairs, Made: typeof Headers = Headers): Headers {
  try {
    return new Made(pairs);
  } catch {
    const headers = new Made();
    for (const [name, value] of pairs) {
      try {
        headers.append(name, value);
      } catch {}
    }
    return headers;
  }
}

/*
 * A lazy Request: what `new Request(...)` costs (undici parses the URL, fills a Headers,
 * makes an AbortController and a body stream; about 8 µs, more than the rest of a small
 * request) is only paid when the app uses more than the method, URL, headers and signal,
 * as @hono/node-server does. It is `instanceof Request` (its prototype inherits
 * Request.prototype), every other property and method is answered by a real Request made
 * on first use, and undici's own internal fields are forwarded too, so `new Request(lazy)`
 * and `fetch(lazy)` work as with a real one. Unlike @hono/node-server, no global is replaced.
 */
const RECORD = Symbol('record');
const URL_ = Symbol('url');
const HEADERS = Symbol('headers');
const SIGNAL = Symbol('signal');
const REAL = Symbol('real');

interface Lazy {
  [RECORD]: RequestRecord;
  [URL_]: string;
  [HEADERS]: Headers | undefined;
  [SIGNAL]: AbortSignal | (() => AbortSignal);
  [REAL]: Request | undefined;
}

function real(lazy: Lazy): Request {
  if (!lazy[REAL]) {
    // A signal the app has read already is the real one's too (its clones follow it).
    const signal = lazy[SIGNAL];
    lazy[REAL] = realRequest(
      lazy[RECORD],
      lazy[URL_],
      lazy[HEADERS],
      typeof signal === 'function' ? undefined : signal,
    );
  }
  return lazy[REAL];
}

function signalOf(lazy: Lazy): AbortSignal {
  const signal = lazy[SIGNAL];
  if (typeof signal !== 'function') return signal;
  const made = signal();
  lazy[SIGNAL] = made;
  return made;
}

/**
 * The Headers a lazy Request hands out before its real Request exists. undici copies the
 * headers into a Request it makes, so edits made here once it exists are made on its headers
 * too: clones and copies see them, as with a real Request.
 */
class LazyHeaders extends Headers {}
/** The lazy Request each LazyHeaders belongs to (kept off the object: no own property shows). */
const headersOwner = new WeakMap<Headers, Lazy>();
for (const name of ['set', 'append', 'delete'] as const) {
  const edit = Headers.prototype[name] as (this: Headers, ...args: string[]) => void;
  // Named, writable and configurable, as Headers' own methods are.
  const mirrored = {
    [name](this: Headers, ...args: string[]): void {
      edit.apply(this, args);
      const made = headersOwner.get(this)?.[REAL];
      if (made) edit.apply(made.headers, args);
    },
  }[name];
  Object.defineProperty(LazyHeaders.prototype, name, {
    value: mirrored,
    writable: true,
    configurable: true,
  });
}

const lazyPrototype: object = Object.create(Request.prototype, {
  method: {
    get(this: Lazy) {
      return this[RECORD].method;
    },
  },
  url: {
    get(this: Lazy) {
      return this[URL_];
    },
  },
  headers: {
    get(this: Lazy) {
      // Once made, the real Request's own Headers serve, so both show the same fields.
      if (this[HEADERS]) return this[HEADERS];
      if (this[REAL]) {
        this[HEADERS] = this[REAL].headers;
      } else {
        const headers = lenientHeaders(this[RECORD].headers, LazyHeaders);
        headersOwner.set(headers, this);
        this[HEADERS] = headers;
      }
      return this[HEADERS];
    },
  },
  signal: {
    get(this: Lazy) {
      return signalOf(this);
    },
  },
});

// Everything else of Request.prototype (body, clone(), text(), ...) goes to the real Request.
for (const key of Reflect.ownKeys(Request.prototype)) {
  if (key === 'constructor' || key === Symbol.toStringTag || Object.hasOwn(lazyPrototype, key)) {
    continue;
  }
  const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, key);
  if (!descriptor) continue;
  if (descriptor.get) {
    Object.defineProperty(lazyPrototype, key, {
      get(this: Lazy) {
        return Reflect.get(Request.prototype, key, real(this));
      },
    });
  } else if (typeof descriptor.value === 'function') {
    const method = descriptor.value as (...args: unknown[]) => unknown;
    Object.defineProperty(lazyPrototype, key, {
      value(this: Lazy, ...args: unknown[]) {
        return method.apply(real(this), args);
      },
    });
  }
}

// undici reads its internal fields straight from a Request it is given (`new Request(r)`,
// `fetch(r)`): forward them, the signal being the deadline's.
for (const key of Reflect.ownKeys(new Request('http://localhost/'))) {
  if (typeof key !== 'symbol' || Object.hasOwn(lazyPrototype, key)) continue;
  Object.defineProperty(lazyPrototype, key, {
    get(this: Lazy) {
      if (key.description === 'signal') return signalOf(this);
      return (real(this) as unknown as Record<symbol, unknown>)[key];
    },
  });
}

/** Methods `new Request` keeps as they are; any other goes through the real constructor. */
const PLAIN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The URL `new Request` would show for a record (Node's URL parser is cheap), or undefined when it would throw. */
function requestUrl(request: RequestRecord): string | undefined {
  try {
    return new URL(absoluteUrl(request)).href;
  } catch {
    return undefined;
  }
}

/**
 * Web `Request` for a record. `signal` may be a function: the request's `signal` is then made
 * on first read (most handlers never read it, and an `AbortSignal` is costly to create). The
 * Request is made on first use of anything but its method, URL, headers and signal.
 */
export function toWebRequest(
  request: RequestRecord,
  signal: AbortSignal | (() => AbortSignal),
): Request {
  const url = LAZY_WORKS && PLAIN_METHODS.has(request.method) ? requestUrl(request) : undefined;
  if (url === undefined) {
    // An unusual method or URL, or an undici that cannot take a lazy Request: the real
    // constructor normalises it, or throws as it should. Its signal is the deadline's own, so
    // `new Request(request)` and `fetch(request)` follow the deadline too.
    return realRequest(
      request,
      absoluteUrl(request),
      undefined,
      typeof signal === 'function' ? signal() : signal,
    );
  }
  const lazy = Object.create(lazyPrototype) as Lazy;
  lazy[RECORD] = request;
  lazy[URL_] = url;
  lazy[HEADERS] = undefined;
  lazy[SIGNAL] = signal;
  lazy[REAL] = undefined;
  return lazy as unknown as Request;
}

/**
 * Whether this Node's undici takes a lazy Request as a real one. It reads its own fields
 * through symbols in Node 20 and 22, which the lazy prototype forwards; Node 24's undici
 * keeps them in `#private` fields, so `new Request(lazy)` and `fetch(lazy)` would throw.
 * There every request is a real one.
 */
export const LAZY_WORKS = (() => {
  try {
    const lazy = Object.create(lazyPrototype) as Lazy;
    lazy[RECORD] = {
      method: 'POST',
      url: '/',
      headers: [['x-probe', '1']],
      body: new Uint8Array(1),
    };
    lazy[URL_] = 'http://localhost/';
    lazy[HEADERS] = undefined;
    lazy[SIGNAL] = new AbortController().signal;
    lazy[REAL] = undefined;
    const copy = new Request(lazy as unknown as Request);
    return copy.headers.get('x-probe') === '1' && copy.method === 'POST';
  } catch {
    return false;
  }
})();

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
const stateKey = Reflect.ownKeys(new NativeResponse()).find(
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
  // (Uint8Array's slice, also for a Buffer, whose own slice is a view.)
  if (source instanceof Uint8Array) return Uint8Array.prototype.slice.call(source);
  if (source instanceof ArrayBuffer) return new Uint8Array(source.slice(0));
  return undefined;
}

/** The record of a Web `Response` whose body is at hand (no stream to read), else undefined. */
export function toRecordNow(response: Response): ResponseRecord | undefined {
  const light = lightResponseParts(response);
  if (light) return light;
  const body = bufferedBody(response);
  if (!body) return undefined;
  return { status: response.status, headers: headerPairs(response.headers), body };
}

/** Buffers a Web `Response` into a record. */
export async function toRecord(response: Response): Promise<ResponseRecord> {
  const now = toRecordNow(response);
  if (now) return now;
  const body = new Uint8Array(await response.arrayBuffer());
  return { status: response.status, headers: headerPairs(response.headers), body };
}

function checkedRecord(response: unknown): ResponseRecord | Promise<ResponseRecord> {
  if (typeof (response as Response | undefined)?.arrayBuffer !== 'function') {
    throw new TypeError(`the fetch handler returned ${typeof response}, not a Response`);
  }
  return toRecordNow(response as Response) ?? toRecord(response as Response);
}

/**
 * Runs a fetch function on a record and buffers what it answers: in the same tick when the
 * handler returns a `Response` (not a promise) whose body is at hand, since every promise
 * costs more while the request logs' AsyncLocalStorage is active. Throws what the handler
 * throws synchronously.
 */
export function runFetchNow(
  fetch: Fetch,
  request: RequestRecord,
  signal: AbortSignal | (() => AbortSignal),
): ResponseRecord | Promise<ResponseRecord> {
  const response: unknown = fetch(toWebRequest(request, signal));
  if (typeof (response as PromiseLike<unknown> | undefined)?.then === 'function') {
    return Promise.resolve(response).then(checkedRecord);
  }
  return checkedRecord(response);
}

/** Runs a fetch function on a record and buffers what it answers. */
export async function runFetch(
  fetch: Fetch,
  request: RequestRecord,
  signal: AbortSignal | (() => AbortSignal),
): Promise<ResponseRecord> {
  return runFetchNow(fetch, request, signal);
}
