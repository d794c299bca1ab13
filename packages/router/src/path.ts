// fatal: overlong forms (%c0%ae), surrogates and truncated sequences are refused, not
// replaced; ignoreBOM: a leading %EF%BB%BF is part of the path, not a byte-order mark.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const ESCAPE_RUN = /(?:%[0-9A-Fa-f]{2})+/g;

/**
 * Percent-decodes a request path once, as a WSGI server builds `PATH_INFO` (`%2F` becomes
 * `/`, `%252e` becomes `%2e`). Malformed escapes such as `%zz` are kept as they are.
 * Returns `undefined` when the decoded bytes are not valid UTF-8.
 */
export function decodePath(path: string): string | undefined {
  if (!path.includes('%')) return path;
  let valid = true;
  const decoded = path.replace(ESCAPE_RUN, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = Number.parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    }
    try {
      return utf8.decode(bytes);
    } catch {
      valid = false;
      return '';
    }
  });
  return valid ? decoded : undefined;
}

/**
 * Resolves `.` and `..` segments the way App Engine does before matching: `.` is dropped,
 * `..` removes the segment before it (never the root), redundant `//` are kept, and a path
 * ending in `.` or `..` keeps a trailing `/`.
 */
export function normalizeDotSegments(path: string): string {
  const parts = path.split('/');
  const out: string[] = [];
  const last = parts.length - 1;
  for (let i = 0; i <= last; i++) {
    const part = parts[i] as string;
    if (part === '.' || part === '..') {
      if (part === '..' && out.length > 1) out.pop();
      if (i === last) out.push('');
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

/** Whether `path` has a `.` or `..` segment. */
export function hasDotSegment(path: string): boolean {
  return path.includes('/.') && normalizeDotSegments(path) !== path;
}

/**
 * Percent-encodes a decoded path for a `Location` header: what `encodeURI` encodes, plus `?`
 * and `#` so they stay part of the path. `undefined` for a string with a lone surrogate.
 */
export function encodePath(path: string): string | undefined {
  try {
    return encodeURI(path).replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'));
  } catch {
    return undefined;
  }
}

const DRIVE = /^[A-Za-z]:/;

/**
 * Why a static file path (relative to the app root, `/`-separated) would not stay inside the
 * app's files, or `undefined` when it is safe: no empty, `.` or `..` segment, no absolute
 * path, no backslash, no NUL byte, no drive letter.
 */
export function unsafeFileReason(file: string): string | undefined {
  if (file === '') return 'the static file path is empty';
  if (file.includes('\0')) return 'the static file path contains a NUL byte';
  if (file.includes('\\')) return 'the static file path contains a backslash';
  if (file.startsWith('/') || DRIVE.test(file)) return 'the static file path is absolute';
  for (const segment of file.split('/')) {
    if (segment === '') return 'the static file path has an empty segment';
    if (segment === '.' || segment === '..') return 'the static file path has a dot segment';
  }
  return undefined;
}
