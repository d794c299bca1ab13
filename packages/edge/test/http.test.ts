import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Handler } from '@gaekit/config';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeaderPairs, ResponseRecordLike } from '../src/index.js';
import {
  BROWSER_UA,
  curl,
  type EdgeServer,
  encoder,
  send,
  startEdgeServer,
  type TestApp,
  tempDir,
  textBody,
  UNKNOWN_UA,
} from './helpers.js';

const staticHandler: Handler = { url: '/static', staticDir: 'public' };
const longHandler: Handler = {
  url: '/assets',
  staticDir: 'assets',
  expiration: '1d',
  httpHeaders: { 'X-Served-By': 'static' },
};
const APP_TEXT = textBody(500);

/** The app: `/app/<kind>` answers text with the headers the kind names. */
const app: TestApp = (request, url) => {
  const kind = url.pathname.slice('/app/'.length);
  const headers: HeaderPairs = [['Content-Type', 'text/plain; charset=utf-8']];
  let body: Uint8Array = APP_TEXT;
  switch (kind) {
    case 'public':
      headers.push(['Cache-Control', 'public, max-age=60']);
      break;
    case 'private':
      headers.push(['Cache-Control', 'private, max-age=60']);
      break;
    case 'cookie':
      headers.push(['Cache-Control', 'public, max-age=60'], ['Set-Cookie', 'session=1']);
      break;
    case 'vary':
      headers.push(['Cache-Control', 'public, max-age=60'], ['Vary', 'Accept-Encoding']);
      break;
    case 'vary-cookie':
      headers.push(['Cache-Control', 'public, max-age=60'], ['Vary', 'Cookie']);
      break;
    case 'png':
      headers[0] = ['Content-Type', 'image/png'];
      headers.push(['Cache-Control', 'public, max-age=60']);
      break;
    case 'no-transform':
      headers.push(['Cache-Control', 'public, max-age=60, no-transform']);
      break;
    case 'encoded':
      headers.push(['Content-Encoding', 'br']);
      body = new Uint8Array([1, 2, 3, 4]);
      break;
    case 'counter':
      headers.push(['Cache-Control', 'public, max-age=60']);
      body = encoder.encode(`call ${++calls}`);
      break;
    default:
      return {
        status: 404,
        headers: [['Content-Type', 'text/plain']],
        body: encoder.encode(`no ${kind} for ${request.method}`),
      };
  }
  return { status: 200, headers, body } satisfies ResponseRecordLike;
};
let calls = 0;

let root: { dir: string; remove(): void };
let plain: EdgeServer; // no cache: compression alone
let cached: EdgeServer; // cache with the debug header and a clock the tests move
let clockMs = Date.UTC(2026, 3, 1);
const STYLE = 'body { margin: 0 }\n'.repeat(300);

beforeAll(async () => {
  root = tempDir();
  mkdirSync(join(root.dir, 'public'));
  mkdirSync(join(root.dir, 'assets'));
  writeFileSync(join(root.dir, 'public', 'style.css'), STYLE);
  writeFileSync(
    join(root.dir, 'public', 'page.html'),
    `<!doctype html><p>${'hello '.repeat(400)}</p>`,
  );
  writeFileSync(join(root.dir, 'public', 'image.png'), Buffer.alloc(2048, 7));
  writeFileSync(join(root.dir, 'assets', 'app.js'), 'console.log("app");\n'.repeat(200));
  const handlers = {
    '/static/': { handler: staticHandler, dir: 'public' },
    '/assets/': { handler: longHandler, dir: 'assets' },
  };
  plain = await startEdgeServer({ statics: { root: root.dir }, handlers, app, cache: false });
  cached = await startEdgeServer({
    statics: { root: root.dir },
    handlers,
    app,
    cache: { maxBytes: 1 << 20, debugHeader: true, now: () => clockMs },
  });
});

afterAll(async () => {
  await plain?.close();
  await cached?.close();
  root?.remove();
});

const gzipBrowser = { 'accept-encoding': 'gzip, deflate, br', 'user-agent': BROWSER_UA };

