/**
 * Request headers in any of the shapes a Node.js server has at hand: a Web `Headers`, Node's
 * `IncomingHttpHeaders` (lower-case names), or a list of `[name, value]` pairs.
 */
export type HeadersInput =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | Iterable<readonly [string, string]>;

/** The first value of header `name` (lower case), or undefined. */
export function getHeader(headers: HeadersInput | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function' && typeof Headers !== 'undefined') {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
  }
  if (
    Symbol.iterator in headers &&
    typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function'
  ) {
    for (const [key, value] of headers as Iterable<readonly [string, string]>) {
      if (key.length === name.length && key.toLowerCase() === name) return value;
    }
    return undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  let value = record[name];
  if (value === undefined) {
    for (const key of Object.keys(record)) {
      if (key.toLowerCase() === name) {
        value = record[key];
        break;
      }
    }
  }
  if (Array.isArray(value)) return value[0];
  return value as string | undefined;
}
