import { afterEach, describe, expect, it } from 'vitest';
import { headerPairs } from '../src/handler.js';
import { installLightResponse, LightResponse, lightResponseParts } from '../src/light-response.js';

type BodyInitLike = ConstructorParameters<typeof Response>[0];
type HeadersInitLike = NonNullable<ResponseInit['headers']>;

const NativeResponse = globalThis.Response;

/** What the instance reads from a real Response: status, pairs, bytes. */
async function nativeParts(body: BodyInitLike, init?: ResponseInit) {
  const response = new NativeResponse(body, init);
  return {
    status: response.status,
    headers: headerPairs(response.headers),
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

const CASES: Array<[string, BodyInitLike, ResponseInit | undefined]> = [
  ['no arguments', undefined, undefined],
  ['text', 'Hello, world!', undefined],
  ['text with a content type', '{"a":1}', { headers: { 'Content-Type': 'application/json' } }],
  ['unicode text', 'grüße 你好 🎉', { status: 201 }],
  ['bytes', new Uint8Array([1, 2, 3]), { headers: [['X-A', '1']] }],
  ['an ArrayBuffer', new Uint8Array([9, 8]).buffer, undefined],
  ['a null body with 204', null, { status: 204 }],
  ['a null body with 304 and headers', null, { status: 304, headers: { ETag: '"x"' } }],
  [
    'headers out of order, repeated and padded',
    'x',
    {
      headers: [
        ['X-Zeta', ' z '],
        ['accept-ranges', 'bytes'],
        ['X-Alpha', '1'],
        ['x-alpha', '2'],
        ['Set-Cookie', 'a=1'],
        ['Set-Cookie', 'b=2'],
        ['Content-Length', '999'],
      ],
    },
  ],
  ['numbers as header values', 'x', { headers: { 'X-Count': 3 as unknown as string } }],
  ['a 599', 'late', { status: 599 }],
];

describe('LightResponse', () => {
  it.each(CASES)(
    'gives the same status, headers and body as undici for %s',
    async (_, body, init) => {
      const light = new LightResponse(body, init);
      const parts = lightResponseParts(light);
      expect(parts).toBeDefined();
      const expected = await nativeParts(body, init);
      // A Buffer and a Uint8Array with the same bytes are the same body.
      expect({ ...parts, body: [...(parts?.body ?? [])] }).toEqual({
        ...expected,
        body: [...expected.body],
      });
    },
  );

  it.each(CASES)('reads like undici for %s once made real', async (_, body, init) => {
    const light = new LightResponse(body, init) as unknown as Response;
    const real = new NativeResponse(body, init);
    expect(light.status).toBe(real.status);
    expect(light.ok).toBe(real.ok);
    expect(light.statusText).toBe(real.statusText);
    expect([...light.headers]).toEqual([...real.headers]);
    expect(new Uint8Array(await light.arrayBuffer())).toEqual(
      new Uint8Array(await real.arrayBuffer()),
    );
    expect(light.bodyUsed).toBe(real.bodyUsed);
    // Made real: the instance reads it the usual way now.
    expect(lightResponseParts(light)).toBeUndefined();
  });

  it('throws what undici throws, where undici throws it', () => {
    const attempts: Array<[BodyInitLike, ResponseInit]> = [
      ['x', { status: 99 }],
      ['x', { status: 600 }],
      ['x', { status: 204 }],
      ['x', { headers: { 'a b': 'c' } }],
      ['x', { headers: { a: 'b\nc' } }],
      ['x', { headers: { 'x-price': '€' } }],
      ['x', { headers: [['only-a-name']] as unknown as HeadersInitLike }],
      ['x', { statusText: 'a\nb' }],
    ];
    for (const [body, init] of attempts) {
      let expected: unknown;
      try {
        new NativeResponse(body, init);
      } catch (error) {
        expected = error;
      }
      expect(expected, JSON.stringify(init)).toBeInstanceOf(Error);
      expect(() => new LightResponse(body, init)).toThrow((expected as Error).message);
    }
  });

  it('makes the real response at once for streams, forms, Blobs and a statusText', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    for (const [body, init] of [
      [stream, undefined],
      [new URLSearchParams({ a: '1' }), undefined],
      [new Blob(['blob'], { type: 'text/x-blob' }), undefined],
      ['x', { statusText: 'Fine' }],
    ] as Array<[BodyInitLike, ResponseInit | undefined]>) {
      const light = new LightResponse(body, init);
      expect(lightResponseParts(light)).toBeUndefined();
    }
    const form = new LightResponse(new URLSearchParams({ a: '1' })) as unknown as Response;
    expect(form.headers.get('content-type')).toBe(
      'application/x-www-form-urlencoded;charset=UTF-8',
    );
    expect(await form.text()).toBe('a=1');
  });

  it('keeps header changes the app makes after construction', () => {
    const light = new LightResponse('hi', { headers: { 'X-A': '1' } }) as unknown as Response;
    light.headers.set('X-B', '2');
    light.headers.append('Set-Cookie', 'a=1');
    light.headers.append('Set-Cookie', 'b=2');
    light.headers.delete('x-a');
    expect(lightResponseParts(light)?.headers).toEqual([
      ['content-type', 'text/plain;charset=UTF-8'],
      ['x-b', '2'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
  });

  it('is a Response to instanceof both ways, and subclasses work', async () => {
    const light = new LightResponse('x');
    expect(light instanceof NativeResponse).toBe(true);
    expect(new NativeResponse('x') instanceof LightResponse).toBe(true);
    expect(NativeResponse.json({ a: 1 }) instanceof LightResponse).toBe(true);
    class Custom extends LightResponse {
      extra = 'yes';
    }
    const custom = new Custom('sub', { status: 202 });
    expect(custom instanceof LightResponse).toBe(true);
    expect(custom instanceof NativeResponse).toBe(true);
    expect(custom.extra).toBe('yes');
    expect(lightResponseParts(custom)?.status).toBe(202);
    expect({} instanceof LightResponse).toBe(false);
  });

  it('keeps the bytes it was made with, as undici does, though the app reuses its buffer', () => {
    const scratch = new Uint8Array([1, 2, 3]);
    const light = new LightResponse(scratch);
    const fromBuffer = new LightResponse(scratch.buffer);
    scratch[0] = 9;
    expect([...(lightResponseParts(light)?.body ?? [])]).toEqual([1, 2, 3]);
    expect([...(lightResponseParts(fromBuffer)?.body ?? [])]).toEqual([1, 2, 3]);
  });

  it('copies the app’s bytes, and gives a worker bodies that own their buffer', () => {
    for (const bytes of [new Uint8Array([1, 2, 3]), Buffer.from([4, 5, 6])]) {
      const parts = lightResponseParts(new LightResponse(bytes));
      expect([...(parts?.body ?? [])]).toEqual([...bytes]);
      expect(parts?.body.buffer).not.toBe(bytes.buffer);
    }
    const text = lightResponseParts(new LightResponse('short'), true);
    expect(text?.body.byteLength).toBe(5);
    expect(text?.body.buffer.byteLength).toBe(5);
  });
});

describe('installLightResponse', () => {
  let releases: Array<() => void> = [];
  afterEach(() => {
    for (const release of releases) release();
    releases = [];
  });

  it('is the global Response until the last release', () => {
    const first = installLightResponse();
    const second = installLightResponse();
    releases.push(first, second);
    expect(globalThis.Response).toBe(LightResponse);
    const parts = lightResponseParts(new Response('made by an app'));
    expect(Buffer.from(parts?.body ?? []).toString()).toBe('made by an app');
    first();
    first();
    expect(globalThis.Response).toBe(LightResponse);
    second();
    expect(globalThis.Response).toBe(NativeResponse);
  });
});
