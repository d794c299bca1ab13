import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  acceptsGzip,
  compressResponse,
  compressResponseNow,
  isCompressibleType,
  shouldCompress,
} from '../src/index.js';
import { BROWSER_UA, edgeRequest, encoder, record, textBody, UNKNOWN_UA } from './helpers.js';

const browserGzip = edgeRequest([
  ['Accept-Encoding', 'gzip, deflate, br'],
  ['User-Agent', BROWSER_UA],
]);

describe('acceptsGzip', () => {
  it.each([
    ['gzip', true],
    ['deflate, gzip', true],
    ['GZIP', true],
    ['x-gzip', true],
    ['gzip;q=0.5', true],
    ['gzip; q=0', false],
    ['gzip;q=0.000', false],
    ['*', true],
    ['*;q=0', false],
    ['br, *;q=0.1', true],
    ['gzip;q=0, *', false],
    ['identity', false],
    ['br, deflate', false],
    ['', false],
  ])('%j -> %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('refuses without the header', () => {
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

describe('isCompressibleType', () => {
  it.each([
    ['text/html', true],
    ['text/css', true],
    ['text/x-unknown-thing', true],
    ['application/javascript', true],
    ['application/json', true],
    ['application/xml', true],
    ['application/vnd.acme+json', true],
    ['application/atom+xml', true],
    ['image/svg+xml', true],
    ['image/png', false],
    ['image/jpeg', false],
    ['application/zip', false],
    ['application/pdf', false],
    ['video/mp4', false],
    ['application/octet-stream', false],
  ])('%s -> %s', (type, expected) => {
    expect(isCompressibleType(type)).toBe(expected);
  });
});

describe('shouldCompress', () => {
  it('compresses text for a browser that accepts gzip', () => {
    expect(shouldCompress(browserGzip, record())).toEqual({ compress: true });
  });

  it('never compresses without gzip in Accept-Encoding, or with q=0', () => {
    for (const accept of [undefined, 'br', 'gzip;q=0', 'identity']) {
      const headers: [string, string][] = [['User-Agent', BROWSER_UA]];
      if (accept) headers.push(['Accept-Encoding', accept]);
      expect(shouldCompress(edgeRequest(headers), record())).toEqual({
        compress: false,
        reason: 'client does not accept gzip',
      });
    }
  });

  it('accepts * in Accept-Encoding', () => {
    const request = edgeRequest([
      ['Accept-Encoding', '*'],
      ['User-Agent', BROWSER_UA],
    ]);
    expect(shouldCompress(request, record()).compress).toBe(true);
  });

  it('does not trust unknown or missing User-Agents by default', () => {
    for (const ua of [UNKNOWN_UA, 'curl/8.5.0', 'okhttp/4.12.0', undefined]) {
      const headers: [string, string][] = [['Accept-Encoding', 'gzip']];
      if (ua) headers.push(['User-Agent', ua]);
      expect(shouldCompress(edgeRequest(headers), record())).toEqual({
        compress: false,
        reason: 'User-Agent not trusted with gzip',
      });
    }
  });

  it('trusts a User-Agent that contains gzip, as Google tells API clients to send', () => {
    const request = edgeRequest([
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', 'my program (gzip)'],
    ]);
    expect(shouldCompress(request, record()).compress).toBe(true);
  });

  it('refuses the old browsers known to mishandle gzip', () => {
    for (const ua of [
      'Mozilla/4.07 [en] (Win95; I)',
      'Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)',
    ]) {
      const request = edgeRequest([
        ['Accept-Encoding', 'gzip'],
        ['User-Agent', ua],
      ]);
      expect(shouldCompress(request, record()).compress).toBe(false);
    }
    const ie6 = edgeRequest([
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', 'Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)'],
    ]);
    expect(shouldCompress(ie6, record()).compress).toBe(true);
  });

  it('is forced by Accept-Encoding: gzip with User-Agent: gzip, whatever the rule', () => {
    const request = edgeRequest([
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', 'gzip'],
    ]);
    expect(shouldCompress(request, record(), { userAgents: () => false }).compress).toBe(true);
    const notForced = edgeRequest([
      ['Accept-Encoding', 'gzip, br'],
      ['User-Agent', 'gzip'],
    ]);
    expect(shouldCompress(notForced, record(), { userAgents: () => false }).compress).toBe(false);
    // Forcing still compresses text types only.
    expect(shouldCompress(request, record([['Content-Type', 'image/png']])).compress).toBe(false);
  });

  it('takes userAgents "any" and a function', () => {
    const curl = edgeRequest([
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', 'curl/8.5.0'],
    ]);
    expect(shouldCompress(curl, record(), { userAgents: 'any' }).compress).toBe(true);
    expect(
      shouldCompress(edgeRequest([['Accept-Encoding', 'gzip']]), record(), { userAgents: 'any' })
        .compress,
    ).toBe(true);
    const seen: (string | undefined)[] = [];
    const rule = (ua: string | undefined) => {
      seen.push(ua);
      return ua?.startsWith('curl/') ?? false;
    };
    expect(shouldCompress(curl, record(), { userAgents: rule }).compress).toBe(true);
    expect(seen).toEqual(['curl/8.5.0']);
  });

  it('compresses text types only', () => {
    expect(shouldCompress(browserGzip, record([['Content-Type', 'image/png']]))).toEqual({
      compress: false,
      reason: 'content type not compressible (image/png)',
    });
    expect(
      shouldCompress(browserGzip, record([['content-type', 'Application/JSON; charset=utf-8']]))
        .compress,
    ).toBe(true);
    expect(shouldCompress(browserGzip, record([]))).toEqual({
      compress: false,
      reason: 'no Content-Type',
    });
    const onlyPng = { compressible: (type: string) => type === 'image/png' };
    expect(
      shouldCompress(browserGzip, record([['Content-Type', 'image/png']]), onlyPng).compress,
    ).toBe(true);
    expect(shouldCompress(browserGzip, record(), onlyPng).compress).toBe(false);
  });

  it('never compresses what the app encoded, no-transform, HEAD, 204/304, empty bodies or ranges', () => {
    const cases: [ReturnType<typeof record>, string, string?][] = [
      [
        record([
          ['Content-Type', 'text/html'],
          ['Content-Encoding', 'br'],
        ]),
        'already encoded (Content-Encoding: br)',
      ],
      [
        record([
          ['Content-Type', 'text/html'],
          ['Cache-Control', 'public, no-transform'],
        ]),
        'Cache-Control: no-transform',
      ],
      [record(undefined, textBody(), 204), 'status 204 has no body'],
      [record(undefined, textBody(), 304), 'status 304 has no body'],
      [record(undefined, new Uint8Array(0)), 'empty body'],
      [
        record(
          [
            ['Content-Type', 'text/html'],
            ['Content-Range', 'bytes 0-9/100'],
          ],
          textBody(),
          206,
        ),
        'partial content (Content-Range)',
      ],
      [record(), 'HEAD request', 'HEAD'],
    ];
    for (const [response, reason, method] of cases) {
      const request = { ...browserGzip, method: method ?? 'GET' };
      expect(shouldCompress(request, response)).toEqual({ compress: false, reason });
    }
  });

  it('has a minimum size option (none by default)', () => {
    const tiny = record(undefined, encoder.encode('hi'));
    expect(shouldCompress(browserGzip, tiny).compress).toBe(true);
    expect(shouldCompress(browserGzip, tiny, { minBytes: 100 })).toEqual({
      compress: false,
      reason: 'body under 100 bytes',
    });
  });
});

describe('compressResponse', () => {
  it('gzips, sets Content-Encoding and the new Content-Length, and keeps the rest', async () => {
    const body = textBody(2000);
    const original = record(
      [
        ['Content-Type', 'text/plain'],
        ['Content-Length', String(body.byteLength)],
        ['X-Custom', 'kept'],
      ],
      body,
    );
    const result = await compressResponse(browserGzip, original);
    expect(result).not.toBe(original);
    expect(result.status).toBe(200);
    expect(result.body.byteLength).toBeLessThan(body.byteLength / 4);
    expect(new Uint8Array(gunzipSync(result.body))).toEqual(body);
    const headers = Object.fromEntries(result.headers.map(([n, v]) => [n.toLowerCase(), v]));
    expect(headers['content-encoding']).toBe('gzip');
    expect(headers['content-length']).toBe(String(result.body.byteLength));
    expect(headers['x-custom']).toBe('kept');
    expect(headers.vary).toBeUndefined();
    // The original record is untouched.
    expect(original.headers).toHaveLength(3);
    expect(original.body).toBe(body);
  });

  it('does not add Content-Length when there was none', async () => {
    const result = await compressResponse(browserGzip, record([['Content-Type', 'text/html']]));
    expect(result.headers.some(([name]) => name.toLowerCase() === 'content-length')).toBe(false);
  });

  it('returns the same record when it does not compress', async () => {
    const png = record([['Content-Type', 'image/png']]);
    expect(await compressResponse(browserGzip, png)).toBe(png);
  });

  it('adds Vary: Accept-Encoding only when asked, merging with an existing Vary', async () => {
    const withVary = await compressResponse(
      browserGzip,
      record([
        ['Content-Type', 'text/html'],
        ['Vary', 'Origin'],
      ]),
      { vary: true },
    );
    expect(withVary.headers.filter(([n]) => n.toLowerCase() === 'vary')).toEqual([
      ['Vary', 'Origin, Accept-Encoding'],
    ]);
    const already = await compressResponse(
      browserGzip,
      record([
        ['Content-Type', 'text/html'],
        ['vary', 'accept-encoding'],
      ]),
      { vary: true },
    );
    expect(already.headers.filter(([n]) => n.toLowerCase() === 'vary')).toEqual([
      ['vary', 'accept-encoding'],
    ]);
  });

  it('makes a strong ETag weak, since the bytes differ', async () => {
    const result = await compressResponse(
      browserGzip,
      record([
        ['Content-Type', 'text/html'],
        ['ETag', '"abc"'],
      ]),
    );
    expect(result.headers).toContainEqual(['ETag', 'W/"abc"']);
    const weak = await compressResponse(
      browserGzip,
      record([
        ['Content-Type', 'text/html'],
        ['ETag', 'W/"abc"'],
      ]),
    );
    expect(weak.headers).toContainEqual(['ETag', 'W/"abc"']);
  });

  it('uses the level option (1 is larger than 9 on a compressible body)', async () => {
    const body = textBody(3000);
    const fast = await compressResponse(browserGzip, record(undefined, body), { level: 1 });
    const small = await compressResponse(browserGzip, record(undefined, body), { level: 9 });
    expect(fast.body.byteLength).toBeGreaterThan(small.body.byteLength);
    expect(new Uint8Array(gunzipSync(fast.body))).toEqual(body);
  });

  it('keeps the event loop running while a large body is compressed', async () => {
    // 8 MB of text with little repetition, so zlib has real work to do.
    let text = '';
    let seed = 1;
    while (text.length < 8 * 1024 * 1024) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      text += `${seed.toString(36)} `;
    }
    const body = encoder.encode(text);
    let ticks = 0;
    let running = true;
    const tick = () => {
      ticks++;
      if (running) setImmediate(tick);
    };
    setImmediate(tick);
    const result = await compressResponse(
      browserGzip,
      record([['Content-Type', 'text/plain']], body),
    );
    running = false;
    expect(result.headers).toContainEqual(['Content-Encoding', 'gzip']);
    expect(ticks).toBeGreaterThan(1);
  });
});

describe('compressResponseNow', () => {
  const gzipClient = () =>
    edgeRequest([
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', BROWSER_UA],
    ]);

  it('returns the record itself when nothing is to be compressed', () => {
    const response = record();
    expect(compressResponseNow(edgeRequest([['User-Agent', UNKNOWN_UA]]), response)).toBe(response);
  });

  it('gzips a small body at once, as compressResponse would', async () => {
    const body = textBody(200);
    expect(body.byteLength).toBeLessThan(8 * 1024);
    const now = compressResponseNow(gzipClient(), record(undefined, body));
    const later = await compressResponse(gzipClient(), record(undefined, body));
    expect(now?.headers).toEqual(later.headers);
    expect(gunzipSync(now?.body ?? new Uint8Array(0)).toString()).toBe(
      new TextDecoder().decode(body),
    );
  });

  it('leaves a large body that is not a held static file to compressResponse', () => {
    const body = textBody(4000);
    expect(body.byteLength).toBeGreaterThan(8 * 1024);
    expect(compressResponseNow(gzipClient(), record(undefined, body))).toBeUndefined();
  });
});
