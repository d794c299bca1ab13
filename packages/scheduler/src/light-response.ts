import type { HeaderPairs } from './types.js';

type BodyInitLike = ConstructorParameters<typeof Response>[0];
type HeadersInitLike = NonNullable<ResponseInit['headers']>;

/**
 * A `Response` that only becomes Node's (undici's) `Response` when someone needs one. Making
 * an undici `Response` from a string builds a `ReadableStream`, its controller and a
 * `Headers` list: about 4 KB and several microseconds per response, which the instance then
 * reads straight back into bytes. Most handlers only construct the response and return it,
 * so an instance installs this class as the global `Response` and reads status, headers
 * and body from it directly ({@link lightResponseParts}). The same technique as
 * @hono/node-server's (which does not export its class).
 *
 * Anything beyond the common case — a stream, Blob or form body, a status that cannot carry
 * a body, a `statusText`, header names or values undici would refuse — makes the real
 * `Response` at once, so errors are thrown where undici throws them. Reading `body`, a body
 * method, `clone()`, `type` or the like makes it on first use; reading `headers` makes a
 * live `Headers` the app may change.
 */
/** Node's own `Response`, as it was when this module loaded. */
export const NativeResponse: typeof Response = globalThis.Response;

const native = Symbol('gaekit.nativeResponse');
const parts = Symbol('gaekit.responseParts');

/** What a light response holds until it is made real. */
interface Parts {
  status: number;
  body: string | Uint8Array | ArrayBuffer | null;
  /** Normalised pairs, or the live `Headers` once `headers` was read. */
  headers: HeaderPairs | Headers;
  init: ResponseInit | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// undici refuses NUL, CR, LF, and anything beyond Latin-1 (not a ByteString).
const BAD_VALUE = /[\0\r\n\u0100-\uffff]/;
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
const TEXT_PLAIN = 'text/plain;charset=UTF-8';

function isHttpWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Leading and trailing tabs, spaces, CR and LF removed, as undici normalises values. */
function trimHttpWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/** Header init as undici would store it (lower-case names, trimmed values), or undefined to let undici decide. */
function normalise(init: HeadersInitLike | undefined, text: boolean): HeaderPairs | undefined {
  const pairs: HeaderPairs = [];
  let contentType = false;
  const add = (name: unknown, value: unknown): boolean => {
    if (typeof name !== 'string' || !TOKEN.test(name)) return false;
    const text = trimHttpWhitespace(typeof value === 'string' ? value : String(value));
    if (BAD_VALUE.test(text)) return false;
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = true;
    pairs.push([lower, text]);
    return true;
  };
  if (init !== undefined && init !== null) {
    if (Array.isArray(init)) {
      for (const pair of init) {
        if (!Array.isArray(pair) || pair.length !== 2 || !add(pair[0], pair[1])) return undefined;
      }
    } else if (Object.getPrototypeOf(init) === Object.prototype) {
      for (const name of Object.keys(init)) {
        if (!add(name, (init as Record<string, unknown>)[name])) return undefined;
      }
    } else {
      return undefined;
    }
  }
  if (text && !contentType) pairs.push(['content-type', TEXT_PLAIN]);
  return sortAndCombine(pairs);
}

/** Undici's iteration order: names sorted, repeats joined with ", ", every Set-Cookie last. */
function sortAndCombine(pairs: HeaderPairs): HeaderPairs {
  if (pairs.length < 2) return pairs;
  const cookies: HeaderPairs = [];
  const rest: HeaderPairs = [];
  for (const pair of pairs) (pair[0] === 'set-cookie' ? cookies : rest).push(pair);
  rest.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const combined: HeaderPairs = [];
  for (const pair of rest) {
    const last = combined[combined.length - 1];
    if (last && last[0] === pair[0]) last[1] = `${last[1]}, ${pair[1]}`;
    else combined.push([pair[0], pair[1]]);
  }
  return [...combined, ...cookies];
}

/** A `Response` made real only when needed; see the module comment. */
export class LightResponse {
  /** Set when the real response exists. */
  [native]: Response | undefined;
  /** Set while the response is light. */
  [parts]: Parts | undefined;

