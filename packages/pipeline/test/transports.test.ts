import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline, type PipelineServer } from '../src/index.js';

const BIG_TEXT = 'App Engine compresses text for browsers. '.repeat(200);

function app(request: Request): Response | Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/text') {
    return new Response(BIG_TEXT, { headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  if (url.pathname === '/slow') {
    return new Promise((resolve) => setTimeout(() => resolve(new Response('slow')), 800));
  }
  return new Response(
    `${request.method} ${url.pathname} via ${request.headers.get('x-forwarded-proto')}`,
    {
      headers: { 'content-type': 'text/plain' },
    },
  );
}

interface Curl {
  code: number;
  stdout: string;
  head: string;
}

/** Runs curl with `-sS -D <file>` and returns the body and the received head. */
function curl(args: string[]): Promise<Curl> {
  const dir = mkdtempSync(join(tmpdir(), 'gaekit-curl-'));
  const headFile = join(dir, 'head.txt');
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-D', headFile, '--max-time', '20', ...args], (error, stdout) => {
      let head = '';
      try {
        head = readFileSync(headFile, 'utf8');
      } catch {
        // curl wrote no head: the code says why.
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, head });
    });
  });
}

/** Writes raw bytes on a socket and collects everything until the server closes or 3 s pass. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.on('error', reject);
    socket.write(bytes, 'latin1');
  });
}

describe('over HTTP/1.1, h2c and TLS', () => {
  let pipeline: Pipeline;
  let plain: PipelineServer;
  let h2c: PipelineServer;
  let tls: PipelineServer;
  let certDir: string;

  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'gaekit-cert-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(certDir, 'key.pem'),
        '-out',
        join(certDir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    pipeline = createPipeline({
      config: {
        runtime: 'nodejs22',
        automaticScaling: { maxConcurrentRequests: 1, maxInstances: 1 },
      },
      handler: app,
      scheduler: { pendingTimeoutMs: 300 },
      onWarning: () => undefined,
    });
    plain = await pipeline.listen({ port: 0 });
    h2c = await pipeline.listen({ port: 0, http2: true });
    tls = await pipeline.listen({
      port: 0,
      http2: true,
      key: readFileSync(join(certDir, 'key.pem')),
      cert: readFileSync(join(certDir, 'cert.pem')),
    });
  });
  afterAll(async () => {
    await pipeline.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('gzips for curl --compressed with a browser User-Agent, and curl decodes it', async () => {
    const url = `http://127.0.0.1:${plain.port}/text`;
    const browser = await curl([
      '--compressed',
      '-A',
      'Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0',
      url,
    ]);
    expect(browser.head).toMatch(/^content-encoding: gzip\r$/im);
    expect(browser.stdout).toBe(BIG_TEXT);
    const unknownAgent = await curl(['--compressed', '-A', 'my-script/1.0', url]);
    expect(unknownAgent.head).not.toMatch(/content-encoding/i);
    expect(unknownAgent.stdout).toBe(BIG_TEXT);
    const forced = await curl([
      '-H',
      'Accept-Encoding: gzip',
      '-A',
      'gzip',
      url,
      '-o',
      '/dev/null',
    ]);
    expect(forced.head).toMatch(/^content-encoding: gzip\r$/im);
  });

  it('accepts HTTP/2 with prior knowledge (h2c) and gives the app HTTP/1.1 semantics', async () => {
    const res = await curl(['--http2-prior-knowledge', `http://127.0.0.1:${h2c.port}/h2?x=1`]);
    expect(res.code).toBe(0);
    expect(res.head).toMatch(/^HTTP\/2 200/);
    expect(res.head).toMatch(/^server: Google Frontend\r$/im);
    expect(res.stdout).toBe('GET /h2 via http');
  });

  it('still speaks HTTP/1.1 on the h2c port', async () => {
    const res = await curl(['--http1.1', `http://127.0.0.1:${h2c.port}/h1`]);
    expect(res.head).toMatch(/^HTTP\/1\.1 200/);
    expect(res.stdout).toBe('GET /h1 via http');
  });

  it('serves HTTP/2 over TLS and tells the app the request was https', async () => {
    const res = await curl(['-k', '--http2', `https://localhost:${tls.port}/tls`]);
    expect(res.code).toBe(0);
    expect(res.head).toMatch(/^HTTP\/2 200/);
    expect(res.stdout).toBe('GET /tls via https');
  });

  it('answers a malformed request line with 400 and keeps serving', async () => {
    const answer = await rawExchange(plain.port, 'GARBAGE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    const ok = await curl([`http://127.0.0.1:${plain.port}/after`]);
    expect(ok.stdout).toBe('GET /after via http');
  });

  it('answers a request header over 8 KB with 400', async () => {
    const answer = await rawExchange(
      plain.port,
      `GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(8 * 1024 + 1)}\r\nConnection: close\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });

  it('answers a GET with a body with 400', async () => {
    const answer = await rawExchange(
      plain.port,
      'GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });

  it('answers a request that waits past the pending timeout with 503', async () => {
    const url = `http://127.0.0.1:${plain.port}`;
    const [slow, waiting] = await Promise.all([
      curl([`${url}/slow`]),
      new Promise<Curl>((resolve) => setTimeout(() => resolve(curl([`${url}/queued`])), 100)),
    ]);
    expect(slow.stdout).toBe('slow');
    expect(waiting.head).toMatch(/^HTTP\/1\.1 503/);
    // The next request, once the instance is free, is served again.
    expect((await curl([`${url}/later`])).stdout).toBe('GET /later via http');
  });
});
