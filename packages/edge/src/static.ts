import { createHash } from 'node:crypto';
import { type FSWatcher, statSync, watch } from 'node:fs';
import { open } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { type Handler, parseExpiration } from '@gaekit/config';
import mime from 'mime-types';
import { markShared } from './compress.js';
import { ifMatchHolds, noneMatchHits } from './conditional.js';
import { invalidOption } from './errors.js';
import { getList, hasHeader } from './headers.js';
import type { EdgeRequest, HeaderPairs, ResponseRecordLike } from './records.js';

/** App Engine's static cache lifetime when neither `expiration` nor `default_expiration` is set. */
export const DEFAULT_STATIC_EXPIRATION = '10m';

/** Options of {@link createStaticFiles}. */
export interface StaticFilesOptions {
  /** The app's root directory: handler paths (`static_dir`, `static_files`) are relative to it. */
  root: string;
  /**
   * The app's `default_expiration` (`"4d 5h"`, `"10m"`, `"30"`): the lifetime of files whose
   * handler has no `expiration`.
   * @default "10m"
   */
  defaultExpiration?: string;
  /**
   * Watch the directories of files held in memory and drop a file when it changes on disk
   * (`fs.watch`, which does not keep the process alive). Off, files are read once, as a
   * deployed version's files never change.
   * @default true
   */
  watch?: boolean;
  /**
   * Send `Last-Modified` (the file's modification time) and answer `If-Modified-Since`.
   * Production's behaviour is unconfirmed; Google's emulator sends only `ETag`.
   * @default true
   */
  lastModified?: boolean;
  /**
   * The clock, in milliseconds since the epoch (for `Expires`).
   * @default Date.now
   */
  now?: () => number;
}

/** Static file responses as App Engine's front end gives them: see {@link createStaticFiles}. */
export interface StaticFiles {
  /**
   * The response for one file of a static handler: `file` is relative to the root with `/`
   * separators (what the router resolved). 404 when it is missing or outside the root, 304
   * for a matching `If-None-Match` (or, without it, `If-Modified-Since`), 412 for a failing
   * `If-Match`, else 200; `HEAD` gets no body but the real `Content-Length`. The body is
   * shared between responses: replace it, do not write into it.
   */
  serve(file: string, handler: Handler, request: EdgeRequest): Promise<ResponseRecordLike>;
  /**
   * {@link StaticFiles.serve} without waiting: the same response when the file is already
   * held in memory (or the path is outside the root), `undefined` when it must be read first.
   * A server that answers in the same tick skips a promise round trip per response.
   */
  serveNow(file: string, handler: Handler, request: EdgeRequest): ResponseRecordLike | undefined;
  /** Whether the file exists (synchronous: the router's `require_matching_file` asks per request). */
  exists(file: string): boolean;
  /** Stops watching and forgets the files held in memory. */
  close(): void;
}

interface FileEntry {
  body: Uint8Array;
  etag: string;
  lastModified: string;
  /** Modification time rounded down to whole seconds (what `Last-Modified` can say). */
  mtimeSeconds: number;
  mtimeMs: number;
  /** The `Content-Length` field, shared by every response of this file. */
  contentLength: [string, string];
  /** True when no watcher covers the file: its size and time are checked on every request. */
  revalidate: boolean;
  /** Headers per handler (they differ only by handler). */
  headers: WeakMap<Handler, PreparedHeaders>;
}

interface PreparedHeaders {
  /** Fields before `Expires`. */
  head: HeaderPairs;
  /** Fields after `Expires` (validators, `http_headers`). */
  tail: HeaderPairs;
  /** Lifetime in seconds when `Expires` is added, else `undefined`. */
  expiresIn: number | undefined;
  /**
   * Every field of a 200 (and a HEAD) response, frozen pairs, made once per second (for
   * `Expires`; once for good without it): responses get a copy of the list, and the gzip
   * record made from it can be remembered (see `compressResponseNow`).
   */
  fields: HeaderPairs | undefined;
  /** The second `fields` was made in. */
  fieldsSecond: number;
}

const NOT_FOUND_BODY = new TextEncoder().encode('Not Found');
const NOT_IN_304 = new Set(['content-type', 'content-length']);

/** Whether any `If-…` field is present (one cheap pass; the rest happens only then). */
function hasConditional(headers: HeaderPairs): boolean {
  for (const [name] of headers) {
    const c0 = name.charCodeAt(0) | 0x20;
    const c1 = name.charCodeAt(1) | 0x20;
    if (c0 === 0x69 && c1 === 0x66 && name.charCodeAt(2) === 0x2d) return true; // "if-"
  }
  return false;
}

function notFound(): ResponseRecordLike {
  return {
    status: 404,
    headers: [
      ['Content-Type', 'text/plain; charset=utf-8'],
      ['Content-Length', String(NOT_FOUND_BODY.byteLength)],
    ],
    body: NOT_FOUND_BODY,
  };
}

/** Content type for a file name: mime-types' lookup, with `charset=utf-8` for text types. */
export function contentTypeFor(file: string): string {
  const type = mime.lookup(file);
  if (type === false) return 'application/octet-stream';
  return mime.contentType(type) || type;
}

