import { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline, type PipelineServer, servePipeline } from '../src/index.js';

type RequestRecord = Parameters<Pipeline['handle']>[0];

const open: Pipeline[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function inlinePipeline(handler: (request: Request) => Response | Promise<Response>): Pipeline {
  const pipeline = createPipeline({
    root: '/tmp',
    config: { runtime: 'nodejs22' },
    instances: 'inline',
    handler,
    onWarning: () => undefined,
  });
  open.push(pipeline);
  return pipeline;
}

/** Ready, with its first instance up (automatic scaling starts one on the first request). */
async function warm(pipeline: Pipeline): Promise<void> {
  await pipeline.handle(get('/warm'));
}

const get = (url: string): RequestRecord => ({
  method: 'GET',
  url,
  headers: [['host', 'localhost']],
  body: new Uint8Array(0),
});

const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe('handleNow', () => {
  it('gives a promise while the first instance starts', async () => {
    const pipeline = inlinePipeline(() => new Response('first'));
    await pipeline.ready();
    const answer = pipeline.handleNow(get('/'));
    expect(answer).toBeInstanceOf(Promise);
    expect(text((await answer).body)).toBe('first');
  });

  it('answers in the same tick when the inline handler returns a Response, with the full front end', async () => {
    const pipeline = inlinePipeline(
      (request) => new Response(`seen ${request.headers.get('x-appengine-user-ip')}`),
    );
    await warm(pipeline);
    const answer = pipeline.handleNow(get('/now'), { remoteAddress: '203.0.113.9' });
    expect(answer).not.toBeInstanceOf(Promise);
    const response = answer as Awaited<typeof answer>;
    expect(response.status).toBe(200);
    expect(text(response.body)).toBe('seen 203.0.113.9');
    const names = response.headers.map(([name]) => name.toLowerCase());
    expect(names).toEqual(expect.arrayContaining(['date', 'server', 'cache-control']));
    // The request log entry is written in the same tick too.
    expect(pipeline.logs.query({ limit: 1 })[0]).toMatchObject({
      status: 200,
      resource: '/now',
      ip: '203.0.113.9',
      responseSize: 16,
    });
  });

  it('gives a promise for an async handler, and handle() always gives one', async () => {
    const pipeline = inlinePipeline(async () => new Response('later'));
    await pipeline.ready();
    const answer = pipeline.handleNow(get('/'));
    expect(answer).toBeInstanceOf(Promise);
    expect(text((await answer).body)).toBe('later');
    const handled = pipeline.handle(get('/'));
    expect(handled).toBeInstanceOf(Promise);
    expect((await handled).status).toBe(200);
  });

  it('a handler that throws at once gets the platform 500 in the same tick', async () => {
    const pipeline = inlinePipeline(() => {
      throw new Error('boom');
    });
    await warm(pipeline);
    const answer = pipeline.handleNow(get('/'));
    expect(answer).not.toBeInstanceOf(Promise);
    expect((answer as Awaited<typeof answer>).status).toBe(500);
  });

  it('close() waits for a request still on its way, not for answered ones', async () => {
    let release: (() => void) | undefined;
    const pipeline = inlinePipeline((request) =>
      request.url.endsWith('/hold')
        ? new Promise<Response>((resolve) => {
            release = () => resolve(new Response('held'));
          })
        : new Response('quick'),
    );
    await warm(pipeline);
    expect(pipeline.handleNow(get('/quick'))).not.toBeInstanceOf(Promise);
    const held = pipeline.handle(get('/hold'));
    let closed = false;
    const closing = pipeline.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    release?.();
    expect(text((await held).body)).toBe('held');
    await closing;
    expect(closed).toBe(true);
  });
});

describe('listen: answers of one turn are written together', () => {
  it('answers pipelined requests on one connection in order, each exactly once', async () => {
    const pipeline = inlinePipeline(
      (request) => new Response(`path ${new URL(request.url).pathname}`),
    );
    const server = await pipeline.listen({ port: 0 });
    const socket = connect(server.port, '127.0.0.1');
    const paths = Array.from({ length: 20 }, (_, i) => `/p${i}`);
    socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`).join(''));
    let received = '';
    await new Promise<void>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if ((received.match(/HTTP\/1\.1 200/g) ?? []).length === paths.length) resolve();
      });
      socket.on('error', reject);
    });
    socket.destroy();
    const bodies = [...received.matchAll(/path (\/p\d+)/g)].map((m) => m[1]);
    expect(bodies).toEqual(paths);
  });

  it('many clients at once each get their own answer', async () => {
    const pipeline = inlinePipeline(
      (request) => new Response(`client ${request.headers.get('x-client')}`),
    );
    const server = await pipeline.listen({ port: 0 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        fetch(`${server.url}/`, { headers: { 'x-client': String(i) } }).then((r) => r.text()),
      ),
    );
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `client ${i}`));
  });

  it('handles every request of a turn before writing any answer', async () => {
    // Twenty requests arrive in one write on one connection: node parses them in one turn, and
    // with the batch every answer is made before the first is written.
    const events: string[] = [];
    const end = ServerResponse.prototype.end;
    const server = await servePipeline(
      {
        handle: () => Promise.reject(new Error('handleNow is used')),
        handleNow: (request) => {
          events.push(`handle ${request.url}`);
          return { status: 200, headers: [], body: new TextEncoder().encode(request.url) };
        },
      },
      { port: 0 },
    );
    ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
      events.push('write');
      return Reflect.apply(end, this, args);
    } as typeof end;
    try {
      const received = await pipelined(server, 3);
      expect(received).toEqual(['/p0', '/p1', '/p2']);
      expect(events).toEqual(['handle /p0', 'handle /p1', 'handle /p2', 'write', 'write', 'write']);
    } finally {
      ServerResponse.prototype.end = end;
      await server.close();
    }
  });

  it('a malformed answer gets a 500 and does not cost the others of its batch', async () => {
    const server = await servePipeline(
      {
        handle: () => Promise.reject(new Error('handleNow is used')),
        handleNow: (request) =>
          request.url === '/p1'
            ? ({ status: 200, headers: [] } as unknown as ReturnType<typeof inlineRecord>)
            : inlineRecord(request.url),
      },
      { port: 0 },
    );
    try {
      const raw = await pipelinedRaw(server, 3);
      expect([...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]))).toEqual([
        200, 500, 200,
      ]);
      // The server's own 500, as for any answer that could not be made.
      const failed = raw.slice(raw.indexOf('HTTP/1.1 500'));
      expect(failed.slice(0, failed.indexOf('\r\n\r\n'))).toMatch(/\r\nServer: Google Frontend/i);
    } finally {
      await server.close();
    }
  });
});

function inlineRecord(url: string) {
  return {
    status: 200,
    headers: [] as Array<[string, string]>,
    body: new TextEncoder().encode(url),
  };
}

/** Sends `count` pipelined GETs in one write; resolves with the raw answer text. */
async function pipelinedRaw(server: PipelineServer, count: number): Promise<string> {
  const socket = connect(server.port, '127.0.0.1');
  const paths = Array.from({ length: count }, (_, i) => `/p${i}`);
  socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: localhost\r\n\r\n`).join(''));
  let received = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if ((received.match(/HTTP\/1\.1 \d{3}/g) ?? []).length === count) {
        // The last answer's body may follow its head in a later chunk.
        setTimeout(resolve, 20);
      }
    });
    socket.on('error', reject);
  });
  socket.destroy();
  return received;
}

async function pipelined(server: PipelineServer, count: number): Promise<string[]> {
  const raw = await pipelinedRaw(server, count);
  return [...raw.matchAll(/\r\n\r\n(\/p\d+)/g)].map((m) => m[1] as string);
}
