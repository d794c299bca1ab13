import type { Problem } from './diagnostics.js';

/** Request-only headers that a static handler may not set (SDK rule). */
const REQUEST_ONLY = [
  'accept',
  'accept-charset',
  'accept-encoding',
  'accept-language',
  'authorization',
  'expect',
  'from',
  'host',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-range',
  'if-unmodified-since',
  'max-forwards',
  'proxy-authorization',
  'range',
  'referer',
  'te',
  'user-agent',
];
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailers',
  'transfer-encoding',
  'upgrade',
];
const SET_BY_FRONT_END = ['content-encoding', 'content-length', 'date', 'server'];
const FORBIDDEN = new Set([...REQUEST_ONLY, ...HOP_BY_HOP, ...SET_BY_FRONT_END]);

/** Longest value allowed for headers that are commonly long; others: the whole line < 500 bytes. */
const LONG_VALUE_LIMITS: Record<string, number> = {
  'content-security-policy': 10240,
  'x-content-security-policy': 10240,
  'x-webkit-csp': 10240,
  'content-security-policy-report-only': 10240,
  'set-cookie': 4096,
  'set-cookie2': 4096,
  location: 2047,
};
const MAX_HEADER_LINE = 500;
/** Most headers one handler may set. */
export const MAX_HTTP_HEADERS = 500;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Checks a static handler's `http_headers` as App Engine's SDK validator does (spec §1.11). */
export function checkHttpHeaders(
  headers: Record<string, unknown>,
  path: (string | number)[],
): Problem[] {
  const problems: Problem[] = [];
  const names = Object.keys(headers);
  if (names.length > MAX_HTTP_HEADERS) {
    problems.push({
      code: 'config/too-many',
      path,
      message: `${names.length} headers are set`,
      allowed: `at most ${MAX_HTTP_HEADERS} headers per handler`,
    });
  }
  for (const [name, value] of Object.entries(headers)) {
    const at = [...path, name];
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) {
      problems.push({
        code: 'config/invalid-header-name',
        path: at,
        message: `${JSON.stringify(name)} is not a valid header name`,
        allowed: 'printable ASCII without spaces or any of ()<>@,;:\\"/[]?={}',
      });
      continue;
    }
    if (FORBIDDEN.has(lower) || lower.startsWith('x-appengine')) {
      problems.push({
        code: 'config/forbidden-header',
        path: at,
        message: `header ${JSON.stringify(name)} cannot be set by a static handler`,
        hint: lower.startsWith('x-appengine')
          ? 'X-AppEngine-* headers are reserved for the platform.'
          : SET_BY_FRONT_END.includes(lower)
            ? 'The front end sets this header itself.'
            : 'Request-only and hop-by-hop headers are not allowed in responses.',
      });
      continue;
    }
    if (typeof value !== 'string') continue;
    if (!PRINTABLE.test(value)) {
      problems.push({
        code: 'config/invalid-header-value',
        path: at,
        message: `the value of header ${JSON.stringify(name)} contains characters other than printable ASCII`,
        found: value,
        allowed: 'printable ASCII characters (space to ~)',
      });
      continue;
    }
    const limit = LONG_VALUE_LIMITS[lower];
    if (limit !== undefined) {
      if (value.length > limit) {
        problems.push({
          code: 'config/too-long',
          path: at,
          message: `the value of header ${JSON.stringify(name)} is ${value.length} characters long`,
          allowed: `at most ${limit} characters`,
        });
      }
    } else {
      const lineLength = Buffer.byteLength(`${name}: ${value}\r\n`);
      if (lineLength >= MAX_HEADER_LINE) {
        problems.push({
          code: 'config/too-long',
          path: at,
          message: `header line "${name}: ..." is ${lineLength} bytes long`,
          allowed: `less than ${MAX_HEADER_LINE} bytes for "name: value\\r\\n"`,
        });
      }
    }
  }
  return problems;
}