/**
 * Serves static handlers' files as App Engine's front end does (spec §6, §8.4): `Content-Type`
 * from `mime_type` or the extension, `http_headers` added, `Cache-Control: public,
 * max-age=N` and `Expires` from `expiration` / `default_expiration` (10 minutes by default,
 * not added when `http_headers` sets `Cache-Control`), a strong `ETag`, `Last-Modified`, and
 * 304s. Files are read once and kept in memory; with `watch` a file is dropped when it
 * changes on disk.
 *
 * @example
 * const statics = createStaticFiles({ root: process.cwd(), defaultExpiration: '1h' });
 * const response = await statics.serve('public/app.css', { url: '/static', staticDir: 'public' }, request);
 */
export function createStaticFiles(options: StaticFilesOptions): StaticFiles {
  const root = resolve(options.root);
  const defaultExpiration = options.defaultExpiration ?? DEFAULT_STATIC_EXPIRATION;
  let defaultSeconds: number;
  try {
    defaultSeconds = parseExpiration(defaultExpiration);
  } catch {
    throw invalidOption(
      'defaultExpiration',
      defaultExpiration,
      'a duration such as "10m" or "4d 5h"',
    );
  }
  const watchFiles = options.watch ?? true;
  const lastModifiedOn = options.lastModified ?? true;
  const now = options.now ?? Date.now;

  const files = new Map<string, FileEntry>();
  const loading = new Map<string, Promise<FileEntry | undefined>>();
  /** Bumped on every change, so a read that raced with a change is not kept. */
  const versions = new Map<string, number>();
  const watchers = new Map<string, FSWatcher>();
  let closed = false;

  /**
   * The absolute path of a root-relative POSIX path, or `undefined` for an empty, `.` or `..`
   * segment, an absolute path or a NUL: a static path must not leave its directory (spec §1.7).
   */
  function absolute(file: string): string | undefined {
    const known = paths.get(file);
    if (known !== undefined) return known === false ? undefined : known;
    const path = resolvePath(file);
    if (paths.size >= 10_000) paths.clear();
    paths.set(file, path ?? false);
    return path;
  }
  /** Resolved paths per requested file (the same few files are asked for again and again). */
  const paths = new Map<string, string | false>();

  function resolvePath(file: string): string | undefined {
    if (file === '' || file.includes('\0')) return undefined;
    const segments = file.split('/');
    for (const segment of segments) {
      if (segment === '' || segment === '.' || segment === '..') return undefined;
    }
    const path = join(root, ...segments);
    return path.startsWith(root + sep) ? path : undefined;
  }

  function invalidate(path: string): void {
    files.delete(path);
    versions.set(path, (versions.get(path) ?? 0) + 1);
  }

  /** Watches a file's directory; false when that is not possible. */
  function watchDirectory(dir: string): boolean {
    if (watchers.has(dir)) return true;
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name) invalidate(join(dir, name.toString()));
        else for (const path of [...files.keys()]) if (path.startsWith(dir + sep)) invalidate(path);
      });
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(dir);
        for (const path of [...files.keys()]) if (path.startsWith(dir + sep)) invalidate(path);
      });
      watchers.set(dir, watcher);
      return true;
    } catch {
      return false;
    }
  }

  async function read(path: string): Promise<FileEntry | undefined> {
    // Watch before reading, so a change during the read is seen.
    const dir = path.slice(0, path.lastIndexOf(sep));
    const watched = watchFiles && !closed && watchDirectory(dir);
    const version = versions.get(path) ?? 0;
    let handle: Awaited<ReturnType<typeof open>> | undefined;
    try {
      handle = await open(path, 'r');
      const stat = await handle.stat();
      if (!stat.isFile()) return undefined;
      const buffer = await handle.readFile();
      // The Buffer itself: node:http writes it as it is (another Uint8Array gets wrapped per write).
      const body: Uint8Array = buffer;
      markShared(body);
      const entry: FileEntry = {
        body,
        etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
        lastModified: new Date(stat.mtimeMs).toUTCString(),
        mtimeSeconds: Math.floor(stat.mtimeMs / 1000),
        mtimeMs: stat.mtimeMs,
        contentLength: Object.freeze(['Content-Length', String(body.byteLength)]) as [
          string,
          string,
        ],
        revalidate: watchFiles && !watched,
        headers: new WeakMap(),
      };
      if (!closed && (versions.get(path) ?? 0) === version) files.set(path, entry);
      return entry;
    } catch {
      return undefined;
    } finally {
      await handle?.close();
    }
  }

  async function load(path: string): Promise<FileEntry | undefined> {
    const held = files.get(path);
    if (held && !held.revalidate) return held;
    if (held) {
      // No watcher for this directory: compare size and time instead.
      const stat = statSync(path, { throwIfNoEntry: false });
      if (stat?.isFile() && stat.mtimeMs === held.mtimeMs && stat.size === held.body.byteLength) {
        return held;
      }
      invalidate(path);
    }
    let pending = loading.get(path);
    if (!pending) {
      pending = read(path).finally(() => loading.delete(path));
      loading.set(path, pending);
    }
    return pending;
  }

  function prepare(entry: FileEntry, path: string, handler: Handler): PreparedHeaders {
    const extra = Object.entries(handler.httpHeaders ?? {}) as HeaderPairs;
    const head: HeaderPairs = [];
    if (!hasHeader(extra, 'content-type')) {
      head.push(['Content-Type', handler.mimeType ?? contentTypeFor(path)]);
    }
    // http_headers that set Cache-Control take over caching: no automatic Cache-Control or Expires.
    let expiresIn: number | undefined;
    if (!hasHeader(extra, 'cache-control')) {
      const seconds =
        handler.expiration === undefined ? defaultSeconds : parseExpiration(handler.expiration);
      head.push(['Cache-Control', `public, max-age=${seconds}`]);
      if (!hasHeader(extra, 'expires')) expiresIn = seconds;
    }
    const tail: HeaderPairs = [];
    if (!hasHeader(extra, 'etag')) tail.push(['ETag', entry.etag]);
    if (lastModifiedOn && !hasHeader(extra, 'last-modified')) {
      tail.push(['Last-Modified', entry.lastModified]);
    }
    tail.push(...extra);
    // Responses share these pairs: frozen, so an edit in place throws instead of leaking.
    for (const pair of [...head, ...tail]) Object.freeze(pair);
    return { head, tail, expiresIn, fields: undefined, fieldsSecond: Number.NaN };
  }

  /** The fields of a 200 response this second: see `PreparedHeaders.fields`. */
  function fieldsOf(entry: FileEntry, prepared: PreparedHeaders): HeaderPairs {
    if (prepared.expiresIn === undefined) {
      prepared.fields ??= [...prepared.head, ...prepared.tail, entry.contentLength];
      return prepared.fields;
    }
    const second = Math.floor(now() / 1000);
    if (prepared.fields !== undefined && prepared.fieldsSecond === second) return prepared.fields;
    const expires = new Date((second + prepared.expiresIn) * 1000).toUTCString();
    prepared.fields = [
      ...prepared.head,
      Object.freeze(['Expires', expires]) as [string, string],
      ...prepared.tail,
      entry.contentLength,
    ];
    prepared.fieldsSecond = second;
    return prepared.fields;
  }

  function conditional(
    entry: FileEntry,
    request: EdgeRequest,
    headers: HeaderPairs,
  ): ResponseRecordLike | undefined {
    const ifMatch = getList(request.headers, 'if-match');
    if (ifMatch !== undefined && !ifMatchHolds(ifMatch, entry.etag)) {
      return { status: 412, headers: [['ETag', entry.etag]], body: new Uint8Array(0) };
    }
    const ifNoneMatch = getList(request.headers, 'if-none-match');
    let notModified = false;
    if (ifNoneMatch !== undefined) {
      notModified = noneMatchHits(ifNoneMatch, entry.etag);
    } else if (lastModifiedOn) {
      const since = Date.parse(getList(request.headers, 'if-modified-since') ?? '');
      notModified = !Number.isNaN(since) && entry.mtimeSeconds * 1000 <= since;
    }
    if (!notModified) return undefined;
    return {
      status: 304,
      headers: headers.filter(([name]) => !NOT_IN_304.has(name.toLowerCase())),
      body: new Uint8Array(0),
    };
  }

  function respond(
    entry: FileEntry,
    path: string,
    handler: Handler,
    request: EdgeRequest,
  ): ResponseRecordLike {
    let prepared = entry.headers.get(handler);
    if (!prepared) {
      prepared = prepare(entry, path, handler);
      entry.headers.set(handler, prepared);
    }
    const fields = fieldsOf(entry, prepared);
    if (hasConditional(request.headers)) {
      const answer = conditional(entry, request, fields);
      if (answer) return answer;
    }
    // Every method but HEAD is answered like GET (spec §1.10).
    const head = request.method !== 'GET' && request.method.toUpperCase() === 'HEAD';
    return { status: 200, headers: fields.slice(), body: head ? new Uint8Array(0) : entry.body };
  }

  return {
    serve(file, handler, request) {
      try {
        const path = absolute(file);
        if (path === undefined) return Promise.resolve(notFound());
        const held = files.get(path);
        // The common case answers without waiting on anything.
        if (held && !held.revalidate) return Promise.resolve(respond(held, path, handler, request));
        return load(path).then((entry) =>
          entry ? respond(entry, path, handler, request) : notFound(),
        );
      } catch (error) {
        return Promise.reject(error);
      }
    },

    serveNow(file, handler, request) {
      const path = absolute(file);
      if (path === undefined) return notFound();
      const held = files.get(path);
      return held && !held.revalidate ? respond(held, path, handler, request) : undefined;
    },

    exists(file) {
      const path = absolute(file);
      if (path === undefined) return false;
      const held = files.get(path);
      if (held && !held.revalidate) return true;
      return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
    },

    close() {
      closed = true;
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
      files.clear();
      loading.clear();
    },
  };
}
