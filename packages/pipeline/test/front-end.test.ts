import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline, type PipelineServer } from '../src/index.js';
import { BROWSER, fixtureApp, inProcess, overSocket, type Send } from './helpers.js';

const config = {
  // login needs the Users service: a second-generation runtime that has bundled services.
  runtime: 'python312',
  appEngineApis: true,
  handlers: [
    { url: '/static', staticDir: 'public' },
    { url: '/favicon\\.ico', staticFiles: 'public/favicon.ico', upload: 'public/favicon\\.ico' },
    { url: '/secure/.*', script: 'auto', secure: 'always' as const },
    { url: '/admin/.*', script: 'auto', login: 'admin' as const },
    {
      url: '/members/.*',
      script: 'auto',
      login: 'required' as const,
      authFailAction: 'unauthorized' as const,
    },
    { url: '/.*', script: 'auto' },
  ],
  errorHandlers: [{ errorCode: 'timeout' as const, file: 'errors/timeout.html' }],
};

function makePipeline(): Pipeline {
  return createPipeline({
    config,
    root: fixtureApp,
    module: 'app.mjs',
    instances: 'worker',
    debugHeaders: true,
    scheduler: { requestTimeoutMs: 1500, graceMs: 200 },
    onWarning: () => {},
  });
}

const adminCookie = `dev_appserver_login="${encodeURIComponent('root@example.com:True:1')}"`;
const userCookie = `dev_appserver_login="${encodeURIComponent('ann@example.com:False:2')}"`;

