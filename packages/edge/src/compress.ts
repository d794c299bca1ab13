import { gzip, gzipSync } from 'node:zlib';
import mimeDb from 'mime-db';
import { parseCacheControl } from './cache-control.js';
import { getList, same, setHeader, splitList } from './headers.js';
import type { EdgeRequest, HeaderPairs, ResponseRecordLike } from './records.js';

/**
 * Which clients the front end trusts with gzip, judged from `User-Agent` (spec §7.1, §7.2;
 * Google's list is not public):
 *
 * - `'browsers'`: a `User-Agent` that contains `gzip` (what Google's API docs tell non-browser
 *   clients to do) or looks like a browser (`Mozilla/…`, `Opera/…`), except Netscape
 *   4.06–4.08 and Internet Explorer up to 5, the clients known to mishandle gzip. Command-line
 *   tools and HTTP libraries with their own `User-Agent` (curl, okhttp, python-requests) get
 *   uncompressed responses, as reported against App Engine.
 * - `'any'`: every client that accepts gzip, with or without a `User-Agent`.
 * - a function: your own rule; it gets the `User-Agent` (or `undefined`).
 */
export type TrustedUserAgents = 'browsers' | 'any' | ((userAgent: string | undefined) => boolean);

/** Options of {@link shouldCompress} and {@link compressResponse}. */
export interface CompressOptions {
  /**
   * Which `User-Agent`s get gzip (see {@link TrustedUserAgents}). A client that sends both
   * `Accept-Encoding: gzip` and `User-Agent: gzip` always does.
   * @default 'browsers'
   */
  userAgents?: TrustedUserAgents;
  /**
   * Whether a media type (lower case, no parameters) is compressed. The default takes every
   * type mime-db marks `compressible`, plus `text/*`, `*+json` and `*+xml`, except
   * `application/octet-stream` (unknown bytes, usually already compressed).
   * @default isCompressibleType
   */
  compressible?: (mediaType: string) => boolean;
  /**
   * Smallest body that is compressed, in bytes. App Engine documents none.
   * @default 1
   */
  minBytes?: number;
  /**
   * zlib level, 1 (fastest) to 9 (smallest). 6 was chosen by measurement: see the README.
   * @default 6
   */
  level?: number;
  /**
   * Add `Vary: Accept-Encoding` to compressed responses. App Engine does not, which is why
   * its cache can hand gzip to a client that did not ask for it; turn this on when another
   * cache sits in front.
   * @default false
   */
  vary?: boolean;
}

/** What {@link shouldCompress} decided, with the reason when not. */
export type CompressDecision = { compress: true } | { compress: false; reason: string };

// The frequent answers, made once (decisions are read, never changed).
const HEAD_REQUEST: CompressDecision = Object.freeze({ compress: false, reason: 'HEAD request' });
const NOT_ACCEPTED: CompressDecision = Object.freeze({
  compress: false,
  reason: 'client does not accept gzip',
});
const NOT_TRUSTED: CompressDecision = Object.freeze({
  compress: false,
  reason: 'User-Agent not trusted with gzip',
});
const COMPRESS: CompressDecision = Object.freeze({ compress: true });

/** The default level: see the README for the measurement. */
const DEFAULT_LEVEL = 6;

/** Bodies at or below this size are compressed synchronously: cheaper than a thread hop. */
const SYNC_LIMIT = 8 * 1024;

/** The text types spec §7.1 names, beyond what mime-db marks compressible. */
function specTextType(mediaType: string): boolean {
  return (
    mediaType.startsWith('text/') ||
    mediaType.endsWith('+json') ||
    mediaType.endsWith('+xml') ||
    mediaType === 'application/javascript' ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml'
  );
}

const compressibleCache = new Map<string, boolean>();

/**
 * The default compressible rule: mime-db's `compressible` flag, or a text type of spec §7.1;
 * never `application/octet-stream`.
 */
export function isCompressibleType(mediaType: string): boolean {
  const known = compressibleCache.get(mediaType);
  if (known !== undefined) return known;
  const entry = (mimeDb as Record<string, { compressible?: boolean } | undefined>)[mediaType];
  const result =
    mediaType !== 'application/octet-stream' &&
    entry?.compressible !== false &&
    (entry?.compressible === true || specTextType(mediaType));
  if (compressibleCache.size < 1000) compressibleCache.set(mediaType, result);
  return result;
}

