import { captureCount, type Handler, translatePattern } from '@gaekit/config';
import { InvalidPatternError, REASONS } from './errors.js';
import {
  decodePath,
  encodePath,
  hasDotSegment,
  normalizeDotSegments,
  unsafeFileReason,
} from './path.js';
import { literalPrefix, simpleTail, type Tail } from './pattern.js';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /**
   * Whether a static file exists, given its path relative to the app root with `/` separators
   * (`public/css/site.css`). Asked only for handlers with `requireMatchingFile`, so that
   * matching falls through to the next handler when the file is missing. The router does no
   * I/O itself.
   * @default every file is taken to exist
   */
  fileExists?: (file: string) => boolean;
}

/** What {@link Router.match} found for a path. */
export type RouteMatch =
  | {
      kind: 'handler';
      /** Index of the handler in the list given to {@link createRouter}. */
      index: number;
      /** The handler as given. */
      handler: Handler;
      /** The `url` pattern's capture groups (unmatched groups are `''`); for `staticDir`, the part after the prefix. */
      groups: string[];
      /**
       * Static handlers only: the file to serve, relative to the app root (`staticFiles` with
       * `\1`…`\9` expanded, or `staticDir` + `/` + the rest of the path). Always inside the
       * app's files: paths that would leave them give `not-found` instead.
       */
      file?: string;
    }
  | {
      kind: 'redirect';
      /** Always 302, as App Engine answers. */
      status: 301 | 302;
      /** The normalised path, percent-encoded; append the query string yourself. */
      location: string;
    }
  | {
      kind: 'not-found';
      /** Why, for logs. */
      reason: string;
    };

/** Handlers compiled once: `match(path)` gives the handler App Engine would pick. */
export interface Router {
  /**
   * Matches a request path (no query string, percent-encoded as received) against the
   * handlers: whole-path match, first match wins. Paths with `.`/`..` segments give a
   * redirect to the normalised path; no match gives `not-found`.
   */
  match(path: string): RouteMatch;
}

type Kind = 'script' | 'static-dir' | 'static-files';

interface Compiled {
  index: number;
  handler: Handler;
  kind: Kind;
  regex: RegExp;
  /** Whether `exec` is needed (groups, static files); otherwise `test`. */
  exec: boolean;
  /** Literal text every matching path starts with: a cheap check before the regex. */
  prefix: string;
  /** Set when the pattern is `prefix` + a simple tail: matched with string checks, no regex. */
  tail: Tail | undefined;
  /** The static directory (no leading `./`, no trailing `/`) or the `staticFiles` template. */
  target: string;
  upload: RegExp | undefined;
  requireFile: boolean;
}

/** Where the regex can match: one first segment, or anywhere. */
type Bucket = { segment: string } | { segment: undefined };

/** `./public/` → `public`, `.` → `` (the app root): the config's spelling, not a path to check. */
function stripDotSlash(path: string): string {
  let out = path;
  while (out.startsWith('./')) out = out.slice(2);
  return out === '.' ? '' : out;
}

function compilePattern(
  pattern: string,
  index: number,
  field: 'url' | 'upload',
): { regex: RegExp; ignoreCase: boolean } {
  try {
    const { source, flags, ignoreCase } = translatePattern(pattern);
    // App Engine anchors the pattern at both ends; a trailing `$` in it is harmless.
    return { regex: new RegExp(`^(?:${source})$`, flags), ignoreCase };
  } catch (cause) {
    throw new InvalidPatternError(index, field, pattern, { cause });
  }
}

function compileHandler(handler: Handler, index: number): { compiled: Compiled; bucket: Bucket } {
  const kind: Kind =
    handler.staticDir !== undefined
      ? 'static-dir'
      : handler.staticFiles !== undefined
        ? 'static-files'
        : 'script';
  // staticDir D at /U behaves like url /U/(.*), static_files D/\1 (spec §1.7.3).
  const url =
    kind === 'static-dir'
      ? `${handler.url.endsWith('/') ? handler.url : `${handler.url}/`}(.*)`
      : handler.url;
  const { regex, ignoreCase } = compilePattern(url, index, 'url');
  const body = url.replace(/^\(\?[aiLmsux]+\)/, '');
  const { prefix, complete, rest } = ignoreCase
    ? { prefix: '', complete: false, rest: body }
    : literalPrefix(body);
  let bucket: Bucket = { segment: undefined };
  if (prefix.startsWith('/')) {
    const slash = prefix.indexOf('/', 1);
    if (slash > 0) bucket = { segment: prefix.slice(1, slash) };
    else if (complete) bucket = { segment: prefix.slice(1) };
  }
  const target =
    kind === 'static-dir'
      ? stripDotSlash((handler.staticDir ?? '').replace(/\/+$/, ''))
      : stripDotSlash(handler.staticFiles ?? '');
  const upload =
    kind === 'static-files' && handler.upload !== undefined
      ? compilePattern(handler.upload, index, 'upload').regex
      : undefined;
  return {
    compiled: {
      index,
      handler,
      kind,
      regex,
      exec: kind !== 'script' || captureCount(regex) > 0,
      prefix,
      tail: regex.flags === '' ? simpleTail(rest) : undefined,
      target,
      upload,
      requireFile: kind !== 'script' && handler.requireMatchingFile === true,
    },
    bucket,
  };
}

