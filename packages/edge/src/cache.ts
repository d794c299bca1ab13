import { LRUCache } from 'lru-cache';
import { cacheControlOf, deltaSeconds } from './cache-control.js';
import { noneMatchHits } from './conditional.js';
import { invalidOption } from './errors.js';
import { getList, hasHeader, same, setHeader, splitList, withoutHeaders } from './headers.js';
import type { EdgeRequest, HeaderPairs, ResponseRecordLike } from './records.js';

/** The debug header's name: `HIT`, `MISS`, or `MISS, not stored: <reason>`. */
export const CACHE_DEBUG_HEADER = 'X-Gaekit-Cache';

/** The `Vary` names the front end honours (spec §8.1); any other name makes a response uncacheable. */
export const HONOURED_VARY = ['accept', 'accept-encoding', 'origin', 'x-origin'] as const;

/** Options of {@link createEdgeCache}. */
export interface EdgeCacheOptions {
  /** Most bytes kept (bodies, header fields and keys); least recently used entries go first. */
  maxBytes: number;
  /**
   * Add `X-Gaekit-Cache: HIT` to hits (in `lookup`) and `X-Gaekit-Cache: MISS` or
   * `MISS, not stored: <reason>` to the response given to `store`.
   * @default false
   */
  debugHeader?: boolean;
  /**
   * The clock, in milliseconds since the epoch (freshness, `Age`, `Expires`).
   * @default Date.now
   */
  now?: () => number;
  /**
   * Which app (non-static) responses are stored. `'public'`: only those with
   * `Cache-Control: public` (what Google tells apps to send). `'unless-private'`: also any
   * with a lifetime and without `private`/`no-store` (Google says the front end *may* store
   * these).
   * @default 'public'
   */
  appResponses?: 'public' | 'unless-private';
}

/** Options of {@link EdgeCache.store}. */
export interface StoreOptions {
  /**
   * The response comes from a static file or directory handler: stored without
   * `Cache-Control: public` too (App Engine adds `public` to those unless `http_headers`
   * set their own `Cache-Control`).
   * @default false
   */
  staticHandler?: boolean;
}

/** The counters of an {@link EdgeCache}. */
export interface EdgeCacheStats {
  /** Lookups answered from the cache. */
  hits: number;
  /** `GET`/`HEAD` lookups not answered (absent or expired entry). */
  misses: number;
  /** Responses stored. */
  stores: number;
  /** Entries held now (expired ones count until looked up, evicted or purged). */
  entries: number;
  /** Bytes held now. */
  bytes: number;
}

/** App Engine's front-end cache (spec §8): see {@link createEdgeCache}. */
export interface EdgeCache {
  /**
   * The fresh stored response for this request, as a copy whose `headers` array is new (push
   * to it freely) with `Age` set, or `undefined`. `If-None-Match` matching the stored `ETag`
   * gets a 304; without it, `If-Modified-Since` no earlier than a 200's `Last-Modified` too.
   * Only `GET` and `HEAD` are looked up, never a request with `Authorization`.
   * The body is shared with the entry: replace it, do not write into it.
   */
  lookup(request: EdgeRequest): ResponseRecordLike | undefined;
  /**
   * Stores a response (the encoded variant as sent) when App Engine's front end would, and
   * returns `'stored'`, or else the reason it was not stored (for example
   * `'Cache-Control: private'`).
   */
  store(
    request: EdgeRequest,
    response: ResponseRecordLike,
    options?: StoreOptions,
  ): 'stored' | string;
  /** Removes every entry of one full URL (all its `Vary` variants), or everything; returns how many. */
  purge(url?: string): number;
  /** Hit, miss and store counters, and what is held now. */
  readonly stats: EdgeCacheStats;
}

interface Entry {
  url: string;
  status: number;
  headers: HeaderPairs;
  body: Uint8Array;
  storedAt: number;
  expiresAt: number;
  /** `Age` the response already had when stored, in seconds. */
  initialAge: number;
  etag: string | undefined;
  /** `Last-Modified` in ms since the epoch, when it has one that parses. */
  lastModified: number | undefined;
  size: number;
  /** The fields of a 200 hit at one Age (frozen pairs), made again when the Age changes. */
  hit: { age: number; headers: HeaderPairs } | undefined;
}

/** The debug header of a hit, shared by every hit (frozen, as entry pairs are). */
const DEBUG_HIT = Object.freeze([CACHE_DEBUG_HEADER, 'HIT']) as [string, string];

