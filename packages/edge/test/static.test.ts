import { mkdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Handler } from '@gaekit/config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compressResponse,
  compressResponseNow,
  contentTypeFor,
  createStaticFiles,
  type HeaderPairs,
  type ResponseRecordLike,
  type StaticFiles,
} from '../src/index.js';
import { BROWSER_UA, edgeRequest, tempDir } from './helpers.js';

const NOW = Date.UTC(2026, 3, 1, 12, 0, 0);
const MTIME = new Date(Date.UTC(2025, 11, 24, 8, 30, 15));
const dirHandler: Handler = { url: '/static', staticDir: 'public' };

function header(headers: HeaderPairs, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}

let dir: string;
let remove: () => void;
let statics: StaticFiles | undefined;

beforeEach(() => {
  ({ dir, remove } = tempDir());
  mkdirSync(join(dir, 'public', 'css'), { recursive: true });
  writeFileSync(join(dir, 'public', 'index.html'), '<h1>hello</h1>');
  writeFileSync(join(dir, 'public', 'css', 'site.css'), 'body { color: red }');
  writeFileSync(join(dir, 'public', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(dir, 'public', 'data.unknownext'), 'bytes');
  writeFileSync(join(dir, 'secret.txt'), 'outside public');
  for (const file of ['index.html', 'css/site.css'])
    utimesSync(join(dir, 'public', file), MTIME, MTIME);
});

afterEach(() => {
  statics?.close();
  statics = undefined;
  remove();
});

function open(options: Partial<Parameters<typeof createStaticFiles>[0]> = {}): StaticFiles {
  statics = createStaticFiles({ root: dir, now: () => NOW, watch: false, ...options });
  return statics;
}

describe('contentTypeFor', () => {
  it('uses the extension, with charset for text, octet-stream when unknown', () => {
    expect(contentTypeFor('a/b/page.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeFor('app.JS')).toBe('text/javascript; charset=utf-8');
    expect(contentTypeFor('x.png')).toBe('image/png');
    expect(contentTypeFor('x.unknownext')).toBe('application/octet-stream');
    expect(contentTypeFor('README')).toBe('application/octet-stream');
  });
});

describe('createStaticFiles', () => {
  it('serveNow answers from memory once a file is held, and waits (undefined) before', async () => {
    const files = open();
    expect(files.serveNow('public/index.html', dirHandler, edgeRequest())).toBeUndefined();
    const served = await files.serve('public/index.html', dirHandler, edgeRequest());
    const now = files.serveNow('public/index.html', dirHandler, edgeRequest());
    expect(now?.status).toBe(200);
    expect(now?.headers).toEqual(served.headers);
    expect(now?.body).toBe(served.body);
    expect(files.serveNow('../outside.txt', dirHandler, edgeRequest())?.status).toBe(404);
  });

  it('gzips a held file once, and answers its fields as they are each time (Expires, edits)', async () => {
    let at = NOW;
    const files = open({ now: () => at });
    const file = 'public/index.html';
    const client = edgeRequest([
      ['Accept-Encoding', 'gzip'],
      ['User-Agent', BROWSER_UA],
    ]);
    const held = () => files.serveNow(file, dirHandler, client) as ResponseRecordLike;
    const first = await compressResponse(client, await files.serve(file, dirHandler, client));
    expect(header(first.headers, 'content-encoding')).toBe('gzip');
    expect(gunzipSync(first.body).toString()).toBe('<h1>hello</h1>');

    const again = compressResponseNow(client, held()) as ResponseRecordLike;
    expect(again.headers).toEqual(first.headers);
    expect(again.headers).not.toBe(first.headers);
    expect(again.body).toBe(first.body);
    // Each answer's list is its own.
    again.headers.push(['X-Extra', '1']);
    expect(header(compressResponseNow(client, held())?.headers ?? [], 'x-extra')).toBeUndefined();

    // The next second: a new Expires, still gzip.
    at += 1000;
    const later = compressResponseNow(client, held()) as ResponseRecordLike;
    expect(header(later.headers, 'expires')).toBe(new Date(at + 600_000).toUTCString());
    expect(header(later.headers, 'content-encoding')).toBe('gzip');
    expect(header(later.headers, 'content-length')).toBe(String(first.body.byteLength));

    // Fields the caller adds or replaces before compressing count.
    const added = held();
    added.headers.push(['X-App', 'yes']);
    expect(header(compressResponseNow(client, added)?.headers ?? [], 'x-app')).toBe('yes');
    const encoded = held();
    encoded.headers.push(['Content-Encoding', 'br']);
    expect(compressResponseNow(client, encoded)).toBe(encoded);
    const retyped = held();
    retyped.headers[0] = ['Content-Type', 'image/png'];
    expect(compressResponseNow(client, retyped)).toBe(retyped);
    // The caller's own pairs (say, with a Date added) count by value: an edit in place too.
    const own = (): ResponseRecordLike => {
      const response = held();
      const headers = response.headers.map(([name, value]) => [name, value] as [string, string]);
      headers.push(['Date', 'Wed, 01 Apr 2026 12:00:01 GMT']);
      return { ...response, headers };
    };
    expect(header(compressResponseNow(client, own())?.headers ?? [], 'date')).toBe(
      'Wed, 01 Apr 2026 12:00:01 GMT',
    );
    expect(header(compressResponseNow(client, own())?.headers ?? [], 'content-encoding')).toBe(
      'gzip',
    );
    const editedInPlace = own();
    (editedInPlace.headers[0] as [string, string])[1] = 'image/png';
    expect(compressResponseNow(client, editedInPlace)).toBe(editedInPlace);
    // So do the options.
    const varied = compressResponseNow(client, held(), { vary: true });
    expect(header(varied?.headers ?? [], 'vary')).toBe('Accept-Encoding');
    expect(header(compressResponseNow(client, held())?.headers ?? [], 'vary')).toBeUndefined();
    // And the client.
    const plain = held();
    expect(compressResponseNow(edgeRequest(), plain)).toBe(plain);
    expect(header(compressResponseNow(client, held())?.headers ?? [], 'content-encoding')).toBe(
      'gzip',
    );
  });

  it('serves a file with Content-Type, the default 10-minute expiration, ETag and Last-Modified', async () => {
    const response = await open().serve('public/index.html', dirHandler, edgeRequest());
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.body)).toBe('<h1>hello</h1>');
    expect(header(response.headers, 'content-type')).toBe('text/html; charset=utf-8');
    expect(header(response.headers, 'cache-control')).toBe('public, max-age=600');
    expect(header(response.headers, 'expires')).toBe(new Date(NOW + 600_000).toUTCString());
    expect(header(response.headers, 'etag')).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(header(response.headers, 'last-modified')).toBe(MTIME.toUTCString());
    expect(header(response.headers, 'content-length')).toBe('14');
  });

  it('takes expiration from the handler, else default_expiration', async () => {
    const files = open({ defaultExpiration: '1h' });
    const byDefault = await files.serve('public/index.html', dirHandler, edgeRequest());
    expect(header(byDefault.headers, 'cache-control')).toBe('public, max-age=3600');
    const own = await files.serve(
      'public/index.html',
      { ...dirHandler, expiration: '4d 5h' },
      edgeRequest(),
    );
    expect(header(own.headers, 'cache-control')).toBe('public, max-age=363600');
    expect(header(own.headers, 'expires')).toBe(new Date(NOW + 363_600_000).toUTCString());
    const zero = await files.serve(
      'public/index.html',
      { ...dirHandler, expiration: '0' },
      edgeRequest(),
    );
    expect(header(zero.headers, 'cache-control')).toBe('public, max-age=0');
  });

  it('refuses an invalid default_expiration', () => {
    expect(() => open({ defaultExpiration: 'soon' })).toThrow(
      expect.objectContaining({ code: 'edge/invalid-option' }),
    );
  });

  it('uses mime_type and adds http_headers', async () => {
    const handler: Handler = {
      url: '/static',
      staticDir: 'public',
      mimeType: 'text/x-special',
      httpHeaders: { 'Access-Control-Allow-Origin': '*', 'X-Frame-Options': 'DENY' },
    };
    const response = await open().serve('public/data.unknownext', handler, edgeRequest());
    expect(header(response.headers, 'content-type')).toBe('text/x-special');
    expect(header(response.headers, 'access-control-allow-origin')).toBe('*');
    expect(header(response.headers, 'x-frame-options')).toBe('DENY');
    const unknown = await open().serve('public/data.unknownext', dirHandler, edgeRequest());
    expect(header(unknown.headers, 'content-type')).toBe('application/octet-stream');
    const png = await open().serve('public/logo.png', dirHandler, edgeRequest());
    expect(header(png.headers, 'content-type')).toBe('image/png');
  });

  it('adds no Cache-Control or Expires when http_headers set Cache-Control', async () => {
    const handler: Handler = { ...dirHandler, httpHeaders: { 'Cache-Control': 'no-cache' } };
    const response = await open().serve('public/index.html', handler, edgeRequest());
    expect(response.headers.filter(([n]) => n.toLowerCase() === 'cache-control')).toEqual([
      ['Cache-Control', 'no-cache'],
    ]);
    expect(header(response.headers, 'expires')).toBeUndefined();
  });

  it('answers If-None-Match with 304 (strong, weak, list and *)', async () => {
    const files = open();
    const first = await files.serve('public/index.html', dirHandler, edgeRequest());
    const etag = header(first.headers, 'etag') as string;
    for (const value of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await files.serve(
        'public/index.html',
        dirHandler,
        edgeRequest([['If-None-Match', value]]),
      );
      expect(response.status).toBe(304);
      expect(response.body.byteLength).toBe(0);
      expect(header(response.headers, 'etag')).toBe(etag);
      expect(header(response.headers, 'cache-control')).toBe('public, max-age=600');
      expect(header(response.headers, 'content-type')).toBeUndefined();
      expect(header(response.headers, 'content-length')).toBeUndefined();
    }
    const changed = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([['If-None-Match', '"nope"']]),
    );
    expect(changed.status).toBe(200);
  });

  it('answers If-Modified-Since with 304 when the file is not newer, ignoring it beside If-None-Match', async () => {
    const files = open();
    const at = (ms: number) => new Date(ms).toUTCString();
    const same = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([['If-Modified-Since', at(MTIME.getTime())]]),
    );
    expect(same.status).toBe(304);
    const later = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([['If-Modified-Since', at(MTIME.getTime() + 60_000)]]),
    );
    expect(later.status).toBe(304);
    const earlier = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([['If-Modified-Since', at(MTIME.getTime() - 1000)]]),
    );
    expect(earlier.status).toBe(200);
    const both = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([
        ['If-None-Match', '"nope"'],
        ['If-Modified-Since', at(MTIME.getTime())],
      ]),
    );
    expect(both.status).toBe(200);
    const garbage = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([['If-Modified-Since', 'yesterday']]),
    );
    expect(garbage.status).toBe(200);
  });

  it('can leave out Last-Modified, as the emulator does', async () => {
    const files = open({ lastModified: false });
    const response = await files.serve(
      'public/index.html',
      dirHandler,
      edgeRequest([['If-Modified-Since', new Date(NOW).toUTCString()]]),
    );
    expect(response.status).toBe(200);
    expect(header(response.headers, 'last-modified')).toBeUndefined();
  });

  it('answers a failing If-Match with 412', async () => {
    const files = open();
    const etag = header(
      (await files.serve('public/index.html', dirHandler, edgeRequest())).headers,
      'etag',
    ) as string;
    expect(
      (await files.serve('public/index.html', dirHandler, edgeRequest([['If-Match', '"nope"']])))
        .status,
    ).toBe(412);
    expect(
      (await files.serve('public/index.html', dirHandler, edgeRequest([['If-Match', etag]])))
        .status,
    ).toBe(200);
  });

  it('answers HEAD without a body but with the real Content-Length; other methods like GET', async () => {
    const files = open();
    const head = await files.serve('public/css/site.css', dirHandler, edgeRequest([], 'HEAD'));
    expect(head.status).toBe(200);
    expect(head.body.byteLength).toBe(0);
    expect(header(head.headers, 'content-length')).toBe('19');
    const post = await files.serve('public/css/site.css', dirHandler, edgeRequest([], 'POST'));
    expect(new TextDecoder().decode(post.body)).toBe('body { color: red }');
  });

  it('gives 404 for missing files, directories, and empty, . or .. segments', async () => {
    const files = open();
    for (const file of [
      'public/missing.html',
      'public/css',
      'public',
      '',
      '../outside',
      'public/../../x',
      'public/../secret.txt',
      'public/./index.html',
      'public//index.html',
      '/etc/passwd',
      'public/a\0b',
    ]) {
      const response = await files.serve(file, dirHandler, edgeRequest());
      expect(response.status, file).toBe(404);
    }
    expect((await files.serve('secret.txt', dirHandler, edgeRequest())).status).toBe(200);
  });

  it('tells synchronously whether a file exists', () => {
    const files = open();
    expect(files.exists('public/index.html')).toBe(true);
    expect(files.exists('public/missing.html')).toBe(false);
    expect(files.exists('public/css')).toBe(false);
    expect(files.exists('../etc/passwd')).toBe(false);
  });

  it('keeps files in memory: without watching, a change on disk is not seen', async () => {
    const files = open();
    const first = await files.serve('public/index.html', dirHandler, edgeRequest());
    writeFileSync(join(dir, 'public', 'index.html'), '<h1>changed</h1>');
    const second = await files.serve('public/index.html', dirHandler, edgeRequest());
    expect(second.body).toBe(first.body);
    expect(new TextDecoder().decode(second.body)).toBe('<h1>hello</h1>');
  });

  it('drops a file from memory when it changes on disk, with watch', async () => {
    const files = open({ watch: true });
    const path = join(dir, 'public', 'index.html');
    const first = await files.serve('public/index.html', dirHandler, edgeRequest());
    const etag = header(first.headers, 'etag');
    writeFileSync(path, '<h1>changed</h1>');
    const text = await eventually(
      files,
      'public/index.html',
      (body) => body === '<h1>changed</h1>',
    );
    expect(text).toBe('<h1>changed</h1>');
    const changed = await files.serve('public/index.html', dirHandler, edgeRequest());
    expect(header(changed.headers, 'etag')).not.toBe(etag);
    // Replaced by rename (how editors save), then deleted.
    writeFileSync(join(dir, 'public', 'tmp'), '<h1>renamed</h1>');
    renameSync(join(dir, 'public', 'tmp'), path);
    expect(
      await eventually(files, 'public/index.html', (body) => body === '<h1>renamed</h1>'),
    ).toBe('<h1>renamed</h1>');
    rmSync(path);
    expect(
      await eventually(files, 'public/index.html', (body) => body === undefined),
    ).toBeUndefined();
    expect(files.exists('public/index.html')).toBe(false);
  });
});

/** Serves the file until `done` holds for its body (undefined for a 404), at most 500 tries. */
async function eventually(
  files: StaticFiles,
  file: string,
  done: (body: string | undefined) => boolean,
): Promise<string | undefined> {
  let body: string | undefined;
  for (let i = 0; i < 500; i++) {
    const response = await files.serve(file, dirHandler, edgeRequest());
    body = response.status === 404 ? undefined : new TextDecoder().decode(response.body);
    if (done(body)) return body;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return body;
}