/** Browsers (and what claims to be one), minus the old ones known to mishandle gzip. */
function trustedBrowser(userAgent: string): boolean {
  const known = browserCache.get(userAgent);
  if (known !== undefined) return known;
  const result = judgeUserAgent(userAgent);
  remember(browserCache, userAgent, result);
  return result;
}

/** The `'browsers'` rule itself (see {@link TrustedUserAgents}). */
function judgeUserAgent(userAgent: string): boolean {
  if (/gzip/i.test(userAgent)) return true;
  if (!/^(Mozilla|Opera)\//.test(userAgent)) return false;
  // Netscape 4.06–4.08 and MSIE 1–5: the classic "broken gzip" list (Apache mod_deflate docs).
  if (/^Mozilla\/4\.0[678]/.test(userAgent) && !/MSIE/.test(userAgent)) return false;
  if (/MSIE [1-5]\./.test(userAgent)) return false;
  return true;
}

/**
 * Whether `Accept-Encoding` accepts gzip: `gzip` (or `x-gzip`) with a q-value above 0, or
 * else `*` with a q-value above 0. An explicit `gzip;q=0` refuses even when `*` would allow.
 */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (acceptEncoding === undefined) return false;
  const known = acceptCache.get(acceptEncoding);
  if (known !== undefined) return known;
  const result = parseAcceptsGzip(acceptEncoding);
  remember(acceptCache, acceptEncoding, result);
  return result;
}

/** Clients send the same few header values again and again: decisions are kept per value. */
const acceptCache = new Map<string, boolean>();
const browserCache = new Map<string, boolean>();

function remember(cache: Map<string, boolean>, key: string, value: boolean): void {
  // Bounded: a client sending ever-new values only costs a re-parse.
  if (cache.size >= 1000) cache.clear();
  cache.set(key, value);
}

function parseAcceptsGzip(acceptEncoding: string): boolean {
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const item of splitList(acceptEncoding)) {
    const [coding = '', ...params] = item.split(';');
    const name = coding.trim().toLowerCase();
    let q = 1;
    for (const param of params) {
      const match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(param);
      if (match) q = Number(match[1]);
    }
    if (Number.isNaN(q)) q = 0;
    if (name === 'gzip' || name === 'x-gzip') gzipQ = Math.max(gzipQ ?? 0, q);
    else if (name === '*') anyQ = q;
  }
  if (gzipQ !== undefined) return gzipQ > 0;
  return anyQ !== undefined && anyQ > 0;
}

/** Whether a header value is exactly `gzip` (case and surrounding spaces ignored). */
function isGzipToken(value: string | undefined): boolean {
  // The length check spares lowercasing long values such as a browser's User-Agent.
  return (
    value !== undefined &&
    value.length >= 4 &&
    value.length <= 16 &&
    value.trim().toLowerCase() === 'gzip'
  );
}

const mediaTypes = new Map<string, string>();

/** `text/html` of `Text/HTML; charset=utf-8`, kept per header value. */
function mediaTypeOf(contentType: string): string {
  let type = mediaTypes.get(contentType);
  if (type === undefined) {
    type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
    if (mediaTypes.size >= 1000) mediaTypes.clear();
    mediaTypes.set(contentType, type);
  }
  return type;
}

/** The response fields the decision reads, found in one pass. */
function responseFields(headers: HeaderPairs): {
  encoding: string | undefined;
  range: boolean;
  cacheControl: string | undefined;
  contentType: string | undefined;
} {
  let encoding: string | undefined;
  let range = false;
  let cacheControl: string | undefined;
  let contentType: string | undefined;
  for (const [name, value] of headers) {
    // Only names of these lengths can match: most fields skip the lowercasing.
    const length = name.length;
    if (length !== 12 && length !== 13 && length !== 16) continue;
    if (same(name, 'content-encoding')) encoding ??= value;
    else if (same(name, 'content-range')) range = true;
    else if (same(name, 'cache-control'))
      cacheControl = cacheControl === undefined ? value : `${cacheControl}, ${value}`;
    else if (same(name, 'content-type')) contentType ??= value;
  }
  return { encoding, range, cacheControl, contentType };
}

/** The last request-side answer: clients send the same two values again and again. */
let lastAcceptEncoding: string | undefined;
let lastUserAgent: string | undefined;
let lastRule: TrustedUserAgents | undefined;
let lastAnswer: CompressDecision | undefined;