/** Whether `path` from `from` on is what `tail` allows (same result as the regex). */
function tailMatches(tail: Tail, path: string, from: number): boolean {
  const length = path.length - from;
  switch (tail.charset) {
    case 'none':
      return length === 0;
    case 'dot':
      return length >= tail.min && path.indexOf('\n', from) < 0;
    case 'notSlash':
      return length >= tail.min && path.indexOf('/', from) < 0;
    case 'digit':
      if (length < tail.min) return false;
      for (let i = from; i < path.length; i++) {
        const code = path.charCodeAt(i);
        if (code < 48 || code > 57) return false;
      }
      return true;
  }
}

function expand(template: string, groups: readonly string[]): string {
  return template.replace(/\\([1-9])/g, (_, n: string) => groups[Number(n) - 1] ?? '');
}

function notFound(reason: string): RouteMatch {
  return { kind: 'not-found', reason };
}

/**
 * Compiles app.yaml `handlers` once. Handlers are indexed by the first path segment their
 * pattern fixes (`/api/.*` → `api`), so a match tries only the handlers that can match that
 * segment, in their original order: first-match semantics are kept, and the cost does not
 * grow with the number of handlers that cannot match.
 *
 * @throws {InvalidPatternError} when a `url` or `upload` pattern cannot be compiled.
 */
export function createRouter(handlers: readonly Handler[], options: RouterOptions = {}): Router {
  const fileExists = options.fileExists ?? (() => true);
  const compiled = handlers.map((handler, index) => compileHandler(handler, index));
  const all = compiled.map((c) => c.compiled);
  const anywhere = compiled.filter((c) => c.bucket.segment === undefined).map((c) => c.compiled);
  const buckets = new Map<string, Compiled[]>();
  for (const { bucket } of compiled) {
    const segment = bucket.segment;
    if (segment === undefined || buckets.has(segment)) continue;
    // Every handler that can match a path whose first segment is `segment`, in file order.
    buckets.set(
      segment,
      compiled
        .filter((c) => c.bucket.segment === segment || c.bucket.segment === undefined)
        .map((c) => c.compiled),
    );
  }

  function candidates(path: string): readonly Compiled[] {
    if (path.charCodeAt(0) !== 47 /* / */) return all;
    const slash = path.indexOf('/', 1);
    const segment = slash < 0 ? path.slice(1) : path.slice(1, slash);
    return buckets.get(segment) ?? anywhere;
  }

  return {
    match(rawPath: string): RouteMatch {
      const path = decodePath(rawPath);
      if (path === undefined) return notFound(REASONS.invalidUtf8);
      if (path.includes('\0')) return notFound(REASONS.nulByte);
      if (hasDotSegment(path)) {
        const location = encodePath(normalizeDotSegments(path));
        if (location === undefined) return notFound(REASONS.invalidUtf8);
        // App Engine answers 302 (not 301) here.
        return { kind: 'redirect', status: 302, location };
      }
      for (const c of candidates(path)) {
        if (!path.startsWith(c.prefix)) continue;
        let groups: string[];
        const tail = c.tail;
        if (tail !== undefined) {
          if (!tailMatches(tail, path, c.prefix.length)) continue;
          groups = tail.capture ? [path.slice(c.prefix.length)] : [];
        } else if (!c.exec) {
          if (!c.regex.test(path)) continue;
          groups = [];
        } else {
          const m = c.regex.exec(path);
          if (m === null) continue;
          groups = [];
          for (let i = 1; i < m.length; i++) groups.push(m[i] ?? '');
        }
        if (c.kind === 'script') {
          return { kind: 'handler', index: c.index, handler: c.handler, groups };
        }
        let file: string;
        if (c.kind === 'static-dir') {
          const rest = groups[groups.length - 1] ?? '';
          file = c.target === '' ? rest : `${c.target}/${rest}`;
        } else {
          file = expand(c.target, groups);
        }
        const unsafe = unsafeFileReason(file);
        const uploaded = unsafe === undefined && (c.upload === undefined || c.upload.test(file));
        if (c.requireFile) {
          // The next handler gets its chance when this one has no such file.
          if (!uploaded || !fileExists(file)) continue;
        } else if (unsafe !== undefined) {
          return notFound(unsafe);
        } else if (!uploaded) {
          return notFound(REASONS.notUploaded);
        }
        return { kind: 'handler', index: c.index, handler: c.handler, groups, file };
      }
      return notFound(REASONS.noHandler);
    },
  };
}
