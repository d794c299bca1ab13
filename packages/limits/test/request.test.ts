import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  BodyTooLargeError,
  checkRequest,
  checkRequestHeaders,
  readBodyWithLimit,
  readWebRequest,
  uploadLimitText,
} from '../src/index.js';

const MiB = 1024 * 1024;

/** An endless source of 64 KB chunks that records how many were pulled and whether it was stopped. */
function endless() {
  const state = { pulled: 0, stopped: false };
  async function* chunks() {
    try {
      for (;;) {
        state.pulled++;
        yield new Uint8Array(64 * 1024);
      }
    } finally {
      state.stopped = true;
    }
  }
  return { state, source: chunks() };
}

describe('checkRequest', () => {
  it('checks each header field as `Name: value` against 8 KB', () => {
    expect(checkRequestHeaders([['x-a', 'v'.repeat(8192 - 5)]])).toBeUndefined();
    const over = checkRequestHeaders([['x-a', 'v'.repeat(8192 - 4)]]);
    expect(over).toMatchObject({ status: 400, code: 'limits/header-field-too-large' });
    expect(over?.message).toContain('"x-a" is 8193 bytes');
    expect(checkRequestHeaders(['x-a', 'v'.repeat(9000)])?.status).toBe(400);
    expect(checkRequestHeaders({ 'x-a': ['short', 'v'.repeat(9000)] })?.status).toBe(400);
    expect(checkRequestHeaders(new Headers({ 'x-a': 'v'.repeat(100) }))).toBeUndefined();
    expect(
      checkRequestHeaders([['x-a', 'v'.repeat(50)]], { maxRequestHeaderFieldBytes: 40 })?.status,
    ).toBe(400);
  });

  it('refuses an announced body over the limit before reading it; exactly the limit passes', () => {
    const at = checkRequest({ method: 'POST', headers: [['content-length', String(32 * MiB)]] });
    expect(at).toBeUndefined();
    const over = checkRequest({
      method: 'POST',
      headers: [['content-length', String(32 * MiB + 1)]],
    });
    expect(over).toMatchObject({ status: 413, code: 'limits/request-too-large' });
    expect(new TextDecoder().decode(over?.body)).toBe('Upload limited to 32 megabytes.');
    const custom = checkRequest(
      { method: 'POST', headers: [], body: new Uint8Array(11) },
      { maxRequestBodyBytes: 10, requestTooLargeStatus: 400 },
    );
    expect(custom?.status).toBe(400);
    expect(uploadLimitText(10)).toBe('Upload limited to 10 bytes.');
  });

  it('refuses bodies on GET, HEAD, DELETE and TRACE unless told otherwise', () => {
    for (const method of ['GET', 'head', 'DELETE', 'TRACE']) {
      const rejection = checkRequest({ method, headers: [['Content-Length', '3']] });
      expect(rejection?.status).toBe(400);
      expect(rejection?.code).toBe('limits/body-not-allowed');
    }
    expect(checkRequest({ method: 'GET', headers: [['content-length', '0']] })).toBeUndefined();
    expect(checkRequest({ method: 'GET', headers: [], body: new Uint8Array(1) })?.code).toBe(
      'limits/body-not-allowed',
    );
    expect(
      checkRequest(
        { method: 'DELETE', headers: [['content-length', '3']] },
        { bodylessMethods: [] },
      ),
    ).toBeUndefined();
  });

  it('answers 400 to a malformed Content-Length', () => {
    expect(checkRequest({ method: 'POST', headers: [['content-length', '1e3']] })?.status).toBe(
      400,
    );
  });
});

