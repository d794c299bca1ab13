import type { HeaderPairs, ResponseRecord } from '@gaekit/scheduler';

/** Headers the front end drops from an app's response (spec §5.2). */
const DROPPED = new Set([
  'connection',
  'content-length',
  'date',
  'keep-alive',
  'proxy-authenticate',
  'server',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Statuses whose response never has a body (spec §5.1.5). */
export const NO_BODY_STATUSES = new Set([100, 101, 204, 304]);

/** How the front end rewrites dynamic responses; the unconfirmed facts are options. */
export interface ResponseRewriteOptions {
  /**
   * What `Cache-Control` a response without one gets. Production "may" set `private`
   * (spec §5.3); the development server sets `no-cache` plus a past `Expires`.
   * `false` leaves it alone.
   */
  defaultCacheControl: 'private' | 'no-cache' | false;
  /**
   * Whether an app's own `Content-Encoding` is removed (G1 docs) or passed through (what nginx
   * in front of a second-generation app does). Spec §5.2: unconfirmed for G2.
   */
  keepAppContentEncoding: boolean;
  /** The `Server` header. */
  server: string;
}

/** The result of {@link rewriteResponse}: the response and facts later stages need. */
export interface RewrittenResponse {
  response: ResponseRecord;
  /** The app set no Content-Type: `text/html` was added, and App Engine then never gzips. */
  defaultedContentType: boolean;
}

const PAST = 'Fri, 01 Jan 1990 00:00:00 GMT';

let dateSecond = -1;
let dateText = '';

/** The `Date` header for now, made once per second (formatting a date costs ~1 µs). */
export function httpDateNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function validName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126 || c === 58) return false;
  }
  return name.length > 0;
}

function validValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/**
 * Applies spec §5: drops the headers the front end owns and those with non-ASCII or
 * control characters, sets `Date`, `Server`, `Content-Length`, defaults `Content-Type` and
 * `Cache-Control`, applies the Set-Cookie rule, and drops bodies where HTTP has none. A HEAD
 * answer without a body keeps the app's own `Content-Length`.
 */
export function rewriteResponse(
  input: ResponseRecord,
  method: string,
  options: ResponseRewriteOptions,
  now?: Date,
): RewrittenResponse {
  const headers: HeaderPairs = [];
  let contentType = false;
  let cacheControl: string | undefined;
  let cacheControlIndex = -1;
  let expiresIndex = -1;
  let setCookie = false;
  /** The app's own Content-Length: what a HEAD answer without a body announces. */
  let declaredLength: string | undefined;
  for (const [name, value] of input.headers) {
    const lower = name.toLowerCase();
    if (DROPPED.has(lower)) {
      if (lower === 'content-length' && declaredLength === undefined) declaredLength = value.trim();
      continue;
    }
    if (lower === 'content-encoding' && !options.keepAppContentEncoding) continue;
    if (!validName(name) || !validValue(value)) continue;
    if (lower === 'content-type') contentType = true;
    else if (lower === 'cache-control') {
      cacheControl = cacheControl === undefined ? value : `${cacheControl}, ${value}`;
      if (cacheControlIndex >= 0) continue;
      cacheControlIndex = headers.length;
    } else if (lower === 'expires') expiresIndex = headers.length;
    else if (lower === 'set-cookie') setCookie = true;
    headers.push([name, value]);
  }
  if (cacheControlIndex >= 0 && cacheControl !== undefined) {
    headers[cacheControlIndex] = [headers[cacheControlIndex]?.[0] ?? 'Cache-Control', cacheControl];
  }
  const status = input.status;
  const noBody = NO_BODY_STATUSES.has(status);
  let defaultedContentType = false;
  if (!contentType && !noBody) {
    headers.push(['Content-Type', 'text/html']);
    defaultedContentType = true;
  }
  if (setCookie) {
    applySetCookieRule(headers, cacheControlIndex, expiresIndex, cacheControl, now ?? new Date());
  } else if (cacheControl === undefined && !noBody && options.defaultCacheControl) {
    if (options.defaultCacheControl === 'private') headers.push(['Cache-Control', 'private']);
    else {
      headers.push(['Cache-Control', 'no-cache']);
      if (expiresIndex < 0) headers.push(['Expires', PAST]);
    }
  }
  headers.push(['Date', now ? now.toUTCString() : httpDateNow()], ['Server', options.server]);
  let body = input.body;
  if (noBody) body = new Uint8Array(0);
  else if (
    method === 'HEAD' &&
    body.byteLength === 0 &&
    declaredLength !== undefined &&
    /^\d+$/.test(declaredLength)
  ) {
    // HEAD keeps Content-Length (spec §5.1.5): a static file or an app that answered HEAD
    // without a body announces the length a GET would get.
    headers.push(['Content-Length', declaredLength]);
  } else headers.push(['Content-Length', String(body.byteLength)]);
  if (method === 'HEAD') body = new Uint8Array(0);
  return { response: { status, headers, body }, defaultedContentType };
}

/**
 * Spec §5.3: with Set-Cookie, `public` goes, `private` is added unless private/no-cache/
 * no-store is there, and `Expires` becomes now unless it is already in the past.
 */
function applySetCookieRule(
  headers: HeaderPairs,
  cacheControlIndex: number,
  expiresIndex: number,
  cacheControl: string | undefined,
  now: Date,
): void {
  const directives = (cacheControl ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '' && d.toLowerCase() !== 'public');
  const lower = directives.map((d) => d.toLowerCase().split('=')[0]);
  if (!lower.includes('private') && !lower.includes('no-cache') && !lower.includes('no-store')) {
    directives.push('private');
  }
  const value = directives.join(', ');
  if (cacheControlIndex >= 0) headers[cacheControlIndex] = ['Cache-Control', value];
  else headers.push(['Cache-Control', value]);
  const expires = expiresIndex >= 0 ? headers[expiresIndex]?.[1] : undefined;
  const when = expires === undefined ? Number.NaN : Date.parse(expires);
  if (!(when < now.getTime())) {
    if (expiresIndex >= 0) headers[expiresIndex] = ['Expires', now.toUTCString()];
    else headers.push(['Expires', now.toUTCString()]);
  }
}
