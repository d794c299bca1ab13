import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyServerLimits,
  BAD_REQUEST_TEXT,
  REQUEST_TIMEOUT_TEXT,
  readNodeRequestNow,
  sendNodeResponse,
} from '../src/index.js';
import {
  drained,
  echoLength,
  parseRaw,
  rawExchange,
  startServer,
  type TestServer,
} from './helpers.js';

const MiB = 1024 * 1024;
const LIMIT = 32 * MiB;

/** Sends a chunked POST of `total` bytes in 64 KB pieces, pausing every MB; resolves with the answer. */
function slowChunkedPost(
  port: number,
  total: number,
): Promise<{ status: number; body: string; sentBytes: number }> {
  return new Promise((resolve, reject) => {
    let sentBytes = 0;
    let answered = false;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/upload',
      headers: { 'transfer-encoding': 'chunked', 'content-type': 'application/octet-stream' },
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        answered = true;
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString(),
          sentBytes,
        });
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const piece = Buffer.alloc(64 * 1024, 120);
    void (async () => {
      while (sentBytes < total && !req.destroyed) {
        const n = Math.min(piece.length, total - sentBytes);
        sentBytes += n;
        const ok = req.write(n === piece.length ? piece : piece.subarray(0, n));
        if (!ok) await drained(req);
        if (sentBytes % MiB === 0) await sleep(1);
      }
      if (!req.destroyed) req.end();
    })();
  });
}