// One table, run in-process through fetch() and over a socket through listen().
describe.each([
  ['fetch()', 'fetch'],
  ['listen()', 'socket'],
] as const)('the front end through %s', (_name, transport) => {
  let pipeline: Pipeline;
  let server: PipelineServer | undefined;
  let send: Send;

  beforeAll(async () => {
    pipeline = makePipeline();
    if (transport === 'fetch') send = inProcess(pipeline);
    else {
      server = await pipeline.listen({ port: 0 });
      send = overSocket(server.port);
    }
  });
  afterAll(async () => {
    await pipeline.close();
  });

  it('answers the app with Server, Date, Content-Length and a private Cache-Control', async () => {
    const res = await send('/hello');
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello world');
    expect(res.headers.get('server')).toBe('Google Frontend');
    expect(Date.parse(res.headers.get('date') ?? '')).not.toBeNaN();
    expect(res.headers.get('content-length')).toBe('11');
    expect(res.headers.get('cache-control')).toBe('private');
    expect(res.headers.get('x-gaekit-handler')).toBe('/.*');
    expect(res.headers.get('x-gaekit-instance')).toMatch(/^00[0-9a-f]+$/);
  });

  it('HEAD keeps Content-Length and drops the body', async () => {
    const res = await send('/hello', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.body.byteLength).toBe(0);
    expect(res.headers.get('content-length')).toBe('11');
  });

  it('HEAD keeps the length a GET would get when the answer has no body (static file, app)', async () => {
    // style.css is never fetched with GET here, so the edge cache cannot answer for it.
    const file = await send('/static/style.css', { method: 'HEAD' });
    expect(file.status).toBe(200);
    expect(file.body.byteLength).toBe(0);
    expect(file.headers.get('content-length')).toBe('11500');
    const app = await send('/head-declared', { method: 'HEAD' });
    expect(app.body.byteLength).toBe(0);
    expect(app.headers.get('content-length')).toBe('42');
  });

  it('removes spoofed App Engine headers and adds the platform ones', async () => {
    const res = await send('/headers', {
      headers: {
        'X-AppEngine-User-Is-Admin': '1',
        'X-AppEngine-Country': 'US',
        'X-Appengine-Cntry': 'kept',
        'X-Google-Secret': 'x',
        'Accept-Encoding': 'gzip',
        'X-Forwarded-For': '203.0.113.9',
      },
    });
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(seen['x-appengine-user-is-admin']).toBeUndefined();
    expect(seen['x-google-secret']).toBeUndefined();
    expect(seen['accept-encoding']).toBeUndefined();
    expect(seen['x-appengine-country']).toBe('ZZ');
    expect(seen['x-appengine-cntry']).toBe('kept');
    expect(seen['x-appengine-city']).toBe('?');
    expect(seen['x-appengine-citylatlong']).toBe('0.000000,0.000000');
    expect(seen['x-appengine-user-ip']).toBe('127.0.0.1');
    expect(seen['x-appengine-https']).toBe('off');
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(seen['x-appengine-request-log-id']).toMatch(/^[0-9a-f]{20,}$/);
    expect(seen['x-appengine-request-log-id']).toBe(res.headers.get('x-gaekit-request-id'));
    expect(seen['x-cloud-trace-context']).toMatch(/^[0-9a-f]{32}\/\d+;o=[01]$/);
    expect(seen.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });

  it('keeps the trace id a client sends', async () => {
    const res = await send('/headers', {
      headers: { 'X-Cloud-Trace-Context': '105445aa7843bc8bf206b12000100000/1;o=1' },
    });
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(seen['x-cloud-trace-context']).toMatch(/^105445aa7843bc8bf206b12000100000\//);
  });

  it('serves static files with expiration headers, an ETag and 304', async () => {
    const res = await send('/static/hello.txt');
    expect(res.status).toBe(200);
    expect(res.text).toBe('static hello\n');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(res.headers.get('cache-control')).toBe('public, max-age=600');
    expect(res.headers.get('expires')).toBeTruthy();
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await send('/static/hello.txt', { headers: { 'If-None-Match': etag ?? '' } });
    expect(again.status).toBe(304);
    expect(again.body.byteLength).toBe(0);
    const icon = await send('/favicon.ico');
    expect(icon.status).toBe(200);
    expect(icon.text).toBe('fake icon');
  });

  it('answers a missing static file and an unmatched traversal with Google’s 404', async () => {
    const missing = await send('/static/nope.txt');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('<title>404 Not Found</title>');
    expect(missing.text).toContain('/static/nope.txt');
    for (const path of [
      '/static/%2e%2e/app.mjs',
      '/static/..%2fapp.mjs',
      '/static/%2e%2e%5capp.mjs',
    ]) {
      const res = await send(path);
      expect(res.status, path).not.toBe(200);
      expect(res.text, path).not.toContain('served++');
    }
  });

  it('redirects dot segments to the normalised path, keeping the query', async () => {
    const res = await send('/static/../hello?x=1');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/\/hello\?x=1$/);
  });

  it('secure: always redirects http to https, keeping the query', async () => {
    const res = await send('/secure/page?a=1', { host: 'localhost:8080' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://localhost:8080/secure/page?a=1');
  });

  it('login: admin sends strangers to the login page, refuses users, serves admins', async () => {
    const anonymous = await send('/admin/panel');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toContain('/_ah/login?continue=');
    const user = await send('/admin/panel', { headers: { cookie: userCookie } });
    expect(user.status).toBe(401);
    const admin = await send('/admin/panel', { headers: { cookie: adminCookie } });
    expect(admin.status).toBe(200);
    expect(admin.text).toBe('app saw /admin/panel');
    const unauthorized = await send('/members/x');
    expect(unauthorized.status).toBe(401);
  });

  it('passes the signed-in user in X-AppEngine-User-* headers, never a spoofed one', async () => {
    const res = await send('/members/headers', { headers: { cookie: userCookie } });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.text) as Record<string, string>;
    expect(seen['x-appengine-user-email']).toBe('ann@example.com');
    expect(seen['x-appengine-user-is-admin']).toBe('0');
    expect(seen['x-appengine-auth-domain']).toBe('gmail.com');
    const spoofed = await send('/headers', {
      headers: { 'X-AppEngine-User-Email': 'evil@example.com', 'X-AppEngine-User-Is-Admin': '1' },
    });
    const clean = JSON.parse(spoofed.text) as Record<string, string>;
    expect(clean['x-appengine-user-email']).toBeUndefined();
    expect(clean['x-appengine-user-is-admin']).toBeUndefined();
  });

  it('serves the development login page and signs a user in', async () => {
    const page = await send('/_ah/login?continue=/admin/panel');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<form method="post" action="/_ah/login">');
    const signIn = await send('/_ah/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'email=boss%40example.com&admin=True&action=login&continue=%2Fadmin%2Fpanel',
    });
    expect(signIn.status).toBe(302);
    expect(signIn.headers.get('location')).toBe('/admin/panel');
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toContain('dev_appserver_login=');
    const admin = await send('/admin/panel', { headers: { cookie } });
    expect(admin.status).toBe(200);
  });

  it('gzips text for a gzip-accepting browser, not for others', async () => {
    const zipped = await send('/json', { headers: { 'accept-encoding': 'gzip', ...BROWSER } });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const plain = JSON.parse(gunzipSync(zipped.body).toString('utf8')) as { items: unknown[] };
    expect(plain.items).toHaveLength(200);
    expect(Number(zipped.headers.get('content-length'))).toBe(zipped.body.byteLength);
    const unzipped = await send('/json', { headers: BROWSER });
    expect(unzipped.headers.get('content-encoding')).toBeNull();
    expect((JSON.parse(unzipped.text) as { items: unknown[] }).items).toHaveLength(200);
  });

  it('adds text/html when the app sets no Content-Type, and then does not gzip', async () => {
    const res = await send('/no-type', { headers: { 'accept-encoding': 'gzip', ...BROWSER } });
    expect(res.headers.get('content-type')).toBe('text/html');
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.text).toBe('<p>no type</p>');
  });

  it('applies the Set-Cookie rule: public removed, private added, Expires now', async () => {
    const res = await send('/cookie');
    const cacheControl = res.headers.get('cache-control') ?? '';
    expect(cacheControl).not.toContain('public');
    expect(cacheControl).toContain('private');
    expect(cacheControl).toContain('max-age=60');
    const expires = Date.parse(res.headers.get('expires') ?? '');
    expect(Math.abs(expires - Date.now())).toBeLessThan(60_000);
    expect(res.headers.get('x-gaekit-cache')).not.toBe('HIT');
  });

  it('drops hop-by-hop and front-end-owned headers from the app response', async () => {
    const res = await send('/hop');
    expect(res.headers.get('keep-alive')).toBeNull();
    expect(res.headers.get('server')).toBe('Google Frontend');
    expect(res.headers.get('x-app')).toBe('kept');
  });

  it('replaces a 40 MB streamed response with an empty 500', async () => {
    const res = await send('/big');
    expect(res.status).toBe(500);
    expect(res.body.byteLength).toBe(0);
  });

  it('answers response headers over 8 KB with a 502 and logs the nginx line', async () => {
    const res = await send('/many-headers');
    expect(res.status).toBe(502);
    const requestId = res.headers.get('x-gaekit-request-id') ?? '';
    const entry = pipeline.logs.query({ requestId })[0];
    expect(entry?.lines.map((l) => l.message).join('\n')).toContain(
      'upstream sent too big header while reading response header from upstream',
    );
  });

  it('serves the error_handlers timeout page when a handler passes its deadline', async () => {
    const res = await send('/hang');
    expect(res.status).toBe(500);
    expect(res.text).toContain('Custom timeout page');
  });

  it('answers a throwing handler with Google’s 500 page', async () => {
    const res = await send('/throw');
    expect(res.status).toBe(500);
    expect(res.text).toContain('Error: Server Error');
  });

  it('refuses the platform’s lifecycle paths from outside', async () => {
    expect((await send('/_ah/start')).status).toBe(404);
    expect((await send('/_ah/warmup')).status).toBe(404);
  });

  it('caches a public response and answers the next request from the cache with Age', async () => {
    const first = await send(`/public?${transport}`);
    expect(first.headers.get('x-gaekit-cache')).toBe('MISS');
    const second = await send(`/public?${transport}`);
    expect(second.text).toBe(first.text);
    expect(second.headers.get('x-gaekit-cache')).toBe('HIT');
    expect(second.headers.get('age')).toMatch(/^\d+$/);
    // Debug headers describe each request: no instance served the hit, and ids differ.
    expect(first.headers.get('x-gaekit-instance')).toMatch(/\w/);
    expect(second.headers.get('x-gaekit-instance')).toBeNull();
    expect(second.headers.get('x-gaekit-request-id')).not.toBe(
      first.headers.get('x-gaekit-request-id'),
    );
    expect(second.headers.get('x-gaekit-handler')).toBe(first.headers.get('x-gaekit-handler'));
  });

  it('reproduces the gzip mix-up of a cached response without Vary: Accept-Encoding', async () => {
    const path = `/public?mixup-${transport}`;
    const zipped = await send(path, { headers: { 'accept-encoding': 'gzip', ...BROWSER } });
    // /public is short: whether it is gzipped depends on the edge's minimum size; the point is
    // that the second client gets exactly the cached bytes and encoding.
    const plainClient = await send(path, { headers: BROWSER });
    expect(plainClient.headers.get('content-encoding')).toBe(
      zipped.headers.get('content-encoding'),
    );
    expect(plainClient.body.equals(zipped.body)).toBe(true);
    const varyPath = `/public-vary?${transport}`;
    const gz = await send(varyPath, { headers: { 'accept-encoding': 'gzip', ...BROWSER } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const identity = await send(varyPath, { headers: BROWSER });
    expect(identity.headers.get('content-encoding')).toBeNull();
    expect(identity.text.startsWith('vary ')).toBe(true);
  });

  it('groups the app’s console lines under their request, stdout at INFO and stderr at ERROR', async () => {
    const res = await send('/console');
    const requestId = res.headers.get('x-gaekit-request-id') ?? '';
    // Worker output reaches the pipeline through the worker's stdout: give it a moment.
    let entry = pipeline.logs.query({ requestId })[0];
    for (let i = 0; i < 40 && (entry?.lines.length ?? 0) < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      entry = pipeline.logs.query({ requestId })[0];
    }
    expect(entry?.lines.map((l) => [l.severity, l.message])).toEqual([
      ['INFO', 'plain line from the app'],
      ['ERROR', 'an error line from the app'],
    ]);
    expect(entry?.severity).toBe('ERROR');
  });

  it('writes one request log entry per request', async () => {
    const res = await send('/hello?logged');
    const requestId = res.headers.get('x-gaekit-request-id') ?? '';
    const [entry] = pipeline.logs.query({ requestId });
    expect(entry).toBeDefined();
    expect(entry?.status).toBe(200);
    expect(entry?.method).toBe('GET');
    expect(entry?.resource).toBe('/hello?logged');
  });
});
