import { describe, expect, it } from 'vitest';
import { createEdgeCache, type HeaderPairs } from '../src/index.js';
import { edgeRequest, encoder, record } from './helpers.js';

const URL_A = 'https://app.example/a?x=1';

function clock(start = Date.UTC(2026, 0, 1)) {
  let at = start;
  return {
    now: () => at,
    advance(seconds: number) {
      at += seconds * 1000;
    },
  };
}

function get(headers: HeaderPairs = [], url = URL_A) {
  return edgeRequest(headers, 'GET', url);
}

function publicResponse(extra: HeaderPairs = [], body = 'hello') {
  return record(
    [['Content-Type', 'text/plain'], ['Cache-Control', 'public, max-age=60'], ...extra],
    encoder.encode(body),
  );
}

function header(headers: HeaderPairs, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

describe('createEdgeCache', () => {
  it('stores a public response and answers a copy with Age', () => {
    const time = clock();
    const cache = createEdgeCache({ maxBytes: 1 << 20, now: time.now });
    const response = publicResponse();
    expect(cache.store(get(), response)).toBe('stored');
    time.advance(7);
    const hit = cache.lookup(get());
    expect(hit?.status).toBe(200);
    expect(new TextDecoder().decode(hit?.body)).toBe('hello');
    expect(header(hit?.headers ?? [], 'age')).toBe('7');
    // A copy: pushing to it does not change the entry.
    hit?.headers.push(['X-Extra', '1']);
    const again = cache.lookup(get());
    expect(header(again?.headers ?? [], 'x-extra')).toBeUndefined();
    expect(again?.headers.filter(([n]) => n === 'Age')).toHaveLength(1);
    // Pairs are shared with the entry and frozen: editing one in place throws.
    const pair = again?.headers[0] as [string, string];
    expect(() => {
      pair[1] = 'changed';
    }).toThrow(TypeError);
    expect(header(cache.lookup(get())?.headers ?? [], 'content-type')).toBe('text/plain');
    // The response given to store stays the caller's to edit.
    response.headers[0] = ['Content-Type', 'text/html'];
    (response.headers[1] as [string, string])[1] = 'no-store';
    expect(header(cache.lookup(get())?.headers ?? [], 'cache-control')).toBe('public, max-age=60');
    expect(cache.stats).toMatchObject({ hits: 4, misses: 0, stores: 1, entries: 1 });
    expect(cache.stats.bytes).toBeGreaterThan(5);
  });

  it('moves Age with the clock from hit to hit, and misses on an empty cache', () => {
    const time = clock();
    const cache = createEdgeCache({ maxBytes: 1 << 20, now: time.now });
    expect(cache.lookup(get())).toBeUndefined();
    expect(cache.store(get(), publicResponse())).toBe('stored');
    const age = () => header(cache.lookup(get())?.headers ?? [], 'age');
    expect(age()).toBe('0');
    time.advance(0.5);
    expect(age()).toBe('0');
    time.advance(0.5);
    expect(age()).toBe('1');
    time.advance(2);
    expect(age()).toBe('3');
    expect(cache.stats).toMatchObject({ hits: 4, misses: 1, stores: 1 });
  });

  it('keys on the full URL, query included', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    cache.store(get(), publicResponse());
    expect(cache.lookup(get([], 'https://app.example/a?x=2'))).toBeUndefined();
    expect(cache.lookup(get([], 'http://app.example/a?x=1'))).toBeUndefined();
    expect(cache.lookup(get([], URL_A))).toBeDefined();
    expect(cache.stats.misses).toBe(2);
  });

  it('expires entries after s-maxage, max-age or Expires', () => {
    const time = clock();
    const cache = createEdgeCache({ maxBytes: 1 << 20, now: time.now });
    const date = new Date(time.now()).toUTCString();
    const expires = new Date(time.now() + 30_000).toUTCString();
    cache.store(
      get([], 'https://a/s'),
      record([['Cache-Control', 'public, max-age=100, s-maxage=10']]),
    );
    cache.store(get([], 'https://a/m'), record([['Cache-Control', 'public, max-age=20']]));
    cache.store(
      get([], 'https://a/e'),
      record([
        ['Cache-Control', 'public'],
        ['Date', date],
        ['Expires', expires],
      ]),
    );
    time.advance(9);
    expect(cache.lookup(get([], 'https://a/s'))).toBeDefined();
    time.advance(1);
    expect(cache.lookup(get([], 'https://a/s'))).toBeUndefined();
    time.advance(9);
    expect(cache.lookup(get([], 'https://a/m'))).toBeDefined();
    time.advance(1);
    expect(cache.lookup(get([], 'https://a/m'))).toBeUndefined();
    time.advance(9);
    expect(cache.lookup(get([], 'https://a/e'))).toBeDefined();
    time.advance(1);
    expect(cache.lookup(get([], 'https://a/e'))).toBeUndefined();
    expect(cache.stats.entries).toBe(0);
  });

  it('counts an Age the response already had', () => {
    const time = clock();
    const cache = createEdgeCache({ maxBytes: 1 << 20, now: time.now });
    cache.store(get(), publicResponse([['Age', '50']]));
    time.advance(3);
    expect(header(cache.lookup(get())?.headers ?? [], 'age')).toBe('53');
    time.advance(7);
    expect(cache.lookup(get())).toBeUndefined();
    expect(cache.store(get(), publicResponse([['Age', '60']]))).toBe('already stale');
  });

  it.each<[string, HeaderPairs, string]>([
    ['private', [['Cache-Control', 'private, max-age=60']], 'Cache-Control: private'],
    ['no-store', [['Cache-Control', 'public, no-store, max-age=60']], 'Cache-Control: no-store'],
    ['no-cache', [['Cache-Control', 'public, no-cache, max-age=60']], 'Cache-Control: no-cache'],
    ['no Cache-Control', [], 'no Cache-Control'],
    ['max-age without public', [['Cache-Control', 'max-age=60']], 'Cache-Control without public'],
    ['public without lifetime', [['Cache-Control', 'public']], 'no max-age, s-maxage or Expires'],
    ['max-age=0', [['Cache-Control', 'public, max-age=0']], 'already stale'],
    [
      'invalid Expires',
      [
        ['Cache-Control', 'public'],
        ['Expires', '0'],
      ],
      'already stale',
    ],
    [
      'Set-Cookie',
      [
        ['Cache-Control', 'public, max-age=60'],
        ['Set-Cookie', 'a=1'],
      ],
      'Set-Cookie',
    ],
    [
      'Vary: Cookie',
      [
        ['Cache-Control', 'public, max-age=60'],
        ['Vary', 'Accept-Encoding, Cookie'],
      ],
      'Vary: Cookie',
    ],
    [
      'Vary: *',
      [
        ['Cache-Control', 'public, max-age=60'],
        ['Vary', '*'],
      ],
      'Vary: *',
    ],
    [
      'admin usage',
      [
        ['Cache-Control', 'public, max-age=60'],
        ['X-AppEngine-Resource-Usage', 'ms=2'],
      ],
      'admin resource-usage headers',
    ],
  ])('does not store an app response with %s', (_name, headers, reason) => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    expect(cache.store(get(), record([['Content-Type', 'text/plain'], ...headers]))).toBe(reason);
    expect(cache.lookup(get())).toBeUndefined();
    expect(cache.stats.stores).toBe(0);
  });

  it('stores a static handler response without public, never with private or no-store', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    const url = (n: number) => get([], `https://app.example/s${n}`);
    expect(
      cache.store(url(1), record([['Cache-Control', 'max-age=60']]), { staticHandler: true }),
    ).toBe('stored');
    expect(
      cache.store(url(2), record([['Cache-Control', 'private, max-age=60']]), {
        staticHandler: true,
      }),
    ).toBe('Cache-Control: private');
    expect(
      cache.store(url(3), record([['Cache-Control', 'no-store']]), { staticHandler: true }),
    ).toBe('Cache-Control: no-store');
    // Without any lifetime there is nothing to keep it for.
    expect(cache.store(url(4), record([]), { staticHandler: true })).toBe(
      'no max-age, s-maxage or Expires',
    );
  });

  it('stores app responses without public when appResponses is "unless-private"', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20, appResponses: 'unless-private' });
    expect(cache.store(get(), record([['Cache-Control', 'max-age=60']]))).toBe('stored');
    expect(
      cache.store(get([], 'https://a/p'), record([['Cache-Control', 'private, max-age=60']])),
    ).toBe('Cache-Control: private');
  });

  it('never stores or answers requests with Authorization', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    expect(cache.store(get([['Authorization', 'Bearer x']]), publicResponse())).toBe(
      'request has Authorization',
    );
    cache.store(get(), publicResponse());
    expect(cache.lookup(get([['authorization', 'Bearer x']]))).toBeUndefined();
    expect(cache.lookup(get())).toBeDefined();
  });

  it('stores GET only, and answers HEAD from a GET entry', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    expect(cache.store(edgeRequest([], 'POST', URL_A), publicResponse())).toBe('method POST');
    expect(cache.store(edgeRequest([], 'HEAD', URL_A), publicResponse())).toBe('method HEAD');
    cache.store(get(), publicResponse());
    expect(cache.lookup(edgeRequest([], 'HEAD', URL_A))?.status).toBe(200);
    expect(cache.lookup(edgeRequest([], 'POST', URL_A))).toBeUndefined();
    expect(cache.stats.misses).toBe(0);
  });

  it('does not store 206 or 304, and stores other statuses with a lifetime', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    expect(
      cache.store(get(), record([['Cache-Control', 'public, max-age=60']], new Uint8Array(0), 304)),
    ).toBe('status 304');
    expect(
      cache.store(get(), record([['Cache-Control', 'public, max-age=60']], new Uint8Array(1), 206)),
    ).toBe('status 206');
    expect(
      cache.store(
        get(),
        record([['Cache-Control', 'public, max-age=60']], encoder.encode('gone'), 404),
      ),
    ).toBe('stored');
    expect(cache.lookup(get())?.status).toBe(404);
  });

  it('without Vary serves one entry to every client: the gzip mix-up', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    const gzipClient = get([['Accept-Encoding', 'gzip']]);
    cache.store(gzipClient, publicResponse([['Content-Encoding', 'gzip']], 'zipped'));
    const plainClient = cache.lookup(get());
    expect(header(plainClient?.headers ?? [], 'content-encoding')).toBe('gzip');
    expect(new TextDecoder().decode(plainClient?.body)).toBe('zipped');
  });

  it('with Vary: Accept-Encoding keeps one entry per Accept-Encoding value', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    const vary: HeaderPairs = [['Vary', 'Accept-Encoding']];
    cache.store(
      get([['Accept-Encoding', 'gzip']]),
      publicResponse([...vary, ['Content-Encoding', 'gzip']], 'zipped'),
    );
    expect(cache.lookup(get())).toBeUndefined();
    cache.store(get(), publicResponse(vary, 'plain'));
    expect(new TextDecoder().decode(cache.lookup(get())?.body)).toBe('plain');
    expect(new TextDecoder().decode(cache.lookup(get([['accept-encoding', 'gzip']]))?.body)).toBe(
      'zipped',
    );
    expect(cache.lookup(get([['Accept-Encoding', 'gzip, br']]))).toBeUndefined();
    expect(cache.stats.entries).toBe(2);
    expect(cache.purge(URL_A)).toBe(2);
    expect(cache.stats.entries).toBe(0);
  });

  it('honours Vary on Accept, Origin and X-Origin', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    const vary: HeaderPairs = [
      ['Vary', 'Origin, X-Origin'],
      ['Vary', 'Accept'],
    ];
    expect(cache.store(get([['Origin', 'https://a']]), publicResponse(vary, 'a'))).toBe('stored');
    expect(cache.store(get([['Origin', 'https://b']]), publicResponse(vary, 'b'))).toBe('stored');
    expect(new TextDecoder().decode(cache.lookup(get([['Origin', 'https://b']]))?.body)).toBe('b');
    expect(new TextDecoder().decode(cache.lookup(get([['Origin', 'https://a']]))?.body)).toBe('a');
    expect(
      cache.lookup(
        get([
          ['Origin', 'https://a'],
          ['Accept', 'text/html'],
        ]),
      ),
    ).toBeUndefined();
    expect(
      cache.lookup(
        get([
          ['Origin', 'https://a'],
          ['X-Origin', 'x'],
        ]),
      ),
    ).toBeUndefined();
  });

  it('starts a URL over when its Vary changes', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    cache.store(get([['Origin', 'https://a']]), publicResponse([['Vary', 'Origin']], 'by origin'));
    cache.store(get(), publicResponse([], 'one for all'));
    expect(cache.stats.entries).toBe(1);
    expect(new TextDecoder().decode(cache.lookup(get([['Origin', 'https://a']]))?.body)).toBe(
      'one for all',
    );
  });

  it('answers If-None-Match with a 304 when the stored ETag matches', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    cache.store(
      get(),
      publicResponse([
        ['ETag', 'W/"v1"'],
        ['Content-Length', '5'],
      ]),
    );
    const notModified = cache.lookup(get([['If-None-Match', '"v1"']]));
    expect(notModified?.status).toBe(304);
    expect(notModified?.body.byteLength).toBe(0);
    expect(header(notModified?.headers ?? [], 'etag')).toBe('W/"v1"');
    expect(header(notModified?.headers ?? [], 'content-length')).toBeUndefined();
    expect(cache.lookup(get([['If-None-Match', '"v2"']]))?.status).toBe(200);
  });

  it('answers If-Modified-Since from a 200 with Last-Modified, unless If-None-Match is sent', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    const modified = 'Tue, 01 Dec 2026 10:00:00 GMT';
    cache.store(
      get(),
      publicResponse([
        ['Last-Modified', modified],
        ['ETag', '"v1"'],
      ]),
    );
    const notModified = cache.lookup(get([['If-Modified-Since', modified]]));
    expect(notModified?.status).toBe(304);
    expect(header(notModified?.headers ?? [], 'last-modified')).toBe(modified);
    expect(
      cache.lookup(get([['if-modified-since', 'Wed, 02 Dec 2026 10:00:00 GMT']]))?.status,
    ).toBe(304);
    expect(
      cache.lookup(get([['If-Modified-Since', 'Mon, 30 Nov 2026 10:00:00 GMT']]))?.status,
    ).toBe(200);
    expect(cache.lookup(get([['If-Modified-Since', 'not a date']]))?.status).toBe(200);
    // If-None-Match decides when sent (RFC 9110 §13.2.2).
    expect(
      cache.lookup(
        get([
          ['If-None-Match', '"v2"'],
          ['If-Modified-Since', modified],
        ]),
      )?.status,
    ).toBe(200);
    // Only a 200 is answered with 304.
    const missing = 'https://app.example/missing';
    cache.store(get([], missing), {
      ...publicResponse([['Last-Modified', modified]]),
      status: 404,
    });
    expect(cache.lookup(get([['If-Modified-Since', modified]], missing))?.status).toBe(404);
  });

  it('evicts the least recently used entries past maxBytes', () => {
    const cache = createEdgeCache({ maxBytes: 3000 });
    const body = 'x'.repeat(800);
    for (const name of ['a', 'b', 'c'])
      cache.store(get([], `https://app.example/${name}`), publicResponse([], body));
    expect(cache.stats.entries).toBe(3);
    cache.lookup(get([], 'https://app.example/a'));
    cache.store(get([], 'https://app.example/d'), publicResponse([], body));
    expect(cache.stats.bytes).toBeLessThanOrEqual(3000);
    expect(cache.lookup(get([], 'https://app.example/b'))).toBeUndefined();
    expect(cache.lookup(get([], 'https://app.example/a'))).toBeDefined();
    expect(cache.lookup(get([], 'https://app.example/d'))).toBeDefined();
    expect(
      cache.store(get([], 'https://app.example/big'), publicResponse([], 'y'.repeat(4000))),
    ).toMatch(/^larger than the cache/);
  });

  it('purges one URL or everything', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20 });
    cache.store(get([], 'https://a/1'), publicResponse());
    cache.store(get([], 'https://a/2'), publicResponse());
    cache.store(get([], 'https://a/3'), publicResponse());
    expect(cache.purge('https://a/1')).toBe(1);
    expect(cache.purge('https://a/1')).toBe(0);
    expect(cache.lookup(get([], 'https://a/1'))).toBeUndefined();
    expect(cache.purge()).toBe(2);
    expect(cache.stats).toMatchObject({ entries: 0, bytes: 0 });
  });

  it('names HIT, MISS or the reason in X-Gaekit-Cache with debugHeader', () => {
    const cache = createEdgeCache({ maxBytes: 1 << 20, debugHeader: true });
    const stored = publicResponse();
    cache.store(get(), stored);
    expect(header(stored.headers, 'x-gaekit-cache')).toBe('MISS');
    const hit = cache.lookup(get());
    expect(hit?.headers.filter(([n]) => n === 'X-Gaekit-Cache')).toEqual([
      ['X-Gaekit-Cache', 'HIT'],
    ]);
    const refused = record([['Cache-Control', 'private']]);
    cache.store(get([], 'https://a/private'), refused);
    expect(header(refused.headers, 'x-gaekit-cache')).toBe(
      'MISS, not stored: Cache-Control: private',
    );
    const quiet = createEdgeCache({ maxBytes: 1 << 20 });
    const plain = publicResponse();
    quiet.store(get(), plain);
    expect(header(plain.headers, 'x-gaekit-cache')).toBeUndefined();
    expect(header(quiet.lookup(get())?.headers ?? [], 'x-gaekit-cache')).toBeUndefined();
  });

  it('refuses a maxBytes that is not a positive whole number', () => {
    expect(() => createEdgeCache({ maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => createEdgeCache({ maxBytes: 1.5 })).toThrow(
      expect.objectContaining({ code: 'edge/invalid-option' }),
    );
  });
});