/**
 * The request's half of {@link shouldCompress}: a refusal, or `undefined` when the response
 * decides. One pass over the request's fields; no work beyond it for a client without
 * `Accept-Encoding`, and none for the same two values as last time.
 */
function requestRefusal(
  request: EdgeRequest,
  options: CompressOptions,
): CompressDecision | undefined {
  if (request.method !== 'GET' && request.method.toUpperCase() === 'HEAD') return HEAD_REQUEST;
  let acceptEncoding: string | undefined;
  let userAgent: string | undefined;
  for (const pair of request.headers) {
    const name = pair[0];
    // Only names of these lengths can match: most fields cost a length check.
    if (name.length === 15) {
      if (same(name, 'accept-encoding')) {
        acceptEncoding = acceptEncoding === undefined ? pair[1] : `${acceptEncoding}, ${pair[1]}`;
      }
    } else if (name.length === 10 && userAgent === undefined && same(name, 'user-agent')) {
      userAgent = pair[1];
    }
  }
  if (acceptEncoding === undefined) return NOT_ACCEPTED;
  const rule = options.userAgents ?? 'browsers';
  // A function rule is asked every time: it may depend on more than its argument.
  const memo = typeof rule !== 'function';
  if (
    memo &&
    lastAnswer !== undefined &&
    acceptEncoding === lastAcceptEncoding &&
    userAgent === lastUserAgent &&
    rule === lastRule
  ) {
    return lastAnswer === COMPRESS ? undefined : lastAnswer;
  }
  const answer = judgeRequest(acceptEncoding, userAgent, rule);
  if (memo) {
    lastAcceptEncoding = acceptEncoding;
    lastUserAgent = userAgent;
    lastRule = rule;
    lastAnswer = answer;
  }
  return answer === COMPRESS ? undefined : answer;
}

function judgeRequest(
  acceptEncoding: string,
  userAgent: string | undefined,
  rule: TrustedUserAgents,
): CompressDecision {
  if (!acceptsGzip(acceptEncoding)) return NOT_ACCEPTED;
  if (isGzipToken(acceptEncoding) && isGzipToken(userAgent)) return COMPRESS;
  const trusted =
    rule === 'any'
      ? true
      : rule === 'browsers'
        ? userAgent !== undefined && trustedBrowser(userAgent)
        : rule(userAgent);
  return trusted ? COMPRESS : NOT_TRUSTED;
}

/** The response's half of {@link shouldCompress}, once the request allows gzip. */
function responseDecision(
  response: ResponseRecordLike,
  options: CompressOptions,
): CompressDecision {
  const { status } = response;
  if (status < 200 || status === 204 || status === 304) {
    return { compress: false, reason: `status ${status} has no body` };
  }
  if (response.body.byteLength === 0) return { compress: false, reason: 'empty body' };
  const { encoding, range, cacheControl, contentType } = responseFields(response.headers);
  if (encoding !== undefined) {
    return { compress: false, reason: `already encoded (Content-Encoding: ${encoding})` };
  }
  if (range) return { compress: false, reason: 'partial content (Content-Range)' };
  if (cacheControl !== undefined && /no-transform/i.test(cacheControl)) {
    if (parseCacheControl(cacheControl).has('no-transform')) {
      return { compress: false, reason: 'Cache-Control: no-transform' };
    }
  }
  if (contentType === undefined) return { compress: false, reason: 'no Content-Type' };
  const mediaType = mediaTypeOf(contentType);
  const compressible = options.compressible ?? isCompressibleType;
  if (!compressible(mediaType)) {
    return { compress: false, reason: `content type not compressible (${mediaType})` };
  }
  const minBytes = options.minBytes ?? 1;
  if (response.body.byteLength < minBytes) {
    return { compress: false, reason: `body under ${minBytes} bytes` };
  }
  return COMPRESS;
}

const NO_OPTIONS: CompressOptions = Object.freeze({});

/**
 * Decides, as App Engine's front end does (spec §7), whether a response is gzipped for this
 * request. It is when the client accepts gzip and has a trusted `User-Agent` (or forces it
 * with `Accept-Encoding: gzip` and `User-Agent: gzip`), the content type is text-like, and
 * the response is not `HEAD`, 1xx/204/304, empty, already encoded or `no-transform`.
 *
 * @example
 * shouldCompress(
 *   { method: 'GET', url: 'https://app.example/', headers: [['accept-encoding', 'gzip']] },
 *   { status: 200, headers: [['content-type', 'text/html']], body },
 * ); // { compress: false, reason: 'User-Agent not trusted with gzip' }
 */