  constructor(body?: BodyInitLike, init?: ResponseInit) {
    const status = init?.status ?? 200;
    const simpleBody =
      body === undefined ||
      body === null ||
      typeof body === 'string' ||
      body instanceof Uint8Array ||
      body instanceof ArrayBuffer;
    const simpleInit =
      init === undefined ||
      (init !== null &&
        typeof init === 'object' &&
        (init.statusText === undefined || init.statusText === '') &&
        Number.isInteger(status) &&
        status >= 200 &&
        status <= 599 &&
        !(NULL_BODY_STATUS.has(status) && body !== undefined && body !== null));
    const headers =
      simpleBody && simpleInit ? normalise(init?.headers, typeof body === 'string') : undefined;
    if (headers === undefined) {
      this[native] = new NativeResponse(body, init);
      return;
    }
    // Copied now, as undici does: the app may reuse its buffer for the next response.
    let kept = (body ?? null) as Parts['body'];
    if (kept instanceof Uint8Array) kept = Uint8Array.prototype.slice.call(kept);
    else if (kept instanceof ArrayBuffer) kept = kept.slice(0);
    this[parts] = {
      status,
      body: kept,
      headers,
      init,
    };
  }

  get status(): number {
    return this[parts]?.status ?? realResponse(this).status;
  }

  get ok(): boolean {
    const status = this.status;
    return status >= 200 && status < 300;
  }

  get headers(): Headers {
    const light = this[parts];
    if (light) {
      if (!(light.headers instanceof Headers)) light.headers = new Headers(light.headers);
      return light.headers;
    }
    return realResponse(this).headers;
  }
}

function realResponse(response: LightResponse): Response {
  const made = response[native];
  if (made) return made;
  const light = response[parts] as Parts;
  response[parts] = undefined;
  const real = new NativeResponse(light.body, { status: light.status, headers: light.headers });
  response[native] = real;
  return real;
}

for (const key of ['body', 'bodyUsed', 'redirected', 'statusText', 'type', 'url'] as const) {
  Object.defineProperty(LightResponse.prototype, key, {
    configurable: true,
    enumerable: true,
    get(this: LightResponse) {
      return realResponse(this)[key];
    },
  });
}
for (const key of ['arrayBuffer', 'blob', 'bytes', 'clone', 'formData', 'json', 'text'] as const) {
  Object.defineProperty(LightResponse.prototype, key, {
    configurable: true,
    writable: true,
    value(this: LightResponse) {
      const real = realResponse(this) as unknown as Record<string, () => unknown>;
      return (real[key] as () => unknown).call(real);
    },
  });
}
// Any Response is a Response, light or not; a subclass only claims its own instances.
Object.defineProperty(LightResponse, Symbol.hasInstance, {
  value(this: unknown, instance: unknown): boolean {
    const own = Function.prototype[Symbol.hasInstance].call(this, instance);
    return this === LightResponse ? own || instance instanceof NativeResponse : own;
  },
});
Object.setPrototypeOf(LightResponse, NativeResponse);
Object.setPrototypeOf(LightResponse.prototype, NativeResponse.prototype);

const encoder = new TextEncoder();

/**
 * Status, header pairs (as undici would list them) and body bytes of a response that is
 * still light, without making the real one; `undefined` for any other response (read it
 * the usual way then). With `transferable`, the body owns its whole `ArrayBuffer` (a worker
 * can transfer it); otherwise a short text body may share node's buffer pool, which is
 * faster to make.
 */
export function lightResponseParts(
  response: unknown,
  transferable = false,
): { status: number; headers: HeaderPairs; body: Uint8Array } | undefined {
  if (typeof response !== 'object' || response === null || !(parts in response)) return undefined;
  const light = (response as LightResponse)[parts];
  if (!light) return undefined;
  let headers: HeaderPairs;
  if (light.headers instanceof Headers) {
    headers = [];
    for (const [name, value] of light.headers)
      if (name !== 'set-cookie') headers.push([name, value]);
    for (const cookie of light.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  } else {
    headers = light.headers;
  }
  const { body } = light;
  let bytes: Uint8Array;
  if (body === null) bytes = new Uint8Array(0);
  else if (typeof body === 'string')
    bytes = transferable ? encoder.encode(body) : Buffer.from(body);
  // The constructor's own copy: nobody else holds it.
  else if (body instanceof Uint8Array) bytes = body;
  else bytes = new Uint8Array(body);
  return { status: light.status, headers, body: bytes };
}

let installed = 0;
let previous: typeof Response | undefined;

/**
 * Makes {@link LightResponse} the global `Response` (counted: the last `release()` puts the
 * previous one back). Returns the release function.
 */
export function installLightResponse(): () => void {
  if (installed === 0) {
    previous = globalThis.Response;
    Object.defineProperty(globalThis, 'Response', {
      configurable: true,
      writable: true,
      value: LightResponse,
    });
  }
  installed++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    installed--;
    if (installed === 0 && previous) {
      Object.defineProperty(globalThis, 'Response', {
        configurable: true,
        writable: true,
        value: previous,
      });
    }
  };
}
