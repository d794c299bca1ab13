/**
 * Header fields as `[name, value]` pairs, in order, with repeated names kept as separate
 * pairs (so every `Set-Cookie` survives). The same shape as the pipeline's records.
 */
export type HeaderPairs = Array<[name: string, value: string]>;

/**
 * Anything this package accepts as header fields: `[name, value]` pairs, node's flat
 * `rawHeaders` array, a Web `Headers` object, or a plain record such as node's
 * `IncomingHttpHeaders` (array values become one field each).
 */
export type HeadersInput =
  | ReadonlyArray<readonly [string, string]>
  | readonly string[]
  | Headers
  | Readonly<Record<string, string | number | readonly string[] | undefined>>;

/** Normalises {@link HeadersInput} to `[name, value]` pairs (names as given). */
export function toHeaderPairs(input: HeadersInput | undefined): HeaderPairs {
  const pairs: HeaderPairs = [];
  if (input === undefined) return pairs;
  if (typeof Headers !== 'undefined' && input instanceof Headers) {
    for (const [name, value] of input) pairs.push([name, value]);
    return pairs;
  }
  if (Array.isArray(input)) {
    if (input.length === 0) return pairs;
    if (typeof input[0] === 'string') {
      const flat = input as readonly string[];
      for (let i = 0; i + 1 < flat.length; i += 2)
        pairs.push([flat[i] as string, flat[i + 1] as string]);
      return pairs;
    }
    for (const pair of input as ReadonlyArray<readonly [string, string]>) {
      pairs.push([String(pair[0]), String(pair[1])]);
    }
    return pairs;
  }
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) pairs.push([name, String(item)]);
    else pairs.push([name, String(value)]);
  }
  return pairs;
}

/** The first value of a header (case-insensitive name), or `undefined`. */
export function headerValue(pairs: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of pairs) if (key.toLowerCase() === lower) return value;
  return undefined;
}

/**
 * Bytes of a header string on the wire. HTTP/1.1 header text is Latin-1 (node writes and
 * reads it so), so each character is one byte; any character beyond U+00FF is counted as
 * its UTF-8 bytes.
 */
export function wireLength(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0xff) return Buffer.byteLength(text, 'utf8');
  }
  return text.length;
}

/** Size of one header field as `Name: value` (without the line break). */
export function headerFieldBytes(name: string, value: string): number {
  return wireLength(name) + 2 + wireLength(value);
}

/** Parses a `Content-Length` value; `undefined` when absent, `NaN` when malformed. */
export function parseContentLength(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return Number.NaN;
  return Number(trimmed);
}