/** Headers that never go into an entry: the debug header and hop-by-hop fields. */
const NOT_STORED_HEADERS = new Set([
  'x-gaekit-cache',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'age',
]);

/** Headers a 304 from the cache leaves out (RFC 9110 §15.4.5 keeps only the validators and caching fields). */
const NOT_IN_304 = new Set(['content-type', 'content-length', 'content-encoding', 'content-range']);

function entrySize(key: string, headers: HeaderPairs, body: Uint8Array): number {
  let size = body.byteLength + key.length + 64;
  for (const [name, value] of headers) size += name.length + value.length + 16;
  return size;
}

function varyKey(url: string, names: readonly string[], headers: HeaderPairs): string {
  if (names.length === 0) return url;
  let key = url;
  for (const name of names) key += `\n${getList(headers, name)?.trim() ?? ''}`;
  return key;
}

/** The response fields `store` reads, found in one pass. */
interface StoreFields {
  /** Every `Cache-Control` value joined with `, `. */
  cacheControl: string | undefined;
  setCookie: boolean;
  /** An admin's resource-usage field (`X-AppEngine-Resource-Usage` and the like). */
  resourceUsage: boolean;
  /** Every `Vary` value joined with `, `. */
  vary: string | undefined;
  expires: string | undefined;
  date: string | undefined;
  age: string | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
}

/** A `Last-Modified` value in ms since the epoch, or undefined when absent or unreadable. */
function lastModifiedOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

function storeFields(headers: HeaderPairs): StoreFields {
  const fields: StoreFields = {
    cacheControl: undefined,
    setCookie: false,
    resourceUsage: false,
    vary: undefined,
    expires: undefined,
    date: undefined,
    age: undefined,
    etag: undefined,
    lastModified: undefined,
  };
  for (const [name, value] of headers) {
    // By length first: most names are told apart without lowercasing.
    switch (name.length) {
      case 3:
        if (fields.age === undefined && same(name, 'age')) fields.age = value;
        break;
      case 4:
        if (same(name, 'vary')) {
          fields.vary = fields.vary === undefined ? value : `${fields.vary}, ${value}`;
        } else if (fields.etag === undefined && same(name, 'etag')) fields.etag = value;
        else if (fields.date === undefined && same(name, 'date')) fields.date = value;
        break;
      case 7:
        if (fields.expires === undefined && same(name, 'expires')) fields.expires = value;
        break;
      case 10:
        if (same(name, 'set-cookie')) fields.setCookie = true;
        break;
      case 13:
        if (same(name, 'cache-control')) {
          fields.cacheControl =
            fields.cacheControl === undefined ? value : `${fields.cacheControl}, ${value}`;
        } else if (fields.lastModified === undefined && same(name, 'last-modified')) {
          fields.lastModified = value;
        }
        break;
      case 26:
        if (same(name, 'x-appengine-resource-usage')) fields.resourceUsage = true;
        break;
      case 36:
        if (same(name, 'x-appengine-estimated-cpm-us-dollars')) fields.resourceUsage = true;
        break;
    }
  }
  return fields;
}

/** Whether a field stays out of an entry (see `NOT_STORED_HEADERS`), without lowercasing most names. */
function notStored(name: string): boolean {
  const length = name.length;
  if (length !== 3 && length !== 10 && length !== 14 && length !== 17) return false;
  return NOT_STORED_HEADERS.has(name.toLowerCase());
}

/**
 * Lifetime in seconds from `s-maxage`, else `max-age`, else `Expires` minus `Date` (or now);
 * `undefined` without any of them.
 */
function lifetimeOf(
  directives: ReadonlyMap<string, string | true>,
  fields: StoreFields,
  now: number,
): number | undefined {
  const shared = deltaSeconds(directives, 's-maxage');
  if (shared !== undefined) return shared;
  const maxAge = deltaSeconds(directives, 'max-age');
  if (maxAge !== undefined) return maxAge;
  const expires = fields.expires;
  if (expires === undefined) return undefined;
  const expiresAt = Date.parse(expires);
  // An invalid Expires (such as "0") means already expired.
  if (Number.isNaN(expiresAt)) return 0;
  const date = Date.parse(fields.date ?? '');
  return Math.floor((expiresAt - (Number.isNaN(date) ? now : date)) / 1000);
}