describe('gzip over HTTP', () => {
  it('gzips a static text file for a browser, and not for an unknown client', async () => {
    const zipped = await send(plain.base, '/static/style.css', gzipBrowser);
    expect(zipped.status).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
    expect(zipped.body.length).toBeLessThan(STYLE.length / 10);
    expect(gunzipSync(zipped.body).toString()).toBe(STYLE);
    expect(zipped.headers.etag).toMatch(/^W\/"/);
    const unknown = await send(plain.base, '/static/style.css', {
      'accept-encoding': 'gzip',
      'user-agent': UNKNOWN_UA,
    });
    expect(unknown.headers['content-encoding']).toBeUndefined();
    expect(unknown.body.toString()).toBe(STYLE);
    expect(unknown.headers.etag).toMatch(/^"/);
  });

  it('curl without --compressed gets plain text', async () => {
    const result = await curl(`${plain.base}/static/style.css`);
    expect(result.status).toBe(200);
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(result.body.toString()).toBe(STYLE);
    expect(result.downloaded).toBe(STYLE.length);
  });

  it("curl --compressed with curl's own User-Agent is not trusted with gzip", async () => {
    const result = await curl(`${plain.base}/static/style.css`, ['--compressed']);
    expect(result.headers['content-encoding']).toBeUndefined();
    expect(result.downloaded).toBe(STYLE.length);
  });

  it('curl --compressed with a browser User-Agent gets gzip and decodes it', async () => {
    const result = await curl(`${plain.base}/static/style.css`, ['--compressed', '-A', BROWSER_UA]);
    expect(result.headers['content-encoding']).toBe('gzip');
    expect(result.body.toString()).toBe(STYLE);
    expect(result.downloaded).toBeLessThan(STYLE.length / 10);
  });

  it('curl --compressed with an unknown User-Agent gets plain text; one containing gzip gets gzip', async () => {
    const unknown = await curl(`${plain.base}/static/page.html`, [
      '--compressed',
      '-A',
      UNKNOWN_UA,
    ]);
    expect(unknown.headers['content-encoding']).toBeUndefined();
    const tagged = await curl(`${plain.base}/static/page.html`, [
      '--compressed',
      '-A',
      `${UNKNOWN_UA} (gzip)`,
    ]);
    expect(tagged.headers['content-encoding']).toBe('gzip');
    expect(tagged.body.toString()).toBe(unknown.body.toString());
  });

  it('Accept-Encoding: gzip with User-Agent: gzip forces gzip', async () => {
    const result = await curl(`${plain.base}/app/public`, [
      '-H',
      'Accept-Encoding: gzip',
      '-A',
      'gzip',
    ]);
    expect(result.headers['content-encoding']).toBe('gzip');
    expect(new Uint8Array(gunzipSync(result.body))).toEqual(APP_TEXT);
  });

  it('honours q=0 and * in Accept-Encoding', async () => {
    const refused = await send(plain.base, '/app/public', {
      'accept-encoding': 'gzip;q=0, *',
      'user-agent': BROWSER_UA,
    });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const any = await send(plain.base, '/app/public', {
      'accept-encoding': '*',
      'user-agent': BROWSER_UA,
    });
    expect(any.headers['content-encoding']).toBe('gzip');
  });

  it('leaves binary types, no-transform, app-encoded bodies and HEAD alone', async () => {
    for (const path of ['/static/image.png', '/app/png', '/app/no-transform', '/app/encoded']) {
      const response = await send(plain.base, path, gzipBrowser);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-encoding'] ?? 'none', path).not.toBe('gzip');
    }
    const encoded = await send(plain.base, '/app/encoded', gzipBrowser);
    expect(encoded.headers['content-encoding']).toBe('br');
    expect([...encoded.body]).toEqual([1, 2, 3, 4]);
    const head = await curl(`${plain.base}/static/style.css`, [
      '-I',
      '--compressed',
      '-A',
      BROWSER_UA,
    ]);
    expect(head.status).toBe(200);
    expect(head.headers['content-encoding']).toBeUndefined();
    expect(head.headers['content-length']).toBe(String(STYLE.length));
    expect(head.downloaded).toBe(0);
  });
});

describe('static files over HTTP', () => {
  it('sends expiration, ETag and Last-Modified, and answers 304 to curl', async () => {
    const first = await curl(`${plain.base}/static/page.html`);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.headers['cache-control']).toBe('public, max-age=600');
    expect(Date.parse(first.headers.expires ?? '')).not.toBeNaN();
    expect(first.headers['last-modified']).toBeDefined();
    const etag = first.headers.etag as string;
    const notModified = await curl(`${plain.base}/static/page.html`, [
      '-H',
      `If-None-Match: ${etag}`,
    ]);
    expect(notModified.status).toBe(304);
    expect(notModified.downloaded).toBe(0);
    const since = await curl(`${plain.base}/static/page.html`, [
      '-H',
      `If-Modified-Since: ${first.headers['last-modified']}`,
    ]);
    expect(since.status).toBe(304);
  });

  it('uses the handler expiration and http_headers', async () => {
    const response = await send(plain.base, '/assets/app.js');
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=86400');
    expect(response.headers['x-served-by']).toBe('static');
  });

  it('answers a missing file with 404', async () => {
    expect((await send(plain.base, '/static/missing.css')).status).toBe(404);
  });
});

describe('the front-end cache over HTTP', () => {
  it('stores a public static response and answers the next request from memory with Age', async () => {
    const first = await send(cached.base, '/static/page.html?age', { 'user-agent': UNKNOWN_UA });
    expect(first.headers['x-gaekit-cache']).toBe('MISS');
    clockMs += 42_000;
    const second = await send(cached.base, '/static/page.html?age', { 'user-agent': UNKNOWN_UA });
    expect(second.headers['x-gaekit-cache']).toBe('HIT');
    expect(second.headers.age).toBe('42');
    expect(second.body.equals(first.body)).toBe(true);
  });

  it('answers app responses from the cache only with Cache-Control: public', async () => {
    const before = calls;
    const first = await send(cached.base, '/app/counter');
    const second = await send(cached.base, '/app/counter');
    expect(second.body.toString()).toBe(first.body.toString());
    expect(calls).toBe(before + 1);
    for (const [path, reason] of [
      ['/app/private', 'Cache-Control: private'],
      ['/app/cookie', 'Set-Cookie'],
      ['/app/vary-cookie', 'Vary: Cookie'],
    ] as const) {
      const response = await send(cached.base, path);
      expect(response.headers['x-gaekit-cache'], path).toBe(`MISS, not stored: ${reason}`);
      expect((await send(cached.base, path)).headers['x-gaekit-cache'], path).not.toBe('HIT');
    }
  });

  it('neither stores nor answers requests with Authorization', async () => {
    const first = await send(cached.base, '/app/public?auth', { authorization: 'Bearer t' });
    expect(first.headers['x-gaekit-cache']).toBe('MISS, not stored: request has Authorization');
    await send(cached.base, '/app/public?auth2');
    expect((await send(cached.base, '/app/public?auth2')).headers['x-gaekit-cache']).toBe('HIT');
    // The stored entry exists, but a request with credentials goes past it.
    const withAuth = await send(cached.base, '/app/public?auth2', { authorization: 'Bearer t' });
    expect(withAuth.headers['x-gaekit-cache']).toBe('MISS, not stored: request has Authorization');
  });

  it('without Vary hands the stored gzip to curl, which did not ask for it (the documented mix-up)', async () => {
    const browser = await send(cached.base, '/static/style.css?mixup', gzipBrowser);
    expect(browser.headers['content-encoding']).toBe('gzip');
    const result = await curl(`${cached.base}/static/style.css?mixup`);
    expect(result.headers['x-gaekit-cache']).toBe('HIT');
    expect(result.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(result.body).toString()).toBe(STYLE);
    // The other way round: plain text first, then a browser gets plain text too.
    await curl(`${cached.base}/static/style.css?mixup2`);
    const late = await curl(`${cached.base}/static/style.css?mixup2`, [
      '--compressed',
      '-A',
      BROWSER_UA,
    ]);
    expect(late.headers['x-gaekit-cache']).toBe('HIT');
    expect(late.headers['content-encoding']).toBeUndefined();
  });

  it('with Vary: Accept-Encoding keeps a gzip and a plain entry', async () => {
    const zipped = await curl(`${cached.base}/app/vary`, ['--compressed', '-A', BROWSER_UA]);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    const identity = await curl(`${cached.base}/app/vary`);
    expect(identity.headers['x-gaekit-cache']).toBe('MISS');
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(new Uint8Array(identity.body)).toEqual(APP_TEXT);
    const again = await curl(`${cached.base}/app/vary`, ['--compressed', '-A', BROWSER_UA]);
    expect(again.headers['x-gaekit-cache']).toBe('HIT');
    expect(again.headers['content-encoding']).toBe('gzip');
  });

  it('keeps serving the cached file after it changes on disk, until purged (no revalidation before expiry)', async () => {
    const path = join(root.dir, 'public', 'page.html');
    const original = readFileSync(path, 'utf8');
    await send(cached.base, '/static/page.html?purge');
    writeFileSync(path, '<p>new</p>');
    try {
      const stale = await send(cached.base, '/static/page.html?purge');
      expect(stale.headers['x-gaekit-cache']).toBe('HIT');
      expect(stale.body.toString()).toBe(original);
      expect(cached.cache?.purge(`${cached.base}/static/page.html?purge`)).toBe(1);
      let fresh = '';
      for (let i = 0; i < 500 && fresh !== '<p>new</p>'; i++) {
        cached.cache?.purge(`${cached.base}/static/page.html?purge`);
        fresh = (await send(cached.base, '/static/page.html?purge')).body.toString();
        if (fresh !== '<p>new</p>') await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(fresh).toBe('<p>new</p>');
    } finally {
      writeFileSync(path, original);
    }
  });

  it('counts hits, misses and stores', () => {
    const stats = cached.cache?.stats;
    expect(stats?.hits).toBeGreaterThan(3);
    expect(stats?.misses).toBeGreaterThan(3);
    expect(stats?.stores).toBeGreaterThan(3);
    expect(stats?.entries).toBeGreaterThan(0);
  });
});
