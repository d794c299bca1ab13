import type { HeaderPairs } from '@gaekit/scheduler';

/** App Engine headers a client may not send (spec §4.1.2, §4.2), lower case. */
const PLATFORM_HEADERS = new Set([
  'x-appengine-country',
  'x-appengine-region',
  'x-appengine-city',
  'x-appengine-citylatlong',
  'x-appengine-https',
  'x-appengine-user-ip',
  'x-appengine-api-ticket',
  'x-appengine-request-log-id',
  'x-appengine-default-version-hostname',
  'x-appengine-timeout-ms',
  'x-appengine-cron',
  'x-appengine-queuename',
  'x-appengine-taskname',
  'x-appengine-taskretrycount',
  'x-appengine-taskexecutioncount',
  'x-appengine-tasketa',
  'x-appengine-taskpreviousresponse',
  'x-appengine-taskretryreason',
  'x-appengine-failfast',
  'x-appengine-inbound-appid',
  'x-appengine-user-email',
  'x-appengine-user-id',
  'x-appengine-user-nickname',
  'x-appengine-user-organization',
  'x-appengine-user-is-admin',
  'x-appengine-auth-domain',
  'x-appengine-default-namespace',
  // The development server's own switches (spec §4.1.5).
  'x-appengine-fake-is-admin',
  'x-appengine-fake-logged-in',
]);

/** Transfer-level headers the front end owns (spec §4.1.3). `accept-encoding` is optional. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** Where the client is, as `X-AppEngine-Country/Region/City/CityLatLong` say. */
export interface GeoHeaders {
  /** ISO 3166-1 alpha-2; `ZZ` when unknown. */
  country: string;
  /** ISO 3166-2 subdivision, lower case. */
  region: string;
  /** City, lower case; `?` when unknown. */
  city: string;
  /** `lat,long` with 6 decimals. */
  cityLatLong: string;
}

/** Development values: App Engine's "unknown" answers (spec §4.2). */
export const UNKNOWN_LOCATION: GeoHeaders = {
  country: 'ZZ',
  region: '?',
  city: '?',
  cityLatLong: '0.000000,0.000000',
};

/** What the front end knows about one request when it adds its headers. */
export interface PlatformHeaderInput {
  /** Remove `Accept-Encoding` before the app sees it (spec §4.1.3, unconfirmed for G2). */
  stripAcceptEncoding: boolean;
  clientIp: string;
  https: boolean;
  requestLogId: string;
  defaultVersionHostname: string;
  cloudTraceContext: string;
  traceparent: string | undefined;
  geo: GeoHeaders;
  /** Remaining milliseconds before the deadline. */
  timeoutMs: number | undefined;
}

/** What the app gets for a request's headers, in one pass over them (spec §4). */
export function platformRequestHeaders(
  headers: HeaderPairs,
  input: PlatformHeaderInput,
): HeaderPairs {
  let forwardedFor: string | undefined;
  const out: HeaderPairs = [];
  for (const pair of headers) {
    const name = pair[0].toLowerCase();
    // Removed as the front end removes them: X-Google-*, client-sent App Engine headers (exact
    // names), hop-by-hop headers, HTTP/2 pseudo-headers.
    if (name.charCodeAt(0) === 58 /* : */ || name.startsWith('x-google-')) continue;
    if (PLATFORM_HEADERS.has(name) || HOP_BY_HOP.has(name)) continue;
    if (input.stripAcceptEncoding && name === 'accept-encoding') continue;
    // The client's X-Forwarded-For is kept and the connecting address appended (our reading).
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? pair[1] : `${forwardedFor}, ${pair[1]}`;
      continue;
    }
    // The front end writes these itself.
    if (
      name === 'x-forwarded-proto' ||
      name === 'x-cloud-trace-context' ||
      name === 'traceparent'
    ) {
      continue;
    }
    out.push(pair);
  }
  out.push(
    ['X-AppEngine-Country', input.geo.country],
    ['X-AppEngine-Region', input.geo.region],
    ['X-AppEngine-City', input.geo.city],
    ['X-AppEngine-CityLatLong', input.geo.cityLatLong],
    ['X-AppEngine-User-IP', input.clientIp],
    ['X-AppEngine-Https', input.https ? 'on' : 'off'],
    ['X-AppEngine-Request-Log-Id', input.requestLogId],
    ['X-AppEngine-Default-Version-Hostname', input.defaultVersionHostname],
    ['X-Cloud-Trace-Context', input.cloudTraceContext],
  );
  if (input.traceparent) out.push(['traceparent', input.traceparent]);
  if (input.timeoutMs !== undefined) out.push(['X-AppEngine-Timeout-Ms', String(input.timeoutMs)]);
  out.push(
    ['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${input.clientIp}` : input.clientIp],
    ['X-Forwarded-Proto', input.https ? 'https' : 'http'],
  );
  return out;
}

/** The first value of a header, case-insensitively. */
export function headerValue(headers: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of headers) {
    if (n.length === lower.length && n.toLowerCase() === lower) return v;
  }
  return undefined;
}