export function shouldCompress(
  request: EdgeRequest,
  response: ResponseRecordLike,
  options: CompressOptions = NO_OPTIONS,
): CompressDecision {
  // Request-side checks first: they turn most requests away without reading the response.
  return requestRefusal(request, options) ?? responseDecision(response, options);
}

/** Bodies static files hand out again and again; their gzip is kept (see `markShared`). */
const sharedBodies = new WeakSet<Uint8Array>();
const gzipped = new WeakMap<Uint8Array, Map<number, Uint8Array | Promise<Uint8Array>>>();

/**
 * Marks a body that never changes and is served many times (a static file in memory), so its
 * gzip is computed once per level and kept as long as the body is.
 */
export function markShared(body: Uint8Array): void {
  sharedBodies.add(body);
}

function gzipNow(body: Uint8Array, level: number): Promise<Uint8Array> {
  // Buffers, not copies into plain Uint8Arrays: node:http writes a Buffer as it is, but wraps
  // any other Uint8Array in a new Buffer on every write.
  if (body.byteLength <= SYNC_LIMIT) {
    try {
      return Promise.resolve(gzipSync(body, { level }));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  // Large bodies go to the libuv thread pool: the event loop keeps serving meanwhile.
  return new Promise((resolve, reject) => {
    gzip(body, { level }, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** gzip of `body` at `level`; for shared (static) bodies the bytes once ready, else a promise. */
export function gzipBody(body: Uint8Array, level: number): Uint8Array | Promise<Uint8Array> {
  if (!sharedBodies.has(body)) return gzipNow(body, level);
  let byLevel = gzipped.get(body);
  if (!byLevel) {
    byLevel = new Map();
    gzipped.set(body, byLevel);
  }
  const known = byLevel.get(level);
  if (known) return known;
  const levels = byLevel;
  const pending = gzipNow(body, level).then(
    (bytes) => {
      levels.set(level, bytes);
      return bytes;
    },
    (error: unknown) => {
      levels.delete(level);
      throw error;
    },
  );
  levels.set(level, pending);
  return pending;
}

/**
 * What was last answered for a shared body: a static file gets the same fields for a second
 * at a time (its `Expires` changes once a second), so its gzip record is made once and handed
 * out again while the identity record's fields are the same.
 */
interface Answered {
  /** The identity record's field names and values, in order (`[name, value, name, …]`). */
  source: string[];
  status: number;
  level: number;
  vary: boolean;
  compressible: CompressOptions['compressible'];
  minBytes: number | undefined;
  /** The gzip record's fields (pairs frozen) and body, or `undefined`: sent as it was. */
  gzip: { headers: HeaderPairs; body: Uint8Array } | undefined;
}
const answered = new WeakMap<Uint8Array, Answered>();

/**
 * The remembered answer for a shared body when nothing it depends on changed: a new record
 * (fresh `headers` array, shared frozen pairs) or `response` itself when it is sent as it is;
 * `undefined` when there is none.
 */
function rememberedAnswer(
  response: ResponseRecordLike,
  options: CompressOptions,
  level: number,
): ResponseRecordLike | undefined {
  const memo = answered.get(response.body);
  if (
    memo === undefined ||
    memo.status !== response.status ||
    memo.level !== level ||
    memo.vary !== (options.vary === true) ||
    memo.compressible !== options.compressible ||
    memo.minBytes !== options.minBytes
  ) {
    return undefined;
  }
  const source = memo.source;
  const headers = response.headers;
  if (source.length !== headers.length * 2) return undefined;
  // Strings compare by pointer first: the same (static) strings cost next to nothing.
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i] as [string, string];
    if (pair[0] !== source[2 * i] || pair[1] !== source[2 * i + 1]) return undefined;
  }
  const gzip = memo.gzip;
  if (gzip === undefined) return response;
  return { status: response.status, headers: gzip.headers.slice(), body: gzip.body };
}

/** Remembers the answer for a shared body and returns it. */
function rememberAnswer(
  response: ResponseRecordLike,
  options: CompressOptions,
  level: number,
  record: ResponseRecordLike | undefined,
): ResponseRecordLike {
  const source: string[] = [];
  for (const [name, value] of response.headers) source.push(name, value);
  // Answers share these pairs: frozen (copies of the caller's own), so none can change them.
  const headers = record?.headers.map((pair) =>
    Object.isFrozen(pair) ? pair : (Object.freeze([pair[0], pair[1]]) as [string, string]),
  );
  answered.set(response.body, {
    source,
    status: response.status,
    level,
    vary: options.vary === true,
    compressible: options.compressible,
    minBytes: options.minBytes,
    gzip: record && headers && { headers, body: record.body },
  });
  return record && headers
    ? { status: record.status, headers: headers.slice(), body: record.body }
    : response;
}

/**
 * Gzips a response when {@link shouldCompress} says so. Returns the same record when not;
 * otherwise a new record with the gzip body, `Content-Encoding: gzip`, `Content-Length`
 * updated when present, a strong `ETag` made weak (the bytes differ from the identity
 * representation), and `Vary: Accept-Encoding` only with `vary: true`. Bodies over 8 KB are
 * compressed on the thread pool, so the event loop never waits for them.
 */
export function compressResponse(
  request: EdgeRequest,
  response: ResponseRecordLike,
  options: CompressOptions = NO_OPTIONS,
): Promise<ResponseRecordLike> {
  try {
    if (requestRefusal(request, options) !== undefined) return Promise.resolve(response);
    const level = options.level ?? DEFAULT_LEVEL;
    const shared = sharedBodies.has(response.body);
    if (shared) {
      const known = rememberedAnswer(response, options, level);
      if (known) return Promise.resolve(known);
    }
    if (!responseDecision(response, options).compress) {
      return Promise.resolve(
        shared ? rememberAnswer(response, options, level, undefined) : response,
      );
    }
    const bytes = gzipBody(response.body, level);
    const finish = (ready: Uint8Array): ResponseRecordLike => {
      const record = encoded(response, ready, options);
      return shared ? rememberAnswer(response, options, level, record) : record;
    };
    // A static file's gzip is usually ready: no extra wait then.
    return bytes instanceof Uint8Array ? Promise.resolve(finish(bytes)) : bytes.then(finish);
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * {@link compressResponse} without waiting: the record to send when no thread-pool work is
 * needed (nothing to compress, a small body, or a static file whose gzip is already made),
 * `undefined` when the caller must use `compressResponse` instead.
 */
export function compressResponseNow(
  request: EdgeRequest,
  response: ResponseRecordLike,
  options: CompressOptions = NO_OPTIONS,
): ResponseRecordLike | undefined {
  if (requestRefusal(request, options) !== undefined) return response;
  const level = options.level ?? DEFAULT_LEVEL;
  const { body } = response;
  if (sharedBodies.has(body)) {
    const known = rememberedAnswer(response, options, level);
    if (known) return known;
    if (!responseDecision(response, options).compress) {
      return rememberAnswer(response, options, level, undefined);
    }
    const bytes = gzipped.get(body)?.get(level);
    return bytes instanceof Uint8Array
      ? rememberAnswer(response, options, level, encoded(response, bytes, options))
      : undefined;
  }
  if (!responseDecision(response, options).compress) return response;
  return body.byteLength <= SYNC_LIMIT
    ? encoded(response, gzipSync(body, { level }), options)
    : undefined;
}

/** The gzip record: Content-Length gets the new size, a strong ETag becomes weak. */
function encoded(
  response: ResponseRecordLike,
  body: Uint8Array,
  options: CompressOptions,
): ResponseRecordLike {
  const size = String(body.byteLength);
  const headers: HeaderPairs = [];
  for (const pair of response.headers) {
    const [name, value] = pair;
    if (same(name, 'content-length')) headers.push([name, size]);
    else if (value.startsWith('"') && same(name, 'etag')) {
      headers.push([name, `W/${value}`]);
    } else headers.push(pair); // unchanged pairs are shared, as records allow
  }
  headers.push(['Content-Encoding', 'gzip']);
  if (options.vary) addVary(headers, 'Accept-Encoding');
  return { status: response.status, headers, body };
}

/** Adds a name to `Vary` unless it (or `*`) is already listed. */
function addVary(headers: [string, string][], name: string): void {
  const current = getList(headers, 'vary');
  const listed = splitList(current).map((item) => item.toLowerCase());
  if (listed.includes(name.toLowerCase()) || listed.includes('*')) return;
  setHeader(headers, 'Vary', current === undefined ? name : `${current}, ${name}`);
}
