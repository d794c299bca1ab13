/**
 * `Cache-Control` directives by lower-case name: the value (quotes removed) or `true` for a
 * directive without one. Commas inside quoted values (`private="a, b"`) do not split.
 */
export function parseCacheControl(value: string | undefined): Map<string, string | true> {
  const directives = new Map<string, string | true>();
  if (value === undefined) return directives;
  const pattern = /\s*([^=,\s]+)\s*(?:=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*)))?\s*(?:,|$)/gy;
  let match: RegExpExecArray | null = pattern.exec(value);
  while (match !== null && match[0] !== '') {
    const name = (match[1] as string).toLowerCase();
    const argument = match[2] ?? match[3];
    // The first occurrence wins, as in most caches.
    if (!directives.has(name)) directives.set(name, argument === undefined ? true : argument);
    match = pattern.exec(value);
  }
  return directives;
}

/** A delta-seconds directive value (`max-age=600`), or `undefined` when absent or malformed. */
export function deltaSeconds(
  directives: ReadonlyMap<string, string | true>,
  name: string,
): number | undefined {
  const value = directives.get(name);
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

const NO_DIRECTIVES: ReadonlyMap<string, string | true> = new Map();
const parsed = new Map<string, ReadonlyMap<string, string | true>>();

/**
 * {@link parseCacheControl}, kept per value (apps send the same few values again and again).
 * The map is shared: read it, never change it.
 */
export function cacheControlOf(value: string | undefined): ReadonlyMap<string, string | true> {
  if (value === undefined) return NO_DIRECTIVES;
  let directives = parsed.get(value);
  if (directives === undefined) {
    directives = parseCacheControl(value);
    // Bounded: ever-new values only cost a parse each.
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(value, directives);
  }
  return directives;
}