describe('request limits over real sockets', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer(echoLength, {
      bodyIdleTimeoutMs: 300,
      headersTimeoutMs: 300,
      receiveTimeoutMs: 10_000,
    });
  });
  afterAll(() => s.close());

  const get = (headerLine: string) =>
    rawExchange(s.port, [
      `GET / HTTP/1.1\r\nHost: x\r\n${headerLine}\r\nConnection: close\r\n\r\n`,
    ]);

  it('passes a header field of exactly 8 KB and answers 400 to one of 8 KB + 1 byte', async () => {
    // "X-Big: " is 7 bytes; the field counts as `Name: value`.
    const exact = parseRaw((await get(`X-Big: ${'v'.repeat(8192 - 7)}`)).text);
    expect(exact.status).toBe(200);
    expect(exact.body).toBe('GET 0');
    const over = parseRaw((await get(`X-Big: ${'v'.repeat(8192 - 7 + 1)}`)).text);
    expect(over.status).toBe(400);
    expect(over.body).toBe(BAD_REQUEST_TEXT);
    expect(over.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(s.logs.some((l) => l.message.includes('limits/header-field-too-large'))).toBe(true);
  });

  it('answers 400 (not node 431) to a request head over the node parser limit', async () => {
    const fields = Array.from({ length: 12 }, (_, i) => `X-F${i}: ${'v'.repeat(8000)}`).join(
      '\r\n',
    );
    const { text, closedByServer } = await get(fields);
    const answer = parseRaw(text);
    expect(answer.status).toBe(400);
    expect(answer.body).toBe(BAD_REQUEST_TEXT);
    expect(closedByServer).toBe(true);
  });

  it('accepts a body of exactly 32 MB in one buffer', async () => {
    const { text } = await rawExchange(s.port, [
      `POST /exact HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT}\r\nConnection: close\r\n\r\n`,
      LIMIT,
    ]);
    const answer = parseRaw(text);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(`POST ${LIMIT}`);
  });

  it('answers 413 with App Engine body to a chunked body of 32 MB + 1 byte sent slowly', async () => {
    const answer = await slowChunkedPost(s.port, LIMIT + 1);
    expect(answer.status).toBe(413);
    expect(answer.body).toBe('Upload limited to 32 megabytes.');
  });

  it('answers 413 to an announced 32 MB + 1 byte body after reading and discarding it', async () => {
    const { text, closedByServer } = await rawExchange(s.port, [
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\n\r\n`,
      LIMIT + 1,
    ]);
    const answer = parseRaw(text);
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(answer.body).toBe('Upload limited to 32 megabytes.');
    expect(closedByServer).toBe(true);
  });

  it('refuses an announced 1 GB body at once, before any of it is sent', async () => {
    const { text, closedByServer } = await rawExchange(s.port, [
      `PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: ${1024 * MiB}\r\n\r\n`,
    ]);
    expect(parseRaw(text).status).toBe(413);
    expect(closedByServer).toBe(true);
  });

  it('answers Expect: 100-continue with 413 when the announced body is too large', async () => {
    const { text } = await rawExchange(s.port, [
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${LIMIT + 1}\r\nExpect: 100-continue\r\n\r\n`,
    ]);
    expect(text.startsWith('HTTP/1.1 100')).toBe(false);
    expect(parseRaw(text).status).toBe(413);
  });

  it.each(['GET', 'HEAD', 'DELETE', 'TRACE'])('answers 400 to a %s with a body', async (method) => {
    const { text } = await rawExchange(s.port, [
      `${method} / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`,
    ]);
    const answer = parseRaw(text);
    expect(answer.status).toBe(400);
    if (method !== 'HEAD') expect(answer.body).toBe(`"${method}" requests may not contain bodies.`);
  });

  it('answers 400 to a GET with a non-empty chunked body, and passes an empty one', async () => {
    const withBody = await rawExchange(s.port, [
      'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ]);
    expect(parseRaw(withBody.text).status).toBe(400);
    const empty = await rawExchange(s.port, [
      'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
    ]);
    expect(parseRaw(empty.text).body).toBe('GET 0');
  });

  it('answers 408 and closes the connection when the sender stalls in the body', async () => {
    const { text, closedByServer } = await rawExchange(
      s.port,
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n', 100],
      10_000,
    );
    const answer = parseRaw(text);
    expect(answer.status).toBe(408);
    expect(answer.body).toBe(REQUEST_TIMEOUT_TEXT);
    expect(closedByServer).toBe(true);
  });

  it('answers 408 and closes the connection when the sender stalls in the headers', async () => {
    const { text, closedByServer } = await rawExchange(
      s.port,
      ['GET / HTTP/1.1\r\nHost: x\r\nX-Partial: abc'],
      10_000,
    );
    const answer = parseRaw(text);
    expect(answer.status).toBe(408);
    expect(answer.body).toBe(REQUEST_TIMEOUT_TEXT);
    expect(closedByServer).toBe(true);
  });

  it('answers 400 to a malformed request', async () => {
    const { text } = await rawExchange(s.port, ['NOT HTTP AT ALL\r\n\r\n']);
    expect(parseRaw(text).status).toBe(400);
  });

  it('keeps serving after all of the above', async () => {
    const response = await fetch(`http://127.0.0.1:${s.port}/after`, {
      method: 'POST',
      body: 'abc',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('POST 3');
  });
});

describe('the listener never lets a request go unanswered', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer((request) => {
      if (request.url === '/throw') throw new Error('boom');
      if (request.url === '/reject') return Promise.reject(new Error('async boom'));
      if (request.url === '/bad-header') {
        return { status: 200, headers: [['x-bad', 'line\nbreak']], body: new Uint8Array(0) };
      }
      return new Response('web response', { headers: { 'x-kind': 'web' } });
    });
  });
  afterAll(() => s.close());

  it.each(['/throw', '/reject', '/bad-header'])('answers 500 when %s fails', async (path) => {
    const response = await fetch(`http://127.0.0.1:${s.port}${path}`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('Error: Server Error');
  });

  it('accepts a Web Response from the handler', async () => {
    const response = await fetch(`http://127.0.0.1:${s.port}/web`);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-kind')).toBe('web');
    expect(await response.text()).toBe('web response');
  });
});

describe('sendNodeResponse for HEAD', () => {
  it('keeps the Content-Length a GET would get and sends no body', async () => {
    const { createServer } = await import('node:http');
    const { sendNodeResponse } = await import('../src/index.js');
    const server = createServer((_req, res) => {
      sendNodeResponse(
        res,
        { status: 200, headers: [['Content-Length', '11']], body: new Uint8Array(0) },
        { head: true },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const answer = await new Promise<{ length: string | undefined; bytes: number }>(
        (resolve, reject) => {
          const req = httpRequest({ host: '127.0.0.1', port, method: 'HEAD', path: '/' }, (res) => {
            let bytes = 0;
            res.on('data', (c: Buffer) => {
              bytes += c.length;
            });
            res.on('end', () => resolve({ length: res.headers['content-length'], bytes }));
          });
          req.on('error', reject);
          req.end();
        },
      );
      expect(answer).toEqual({ length: '11', bytes: 0 });
    } finally {
      server.close();
    }
  });
});

describe('readNodeRequestNow', () => {
  it('answers from the head alone for bodyless requests and refusals, and defers real bodies', async () => {
    const seen: string[] = [];
    const server = applyServerLimits(
      createServer((req, res) => {
        const now = readNodeRequestNow(req);
        if (now instanceof Promise) {
          seen.push(`${req.method} later`);
          void now.then((read) => {
            res.end(
              read.ok ? `read ${read.request.body.byteLength}` : `refused ${read.rejection.status}`,
            );
          });
          return;
        }
        seen.push(`${req.method} now ${now.ok ? 'ok' : now.rejection.status}`);
        if (now.ok) res.end(`now ${now.request.method} ${now.request.url}`);
        else sendNodeResponse(res, now.rejection, { close: true });
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const get = await fetch(`${base}/a?b=1`);
      expect(await get.text()).toBe('now GET /a?b=1');
      const post = await fetch(`${base}/upload`, { method: 'POST', body: 'x'.repeat(1000) });
      expect(await post.text()).toBe('read 1000');
      const port = (server.address() as AddressInfo).port;
      const huge = await rawExchange(
        port,
        // Over drainLimitBytes (64 MB): refused from the head, nothing read.
        [`POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${65 * MiB}\r\n\r\n`],
        1_000,
      );
      expect(parseRaw(huge.text).status).toBe(413);
      expect(seen).toEqual(['GET now ok', 'POST later', 'POST now 413']);
    } finally {
      server.close();
    }
  });
});