describe('readBodyWithLimit', () => {
  it('stops pulling from the source as soon as the limit is passed', async () => {
    const { state, source } = endless();
    const error = await readBodyWithLimit(source, 1 * MiB).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BodyTooLargeError);
    expect((error as BodyTooLargeError).code).toBe('limits/body-too-large');
    expect((error as BodyTooLargeError).received).toBe(1 * MiB + 64 * 1024);
    expect(state.pulled).toBe(17);
    expect(state.stopped).toBe(true);
  });

  it('fails at once, reading nothing, when the announced length is over the limit', async () => {
    const { state, source } = endless();
    await expect(readBodyWithLimit(source, 10, { expectedLength: 11 })).rejects.toThrow(
      BodyTooLargeError,
    );
    expect(state.pulled).toBe(0);
  });

  it('reads exactly the limit into one buffer (known and unknown length, node and Web streams)', async () => {
    const parts = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5])];
    expect([...(await readBodyWithLimit(Readable.from(parts), 5))]).toEqual([1, 2, 3, 4, 5]);
    expect([...(await readBodyWithLimit(Readable.from(parts), 5, { expectedLength: 5 }))]).toEqual([
      1, 2, 3, 4, 5,
    ]);
    const web = new Blob([new Uint8Array([9, 8, 7])]).stream();
    expect([...(await readBodyWithLimit(web, 3))]).toEqual([9, 8, 7]);
    await expect(readBodyWithLimit(Readable.from(parts), 4)).rejects.toThrow(BodyTooLargeError);
    expect((await readBodyWithLimit(Readable.from([]), 0)).byteLength).toBe(0);
  });

  it('keeps every byte in order for large announced bodies (buffer made when half has arrived)', async () => {
    const size = 3 * MiB + 123;
    const data = new Uint8Array(size);
    for (let i = 0; i < size; i++) data[i] = (i * 7) % 251;
    const pieces: Uint8Array[] = [];
    for (let i = 0; i < size; i += 64 * 1024 - 1) pieces.push(data.subarray(i, i + 64 * 1024 - 1));
    const body = await readBodyWithLimit(Readable.from(pieces), 32 * MiB, { expectedLength: size });
    expect(Buffer.compare(body, data)).toBe(0);
    const more = await readBodyWithLimit(Readable.from(pieces), 32 * MiB, {
      expectedLength: 2 * MiB,
    });
    expect(Buffer.compare(more, data)).toBe(0);
    const less = await readBodyWithLimit(Readable.from(pieces.slice(0, 40)), 32 * MiB, {
      expectedLength: size,
    });
    expect(Buffer.compare(less, data.subarray(0, less.byteLength))).toBe(0);
    expect(less.byteLength).toBe(40 * (64 * 1024 - 1));
  });

  it('copes with a source sending more than announced', async () => {
    const parts = [new Uint8Array([1, 2]), new Uint8Array([3, 4])];
    const body = await readBodyWithLimit(Readable.from(parts), 10, { expectedLength: 3 });
    expect([...body]).toEqual([1, 2, 3, 4]);
  });

  it('stops when the signal aborts', async () => {
    const { source } = endless();
    const controller = new AbortController();
    controller.abort(new Error('gone'));
    await expect(
      readBodyWithLimit(source, 10 * MiB, { signal: controller.signal }),
    ).rejects.toThrow('gone');
  });
});

describe('readWebRequest', () => {
  it('buffers a request within the limits', async () => {
    const read = await readWebRequest(
      new Request('http://app.test/upload', { method: 'POST', body: 'hello' }),
    );
    expect(read.ok).toBe(true);
    if (read.ok) {
      expect(read.request.method).toBe('POST');
      expect(new TextDecoder().decode(read.request.body)).toBe('hello');
    }
  });

  it('refuses a streamed body over the limit without reading the rest', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const read = await readWebRequest(
      new Request('http://app.test/', { method: 'POST', body, duplex: 'half' } as RequestInit),
      { maxRequestBodyBytes: 4096 },
    );
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.rejection.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it('refuses header fields over 8 KB', async () => {
    const read = await readWebRequest(
      new Request('http://app.test/', { headers: { 'x-big': 'v'.repeat(8200) } }),
    );
    expect(read.ok ? 200 : read.rejection.status).toBe(400);
  });
});
