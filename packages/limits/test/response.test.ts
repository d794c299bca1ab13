import { describe, expect, it } from 'vitest';
import {
  BAD_GATEWAY_PAGE,
  checkResponse,
  inspectResponse,
  RESPONSE_HEADERS_TOO_LARGE_LOG,
  type ResponseViolation,
  readWebResponse,
  responseHeaderBytes,
} from '../src/index.js';
import { startServer } from './helpers.js';

const MiB = 1024 * 1024;
const LIMIT = 32 * MiB;

/** Headers whose block (`HTTP/1.1 200 OK\r\n` + `x-fill: …\r\n` + `\r\n`) is exactly `size` bytes. */
function headersOfBlockSize(size: number): Array<[string, string]> {
  const fixed = 'HTTP/1.1 200 OK\r\n'.length + 'x-fill: '.length + 2 + 2;
  return [['x-fill', 'h'.repeat(size - fixed)]];
}

describe('response limits', () => {
  it('counts the header block as HTTP/1.1 sends it', () => {
    expect(responseHeaderBytes({ status: 200, headers: [] })).toBe(19);
    expect(responseHeaderBytes({ status: 200, headers: [['a', 'b']] })).toBe(19 + 6);
    expect(responseHeaderBytes({ status: 299, statusText: 'Fine', headers: [] })).toBe(21);
    expect(responseHeaderBytes({ status: 200, headers: headersOfBlockSize(8192) })).toBe(8192);
  });

  it('passes a body of exactly 32 MB and the original object', () => {
    const response = { status: 200, headers: [], body: new Uint8Array(LIMIT) };
    expect(checkResponse(response)).toBe(response);
  });

  it('turns a body of 32 MB + 1 byte into an empty 500', () => {
    const seen: ResponseViolation[] = [];
    const replaced = checkResponse(
      { status: 200, headers: [['content-type', 'text/plain']], body: new Uint8Array(LIMIT + 1) },
      { onResponseViolation: (v) => seen.push(v) },
    );
    expect(replaced.status).toBe(500);
    expect(replaced.body.byteLength).toBe(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      code: 'limits/response-too-large',
      size: LIMIT + 1,
      limit: LIMIT,
    });
  });

  it('passes a header block of exactly 8 KB', () => {
    const response = { status: 200, headers: headersOfBlockSize(8192), body: new Uint8Array(1) };
    expect(checkResponse(response)).toBe(response);
  });

  it('turns a header block of 8 KB + 1 byte into a 502 with the exact log line', () => {
    const seen: ResponseViolation[] = [];
    const replaced = checkResponse(
      { status: 200, headers: headersOfBlockSize(8193), body: new Uint8Array(1) },
      { onResponseViolation: (v) => seen.push(v) },
    );
    expect(replaced.status).toBe(502);
    expect(new TextDecoder().decode(replaced.body)).toBe(BAD_GATEWAY_PAGE);
    expect(seen.map((v) => v.logMessage)).toEqual([
      'upstream sent too big header while reading response header from upstream',
    ]);
    expect(RESPONSE_HEADERS_TOO_LARGE_LOG).toBe(seen[0]?.logMessage);
  });

  it('checks headers before the body, and takes other limits as options', () => {
    const both = inspectResponse({
      status: 200,
      headers: headersOfBlockSize(9000),
      body: new Uint8Array(LIMIT + 1),
    });
    expect(both?.code).toBe('limits/response-headers-too-large');
    const small = inspectResponse(
      { status: 201, headers: [], body: new Uint8Array(11) },
      { maxResponseBodyBytes: 10, responseTooLargeStatus: 503 },
    );
    expect(small?.response.status).toBe(503);
  });

  it('stops reading a Web response body at the limit', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new Uint8Array(1024));
      },
    });
    const seen: ResponseViolation[] = [];
    const record = await readWebResponse(new Response(stream), {
      maxResponseBodyBytes: 10 * 1024,
      onResponseViolation: (v) => seen.push(v),
    });
    expect(record.status).toBe(500);
    expect(record.body.byteLength).toBe(0);
    expect(pulled).toBeLessThan(20);
    expect(seen[0]?.code).toBe('limits/response-too-large');
  });

  it('buffers a Web response within the limits, keeping every Set-Cookie', async () => {
    const headers = new Headers([
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
    const record = await readWebResponse(new Response('hello', { status: 201, headers }));
    expect(record.status).toBe(201);
    expect(record.headers.filter(([n]) => n === 'set-cookie')).toHaveLength(2);
    expect(new TextDecoder().decode(record.body)).toBe('hello');
  });

  it('sends the 502 and logs the exact line through the node listener', async () => {
    const s = await startServer(() => ({
      status: 200,
      headers: [['x-huge', 'v'.repeat(9000)]],
      body: new TextEncoder().encode('never seen'),
    }));
    try {
      const response = await fetch(`http://127.0.0.1:${s.port}/`);
      expect(response.status).toBe(502);
      expect(response.headers.get('x-huge')).toBeNull();
      expect(s.logs.map((l) => l.message)).toContain(RESPONSE_HEADERS_TOO_LARGE_LOG);
    } finally {
      await s.close();
    }
  });

  it('sends an empty 500 for a body over the limit through the node listener', async () => {
    const s = await startServer(() => ({ status: 200, headers: [], body: new Uint8Array(101) }), {
      maxResponseBodyBytes: 100,
    });
    try {
      const response = await fetch(`http://127.0.0.1:${s.port}/`);
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('');
    } finally {
      await s.close();
    }
  });
});
