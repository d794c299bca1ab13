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

/** The request headers logging reads, found in one pass. */
export interface LoggedHeaders {
  host?: string;
  userAgent?: string;
  referer?: string;
  contentLength?: string;
  cloudTrace?: string;
  traceparent?: string;
  requestLogId?: string;
  userIp?: string;
  forwardedFor?: string;
  forwardedProto?: string;
  queueName?: string;
  taskName?: string;
}

const LOGGED = new Map<string, keyof LoggedHeaders>([
  ['host', 'host'],
  ['user-agent', 'userAgent'],
  ['referer', 'referer'],
  ['content-length', 'contentLength'],
  ['x-cloud-trace-context', 'cloudTrace'],
  ['traceparent', 'traceparent'],
  ['x-appengine-request-log-id', 'requestLogId'],
  ['x-appengine-user-ip', 'userIp'],
  ['x-forwarded-for', 'forwardedFor'],
  ['x-forwarded-proto', 'forwardedProto'],
  ['x-appengine-queuename', 'queueName'],
  ['x-appengine-taskname', 'taskName'],
]);

/** The headers logging reads (first value of each); one pass for `[name, value]` pairs. */
export function loggedHeaders(headers: HeadersInput | undefined): LoggedHeaders {
  // Every field present from the start: one object shape, however many headers are found.
  const found: LoggedHeaders = {
    host: undefined,
    userAgent: undefined,
    referer: undefined,
    contentLength: undefined,
    cloudTrace: undefined,
    traceparent: undefined,
    requestLogId: undefined,
    userIp: undefined,
    forwardedFor: undefined,
    forwardedProto: undefined,
    queueName: undefined,
    taskName: undefined,
  };
  if (!headers) return found;
  if (Array.isArray(headers)) {
    for (const pair of headers as ReadonlyArray<readonly [string, string]>) {
      const key = LOGGED.get(pair[0]) ?? LOGGED.get(pair[0].toLowerCase());
      if (key !== undefined && found[key] === undefined) found[key] = pair[1];
    }
    return found;
  }
  for (const [name, key] of LOGGED) {
    const value = getHeader(headers, name);
    if (value !== undefined) found[key] = value;
  }
  return found;
}
