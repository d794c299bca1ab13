/**
 * Header fields as `[name, value]` pairs: names in any case, order kept, repeated names kept
 * as separate pairs (so every `Set-Cookie` survives). The same shape as the pipeline's,
 * the scheduler's and `@gaekit/limits`' records.
 */
export type HeaderPairs = [string, string][];

/** What the front end looks at in a request: method, absolute URL and header fields. */
export interface EdgeRequest {
  /** HTTP method, upper case. */
  method: string;
  /** The absolute URL (`https://host/path?query`): the front-end cache key. */
  url: string;
  /** Request header fields, in order. */
  headers: HeaderPairs;
}

/**
 * A buffered response: status, header fields and the whole body. Structurally the same as
 * `ResponseRecord` of `@gaekit/limits` and `@gaekit/scheduler`.
 */
export interface ResponseRecordLike {
  /** HTTP status code. */
  status: number;
  /** Response header fields, in order. */
  headers: HeaderPairs;
  /** The whole body. Treated as read-only: records may share it. */
  body: Uint8Array;
}
