import { createServer } from 'node:http';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { LAZY_WORKS } from '../src/handler.js';
import { toRecord, toWebRequest } from '../src/index.js';
import type { RequestRecord } from '../src/types.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('toRecord', () => {
  it.each([
    ['a string', () => new Response('héllo')],
    ['Uint8Array', () => new Response(new TextEncoder().encode('héllo'))],
    ['ArrayBuffer', () => new Response(new TextEncoder().encode('héllo').buffer)],
    ['Blob', () => new Response(new Blob(['hé', 'llo']))],
    [
      'a stream',
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('hé'));
              controller.enqueue(new TextEncoder().encode('llo'));
              controller.close();
            },
          }),
        ),
    ],
    ['Response.json', () => Response.json('héllo')],
  ])('reads a body made from %s', async (_name, make) => {
    const record = await toRecord(make());
    expect(text(record.body)).toBe(_name === 'Response.json' ? '"héllo"' : 'héllo');
    expect(record.status).toBe(200);
  });

  it('reads a URL-encoded body with its content type', async () => {
    const record = await toRecord(new Response(new URLSearchParams({ a: '1 2', b: 'é' })));
    expect(text(record.body)).toBe('a=1+2&b=%C3%A9');
    expect(record.headers).toContainEqual([
      'content-type',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ]);
  });

  it('gives an empty body for null, and fresh bytes every time for a shared buffer', async () => {
    expect((await toRecord(new Response(null, { status: 204 }))).body.byteLength).toBe(0);
    const shared = new TextEncoder().encode('same');
    const first = await toRecord(new Response(shared));
    first.body.fill(0);
    expect(text((await toRecord(new Response(shared))).body)).toBe('same');
    expect(text(shared)).toBe('same');
  });

  it('refuses a body that was read already, as arrayBuffer() does', async () => {
    const response = new Response('once');
    await response.text();
    await expect(toRecord(response)).rejects.toThrow(TypeError);
  });
});

describe('toWebRequest', () => {
  const record = (method: string, body = '', url = '/a/b?x=1'): RequestRecord => ({
    method,
    url,
    headers: [
      ['Host', 'example.com:8080'],
      ['X-A', '1'],
      ['content-type', 'text/plain'],
    ],
    body: new TextEncoder().encode(body),
  });

  it('is a Request, with the URL, headers and body the record holds', async () => {
    const request = toWebRequest(record('POST', 'héllo'), new AbortController().signal);
    expect(request).toBeInstanceOf(Request);
    expect(Object.prototype.toString.call(request)).toBe('[object Request]');
    expect(request.method).toBe('POST');
    expect(request.url).toBe('http://example.com:8080/a/b?x=1');
    expect(request.headers.get('x-a')).toBe('1');
    expect(request.bodyUsed).toBe(false);
    expect(await request.clone().text()).toBe('héllo');
    expect(await request.text()).toBe('héllo');
    expect(request.bodyUsed).toBe(true);
    await expect(request.text()).rejects.toThrow(TypeError);
    expect(inspect(request)).toContain('example.com');
  });

  it('makes the signal only when read (where undici takes a lazy Request), and it follows the deadline', () => {
    const controller = new AbortController();
    let made = 0;
    const request = toWebRequest(record('GET'), () => {
      made++;
      return controller.signal;
    });
    expect(request.url).toBe('http://example.com:8080/a/b?x=1');
    // Node 24's undici cannot take a lazy Request: a real one is made, with the signal.
    expect(made).toBe(LAZY_WORKS ? 0 : 1);
    expect(request.signal.aborted).toBe(false);
    controller.abort(new Error('deadline'));
    expect(request.signal.aborted).toBe(true);
    expect(made).toBe(1);
  });

  it('an unusual method gets a real Request, and its copies follow the deadline too', () => {
    const controller = new AbortController();
    const request = toWebRequest(record('PROPFIND'), () => controller.signal);
    const copy = new Request(request);
    expect(copy.method).toBe('PROPFIND');
    controller.abort(new Error('deadline'));
    expect(request.signal.aborted).toBe(true);
    expect(copy.signal.aborted).toBe(true);
  });

  it('normalises the URL and method as new Request does, and throws where it throws', () => {
    const signal = new AbortController().signal;
    expect(toWebRequest(record('GET', '', '/a/../b c'), signal).url).toBe(
      'http://example.com:8080/b%20c',
    );
    expect(toWebRequest(record('patch'), signal).method).toBe('patch');
    expect(toWebRequest(record('get'), signal).method).toBe('GET');
    expect(() => toWebRequest(record('TRACE'), signal)).toThrow(TypeError);
    expect(() =>
      toWebRequest({ ...record('GET'), headers: [['host', 'bad host']] }, signal),
    ).toThrow(TypeError);
  });

  it('leaves out a header the Fetch API refuses; edits to the headers reach clones', () => {
    const request = toWebRequest(
      {
        ...record('GET'),
        headers: [
          ['host', 'x'],
          ['bad', 'a\u0000b'],
          ['ok', '1'],
        ],
      },
      new AbortController().signal,
    );
    expect([...request.headers]).toEqual([
      ['host', 'x'],
      ['ok', '1'],
    ]);
    request.headers.set('x-new', 'y');
    expect(request.clone().headers.get('x-new')).toBe('y');
  });

  it('edits to headers read before the body is, made after, reach clones and copies', async () => {
    const request = toWebRequest(record('POST', 'payload'), new AbortController().signal);
    const headers = request.headers;
    // Reading the body makes the Request behind a lazy one; the app keeps its Headers.
    expect(await request.clone().text()).toBe('payload');
    headers.set('x-late', 'yes');
    request.headers.append('x-a', '2');
    headers.delete('content-type');
    expect(request.headers).toBe(headers);
    // Nothing of the mirroring shows: no own properties, methods named and replaceable.
    expect(Object.keys(headers)).toEqual([]);
    expect(headers.set.name).toBe('set');
    for (const copy of [request.clone(), new Request(request)]) {
      expect(copy.headers.get('x-late')).toBe('yes');
      expect(copy.headers.get('x-a')).toBe('1, 2');
      expect(copy.headers.has('content-type')).toBe(false);
      expect(await copy.text()).toBe('payload');
    }
    const replaced = () => undefined;
    (headers as unknown as { set: unknown }).set = replaced;
    expect(headers.set).toBe(replaced);
  });

  it('new Request(request) and fetch(request) take it as a real one, signal included', async () => {
    const controller = new AbortController();
    const copy = new Request(toWebRequest(record('POST', 'body!'), () => controller.signal));
    expect(copy.method).toBe('POST');
    expect(copy.headers.get('x-a')).toBe('1');
    expect(await copy.text()).toBe('body!');
    controller.abort(new Error('deadline'));
    expect(copy.signal.aborted).toBe(true);

    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => res.end(`${req.method} ${req.url} ${req.headers['x-a']} ${body}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const request = toWebRequest(
        {
          ...record('PUT', 'sent'),
          headers: [
            ['host', `127.0.0.1:${port}`],
            ['x-a', '2'],
          ],
        },
        new AbortController().signal,
      );
      const response = await fetch(request);
      expect(await response.text()).toBe('PUT /a/b?x=1 2 sent');
    } finally {
      server.close();
    }
  });
});