/**
 * Creates App Engine's front-end cache (spec §8) in memory: the key is the full URL; a
 * response is stored when its `Cache-Control` allows a shared cache (`public`, or a static
 * handler's response without `private`/`no-store`/`no-cache`), its request had no
 * `Authorization`, it has no `Set-Cookie`, and its `Vary` names only `Accept`,
 * `Accept-Encoding`, `Origin`, `X-Origin`. Without `Vary` one entry answers every client —
 * so a gzip response can reach a client that did not ask for gzip, as Google documents.
 * Entries live until `s-maxage`/`max-age`/`Expires` and are evicted least recently used first
 * past `maxBytes`.
 *
 * @example
 * const cache = createEdgeCache({ maxBytes: 64 * 1024 * 1024 });
 * const hit = cache.lookup(request);
 * if (hit) return hit;
 * const response = await compressResponse(request, await app(request));
 * cache.store(request, response);
 */
export function createEdgeCache(options: EdgeCacheOptions): EdgeCache {
  const { maxBytes } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw invalidOption('maxBytes', maxBytes, 'a whole number of bytes of at least 1');
  }
  const now = options.now ?? Date.now;
  const debug = options.debugHeader === true;
  const appResponses = options.appResponses ?? 'public';
  const counters = { hits: 0, misses: 0, stores: 0 };
  /** Per URL: the honoured Vary names (lower case) of its entries, and their keys. */
  const urls = new Map<string, { vary: string[]; keys: Set<string> }>();
  const entries = new LRUCache<string, Entry>({
    maxSize: maxBytes,
    sizeCalculation: (entry) => entry.size,
    dispose: (entry, key) => {
      const info = urls.get(entry.url);
      if (!info) return;
      info.keys.delete(key);
      if (info.keys.size === 0) urls.delete(entry.url);
    },
  });

  function refuse(response: ResponseRecordLike, reason: string): string {
    if (debug) setHeader(response.headers, CACHE_DEBUG_HEADER, `MISS, not stored: ${reason}`);
    return reason;
  }

  function reasonNotToStore(
    request: EdgeRequest,
    response: ResponseRecordLike,
    staticHandler: boolean,
    fields: StoreFields,
    directives: ReadonlyMap<string, string | true>,
  ): string | undefined {
    const method = request.method === 'GET' ? 'GET' : request.method.toUpperCase();
    if (method !== 'GET') return `method ${method}`;
    if (hasHeader(request.headers, 'authorization')) return 'request has Authorization';
    const { status } = response;
    if (status < 200 || status === 206 || status === 304) return `status ${status}`;
    if (fields.setCookie) return 'Set-Cookie';
    if (fields.resourceUsage) return 'admin resource-usage headers';
    if (directives.has('no-store')) return 'Cache-Control: no-store';
    if (directives.has('private')) return 'Cache-Control: private';
    if (directives.has('no-cache')) return 'Cache-Control: no-cache';
    if (!staticHandler && !directives.has('public') && appResponses === 'public') {
      return fields.cacheControl === undefined
        ? 'no Cache-Control'
        : 'Cache-Control without public';
    }
    return undefined;
  }

  const cache: EdgeCache = {
    lookup(request) {
      if (request.method !== 'GET') {
        const method = request.method.toUpperCase();
        if (method !== 'GET' && method !== 'HEAD') return undefined;
      }
      // The request fields a lookup reads, in one pass, told apart by length first.
      let ifNoneMatch: string | undefined;
      let ifModifiedSince: string | undefined;
      for (const pair of request.headers) {
        const name = pair[0];
        if (name.length === 17) {
          if (ifModifiedSince === undefined && same(name, 'if-modified-since')) {
            ifModifiedSince = pair[1];
          }
          continue;
        }
        if (name.length !== 13) continue;
        // A request with credentials is never answered from the shared cache (spec §8.1.4).
        if (same(name, 'authorization')) return undefined;
        if (same(name, 'if-none-match')) {
          ifNoneMatch = ifNoneMatch === undefined ? pair[1] : `${ifNoneMatch}, ${pair[1]}`;
        }
      }
      // An empty cache, or a URL without entries: a miss without building a key.
      const info = urls.size === 0 ? undefined : urls.get(request.url);
      const key =
        info === undefined
          ? undefined
          : info.vary.length === 0
            ? request.url
            : varyKey(request.url, info.vary, request.headers);
      const entry = key === undefined ? undefined : entries.get(key);
      if (entry === undefined || key === undefined) {
        counters.misses++;
        return undefined;
      }
      const at = now();
      if (at >= entry.expiresAt) {
        entries.delete(key);
        counters.misses++;
        return undefined;
      }
      counters.hits++;
      const age = entry.initialAge + Math.max(0, Math.floor((at - entry.storedAt) / 1000));
      // If-None-Match decides when sent; else If-Modified-Since, for a 200 with a
      // Last-Modified (RFC 9110 §13.2.2), as the static files themselves answer it.
      if (
        ifNoneMatch !== undefined
          ? entry.etag !== undefined && noneMatchHits(ifNoneMatch, entry.etag)
          : ifModifiedSince !== undefined &&
            entry.status === 200 &&
            entry.lastModified !== undefined &&
            entry.lastModified <= Date.parse(ifModifiedSince)
      ) {
        const headers = withoutHeaders(entry.headers, NOT_IN_304);
        headers.push(['Age', String(age)]);
        if (debug) headers.push(DEBUG_HIT);
        return { status: 304, headers, body: new Uint8Array(0) };
      }
      // Hits in the same second share one list (copied per hit): no Age string per hit.
      let hit = entry.hit;
      if (hit === undefined || hit.age !== age) {
        const headers = entry.headers.slice();
        headers.push(Object.freeze(['Age', String(age)]) as [string, string]);
        if (debug) headers.push(DEBUG_HIT);
        hit = { age, headers };
        entry.hit = hit;
      }
      return { status: entry.status, headers: hit.headers.slice(), body: entry.body };
    },

    store(request, response, storeOptions) {
      const fields = storeFields(response.headers);
      // Parsed once per distinct value: apps send the same few Cache-Control values.
      const directives = cacheControlOf(fields.cacheControl);
      const reason = reasonNotToStore(
        request,
        response,
        storeOptions?.staticHandler === true,
        fields,
        directives,
      );
      if (reason !== undefined) return refuse(response, reason);
      const vary: string[] = [];
      for (const name of splitList(fields.vary)) {
        const lower = name.toLowerCase();
        if (!(HONOURED_VARY as readonly string[]).includes(lower))
          return refuse(response, `Vary: ${name}`);
        if (!vary.includes(lower)) vary.push(lower);
      }
      vary.sort();
      const at = now();
      const lifetime = lifetimeOf(directives, fields, at);
      if (lifetime === undefined) return refuse(response, 'no max-age, s-maxage or Expires');
      const ageHeader = Number.parseInt(fields.age ?? '0', 10);
      const initialAge = Number.isNaN(ageHeader) || ageHeader < 0 ? 0 : ageHeader;
      if (lifetime - initialAge <= 0) return refuse(response, 'already stale');

      const key = varyKey(request.url, vary, request.headers);
      // Own frozen pairs: hits share them, so editing one in place throws instead of
      // changing the entry (replace a pair, or push, as the record contract says).
      const headers: HeaderPairs = [];
      for (const pair of response.headers) {
        if (notStored(pair[0])) continue;
        // A frozen pair cannot change: shared as it is; others are copied.
        headers.push(
          Object.isFrozen(pair) ? pair : (Object.freeze([pair[0], pair[1]]) as [string, string]),
        );
      }
      const size = entrySize(key, headers, response.body);
      if (size > maxBytes) return refuse(response, `larger than the cache (${size} bytes)`);

      // A URL whose Vary changed starts over: entries keyed by the old names are unreachable.
      const info = urls.get(request.url);
      if (info && info.vary.join() !== vary.join()) cache.purge(request.url);
      entries.set(key, {
        url: request.url,
        status: response.status,
        headers,
        body: response.body,
        storedAt: at,
        expiresAt: at + (lifetime - initialAge) * 1000,
        initialAge,
        etag: fields.etag,
        lastModified: lastModifiedOf(fields.lastModified),
        size,
        hit: undefined,
      });
      // After set: overwriting disposes the old entry (and its key) first.
      const keys = urls.get(request.url);
      if (keys) keys.keys.add(key);
      else urls.set(request.url, { vary, keys: new Set([key]) });
      counters.stores++;
      if (debug) setHeader(response.headers, CACHE_DEBUG_HEADER, 'MISS');
      return 'stored';
    },

    purge(url) {
      if (url === undefined) {
        const count = entries.size;
        entries.clear();
        urls.clear();
        return count;
      }
      const info = urls.get(url);
      if (!info) return 0;
      let count = 0;
      for (const key of [...info.keys]) if (entries.delete(key)) count++;
      urls.delete(url);
      return count;
    },

    get stats() {
      return { ...counters, entries: entries.size, bytes: entries.calculatedSize };
    },
  };
  return cache;
}
