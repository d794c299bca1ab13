import { describe, expect, it } from 'vitest';
import { toRecord } from '../src/index.js';

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
