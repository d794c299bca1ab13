import { describe, expect, it } from 'vitest';
import { type Diagnostic, validateApp, validateAppYaml } from '../src/index.js';

/** Validates one static handler with the given headers (camelCase config). */
function withHeaders(httpHeaders: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return validateApp({
    runtime: 'nodejs22',
    handlers: [
      { url: '/static', staticDir: 'public', httpHeaders, ...extra },
      { url: '/.*', script: 'auto' },
    ],
  });
}

function errorsOf(result: { diagnostics: Diagnostic[] }): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

describe('http_headers (spec §1.11)', () => {
  it('accepts typical response headers', () => {
    const result = withHeaders({
      'Access-Control-Allow-Origin': '*',
      Vary: 'Accept-Encoding',
      'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
      'X-Frame-Options': 'DENY',
      'Cache-Control': 'public, max-age=600',
      "X-Odd!#$%&'*+-.^_`|~Name": 'ok',
      'X-Empty': '',
    });
    expect(result.diagnostics).toEqual([]);
    expect(result.success).toBe(true);
  });

  it.each([
    ['X Space', 'a space'],
    ['X-Colon:', 'a colon'],
    ['X(Paren)', 'parentheses'],
    ['X/Slash', 'a slash'],
    ['X@At', 'an at sign'],
    ['', 'nothing'],
    ['X-Café', 'a non-ASCII letter'],
  ])('rejects the name %j (%s): it must be an RFC 2616 token', (name) => {
    const errors = errorsOf(withHeaders({ [name]: 'v' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'config/invalid-header-name',
      path: ['handlers', 0, 'httpHeaders', name],
      message: `${JSON.stringify(name)} is not a valid header name`,
    });
  });

  const REQUEST_ONLY = [
    'Accept',
    'Accept-Charset',
    'Accept-Encoding',
    'Accept-Language',
    'Authorization',
    'Expect',
    'From',
    'Host',
    'If-Match',
    'If-Modified-Since',
    'If-None-Match',
    'If-Range',
    'If-Unmodified-Since',
    'Max-Forwards',
    'Proxy-Authorization',
    'Range',
    'Referer',
    'TE',
    'User-Agent',
  ];
  const HOP_BY_HOP = [
    'Connection',
    'Keep-Alive',
    'Proxy-Authenticate',
    'Trailers',
    'Transfer-Encoding',
    'Upgrade',
  ];
  const FRONT_END = ['Content-Encoding', 'Content-Length', 'Date', 'Server'];

  it.each([
    ...REQUEST_ONLY,
    ...HOP_BY_HOP,
    ...FRONT_END,
    'X-AppEngine-Country',
    'x-appengine-anything',
  ])('rejects the header %s', (name) => {
    const errors = errorsOf(withHeaders({ [name]: 'v' }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      code: 'config/forbidden-header',
      pathText: `handlers[0].httpHeaders.${name}`,
      message: `header ${JSON.stringify(name)} cannot be set by a static handler`,
    });
  });

  it('says why a header is forbidden', () => {
    const errors = errorsOf(
      withHeaders({ 'X-AppEngine-City': 'x', Date: 'x', Host: 'x', upgrade: 'x' }),
    );
    expect(errors.map((d) => d.hint)).toEqual([
      'X-AppEngine-* headers are reserved for the platform.',
      'The front end sets this header itself.',
      'Request-only and hop-by-hop headers are not allowed in responses.',
      'Request-only and hop-by-hop headers are not allowed in responses.',
    ]);
  });

  it('matches forbidden names in any case', () => {
    const errors = errorsOf(withHeaders({ 'CONTENT-LENGTH': '1', 'x-AppEngine-City': 'x' }));
    expect(errors.map((d) => d.code)).toEqual([
      'config/forbidden-header',
      'config/forbidden-header',
    ]);
  });

  it.each([
    ['a tab', 'a\tb'],
    ['a newline', 'a\nb'],
    ['a carriage return', 'a\r\nX-Injected: 1'],
    ['a non-ASCII character', 'caf\u00e9'],
    ['a DEL', 'a\u007f'],
  ])('rejects a value with %s', (_, value) => {
    const errors = errorsOf(withHeaders({ 'X-Value': value }));
    expect(errors).toMatchObject([
      {
        code: 'config/invalid-header-value',
        pathText: 'handlers[0].httpHeaders.X-Value',
        message: 'the value of header "X-Value" contains characters other than printable ASCII',
      },
    ]);
  });

  it('accepts a header line of 499 bytes and rejects one of 500', () => {
    // "X-Long: " + value + "\r\n" = 8 + n + 2 bytes
    expect(withHeaders({ 'X-Long': 'a'.repeat(489) }).success).toBe(true);
    const errors = errorsOf(withHeaders({ 'X-Long': 'a'.repeat(490) }));
    expect(errors).toMatchObject([
      {
        code: 'config/too-long',
        pathText: 'handlers[0].httpHeaders.X-Long',
        message: 'header line "X-Long: ..." is 500 bytes long',
      },
    ]);
  });

  it.each([
    ['Content-Security-Policy', 10240],
    ['X-Content-Security-Policy', 10240],
    ['X-WebKit-CSP', 10240],
    ['Content-Security-Policy-Report-Only', 10240],
    ['Set-Cookie', 4096],
    ['Set-Cookie2', 4096],
    ['Location', 2047],
  ])('allows %s values up to %i characters', (name, limit) => {
    expect(withHeaders({ [name]: 'a'.repeat(limit) }).success).toBe(true);
    const errors = errorsOf(withHeaders({ [name]: 'a'.repeat(limit + 1) }));
    expect(errors).toMatchObject([
      {
        code: 'config/too-long',
        pathText: `handlers[0].httpHeaders.${name}`,
        message: `the value of header ${JSON.stringify(name)} is ${limit + 1} characters long`,
        allowed: `at most ${limit} characters`,
      },
    ]);
  });

  it('allows 500 headers per handler and rejects 501', () => {
    const headers = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-H${i}`, 'v']));
    expect(withHeaders(headers(500)).success).toBe(true);
    const errors = errorsOf(withHeaders(headers(501)));
    expect(errors).toMatchObject([
      {
        code: 'config/too-many',
        pathText: 'handlers[0].httpHeaders',
        message: '501 headers are set',
      },
    ]);
  });

  it('rejects mime_type together with a Content-Type header, even when equal', () => {
    const errors = errorsOf(
      withHeaders({ 'content-type': 'text/plain' }, { mimeType: 'text/plain' }),
    );
    expect(errors).toMatchObject([
      {
        code: 'config/conflict',
        pathText: 'handlers[0].mimeType',
        message: expect.stringContaining('mimeType and a Content-Type in httpHeaders'),
        hint: 'Keep mimeType and remove httpHeaders.content-type.',
      },
    ]);
    expect(withHeaders({ 'Content-Type': 'text/plain' }).success).toBe(true);
    expect(withHeaders({ 'X-A': 'b' }, { mimeType: 'text/plain' }).success).toBe(true);
  });

  it('reports every bad header of every handler at once', () => {
    const result = validateApp({
      runtime: 'nodejs22',
      handlers: [
        { url: '/a', staticDir: 'a', httpHeaders: { Host: 'x', 'Bad Name': 'x' } },
        { url: '/b/(.*)', staticFiles: 'b/\\1', upload: 'b/.*', httpHeaders: { 'X-A': 'é' } },
        { url: '/.*', script: 'auto' },
      ],
    });
    expect(errorsOf(result).map((d) => [d.code, d.pathText])).toEqual([
      ['config/forbidden-header', 'handlers[0].httpHeaders.Host'],
      ['config/invalid-header-name', 'handlers[0].httpHeaders["Bad Name"]'],
      ['config/invalid-header-value', 'handlers[1].httpHeaders.X-A'],
    ]);
  });

  it('rejects http_headers on a script handler', () => {
    const result = validateApp({
      runtime: 'nodejs22',
      handlers: [{ url: '/.*', script: 'auto', httpHeaders: { 'X-A': 'b' } }],
    });
    expect(errorsOf(result)).toMatchObject([
      {
        code: 'config/field-not-allowed',
        pathText: 'handlers[0].httpHeaders',
        message: 'httpHeaders is not allowed on a script handler',
      },
    ]);
  });
});

describe('http_headers in app.yaml', () => {
  it('keeps header names as written and points at the header line', () => {
    const result = validateAppYaml(`runtime: nodejs22
handlers:
- url: /static
  static_dir: public
  http_headers:
    Access-Control-Allow-Origin: "*"
    X-AppEngine-Foo: bar
    X-Max-Age: 3600
    X-Flag: yes
- url: /.*
  script: auto
`);
    expect(errorsOf(result)).toMatchObject([
      {
        code: 'config/forbidden-header',
        pathText: 'handlers[0].http_headers.X-AppEngine-Foo',
        line: 7,
        column: 22,
      },
    ]);
  });

  it('reads numbers and yes/no as header text', () => {
    const result = validateAppYaml(`runtime: nodejs22
handlers:
- url: /static
  static_dir: public
  http_headers:
    X-Max-Age: 3600
    X-Flag: yes
    X-Version: 1.10
- url: /.*
  script: auto
`);
    expect(result.success).toBe(true);
    expect(result.data?.handlers?.[0]?.httpHeaders).toEqual({
      'X-Max-Age': '3600',
      'X-Flag': 'yes',
      'X-Version': '1.10',
    });
  });
});
