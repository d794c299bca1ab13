import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ClientResponse, LoopbackClient } from '../src/http-client.js';

const servers: Array<Server | HttpServer> = [];
const clients: LoopbackClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await Promise.all(
    servers.splice(0).map((server) => {
      if ('closeAllConnections' in server) server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

function listen<T extends Server | HttpServer>(server: T): Promise<LoopbackClient> {
  servers.push(server);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const client = new LoopbackClient(typeof address === 'object' && address ? address.port : 0);
      clients.push(client);
      resolve(client);
    });
  });
}

/**
 * A server that answers each request (once its head arrived) with `answer(socket, n)`, n
 * counting requests on all connections; it records how many connections it accepted.
 */
async function scripted(answer: (socket: Socket, n: number, head: string) => void) {
  let n = 0;
  const connections: Socket[] = [];
  const client = await listen(
    createServer((socket) => {
      connections.push(socket);
      let buffered = '';
      socket.setEncoding('latin1');
      socket.on('data', (text: string) => {
        buffered += text;
        let end = buffered.indexOf('\r\n\r\n');
        while (end !== -1) {
          const head = buffered.slice(0, end);
          buffered = buffered.slice(end + 4);
          answer(socket, n++, head);
          end = buffered.indexOf('\r\n\r\n');
        }
      });
      socket.on('error', () => {});
    }),
  );
  return { client, connections };
}

function send(
  client: LoopbackClient,
  method = 'GET',
  body?: Uint8Array,
): Promise<ClientResponse & { text: string }> {
  const head = `${method} / HTTP/1.1\r\nhost: x\r\n${body ? `content-length: ${body.byteLength}\r\n` : ''}\r\n`;
  return new Promise((resolve, reject) => {
    client.send(method, head, body, (error, response) => {
      if (error || !response) reject(error);
      else resolve({ ...response, text: Buffer.from(response.body).toString() });
    });
  });
}

/** Writes `parts` one by one, each in its own segment (setImmediate between them). */
function trickle(socket: Socket, parts: string[]): void {
  const next = (i: number) => {
    if (i >= parts.length || socket.destroyed) return;
    socket.write(parts[i] as string);
    setTimeout(() => next(i + 1), 5);
  };
  next(0);
}

describe('LoopbackClient', () => {
  it('reads a Content-Length body cut across reads and keeps the fields as sent', async () => {
    const { client } = await scripted((socket) =>
      trickle(socket, [
        'HTTP/1.1 201 Created\r\nX-Ca',
        'se: One\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 11\r\n\r\nhello',
        ' world',
      ]),
    );
    const response = await send(client);
    expect(response.status).toBe(201);
    expect(response.text).toBe('hello world');
    expect(response.headers).toEqual([
      ['X-Case', 'One'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Content-Length', '11'],
    ]);
  });

  it('decodes a chunked body with extensions and trailers, cut anywhere', async () => {
    const { client } = await scripted((socket) =>
      trickle(socket, [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r',
        '\nhello\r\n6;ext=1\r\n wor',
        'ld\r',
        '\n0\r\nTrailer-A: 1\r\n',
        '\r\n',
      ]),
    );
    expect((await send(client)).text).toBe('hello world');
    // The connection served again: the whole body was consumed.
    expect((await send(client)).text).toBe('hello world');
  });

  it('reads until the app closes when there is no length, and skips 1xx answers', async () => {
    const { client } = await scripted((socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n');
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ');
      setTimeout(() => socket.end('close'), 5);
    });
    const response = await send(client);
    expect(response.status).toBe(200);
    expect(response.text).toBe('until close');
    expect(response.headers).toEqual([['Content-Type', 'text/plain']]);
  });

  it('no body for HEAD, 204 and 304, whatever the fields say', async () => {
    const { client } = await scripted((socket, n) => {
      const status = ['200 OK', '204 No Content', '304 Not Modified'][n % 3];
      socket.write(`HTTP/1.1 ${status}\r\nContent-Length: 5\r\n\r\n`);
    });
    expect((await send(client, 'HEAD')).text).toBe('');
    expect((await send(client)).status).toBe(204);
    expect((await send(client)).status).toBe(304);
  });

  it('reuses a kept-alive connection, and opens one per concurrent request', async () => {
    const { client, connections } = await scripted((socket) =>
      setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), 20),
    );
    await Promise.all([send(client), send(client), send(client)]);
    expect(connections).toHaveLength(3);
    await send(client);
    await send(client);
    expect(connections).toHaveLength(3);
  });

  it('does not reuse a connection the app asked to close', async () => {
    const { client, connections } = await scripted((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok'),
    );
    await send(client);
    await send(client);
    expect(connections).toHaveLength(2);
  });

  it('sends an idempotent request again when the kept-alive connection was closed under it', async () => {
    const { client, connections } = await scripted((socket, n) => {
      if (n === 1) {
        // As if the app's idle timeout struck just as the request arrived.
        socket.destroy();
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    await send(client);
    expect((await send(client)).text).toBe('ok');
    expect(connections).toHaveLength(2);
  });

  it('a POST on a connection that breaks fails instead of being sent twice', async () => {
    const { client } = await scripted((socket, n) => {
      if (n === 1) socket.destroy();
      else socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    await send(client);
    await expect(send(client, 'POST', new Uint8Array([1, 2]))).rejects.toThrow(/socket hang up/);
  });

  it('an error for a malformed answer; a refused connection is an error too', async () => {
    const { client } = await scripted((socket) => socket.write('HTTP/1.1 200 OK\r\nbad\r\n\r\n'));
    await expect(send(client)).rejects.toThrow(/could not be read/);
    const refused = new LoopbackClient(1);
    clients.push(refused);
    await expect(send(refused)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('abort() closes only that request’s connection, and its callback is never called', async () => {
    let closed = 0;
    const client = await listen(
      createHttpServer((req, res) => {
        if (req.url === '/hang') {
          req.on('close', () => closed++);
          return;
        }
        res.end('fine');
      }),
    );
    let called = false;
    const exchange = client.send('GET', 'GET /hang HTTP/1.1\r\nhost: x\r\n\r\n', undefined, () => {
      called = true;
    });
    const other = send(client);
    await new Promise((resolve) => setTimeout(resolve, 50));
    exchange.abort();
    expect((await other).text).toBe('fine');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(1);
    expect(called).toBe(false);
  });

  it('abort() in the middle of a body closes that connection; the next request gets a new one', async () => {
    let calls = 0;
    const { client, connections } = await scripted((socket, n) => {
      if (n === 0) {
        // Half of the announced body, then nothing: the answer never completes.
        socket.write('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhello');
        return;
      }
      socket.write('HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nnext');
    });
    const exchange = client.send('GET', 'GET / HTTP/1.1\r\nhost: x\r\n\r\n', undefined, () => {
      calls++;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    exchange.abort();
    const closedByClient = await new Promise<boolean>((resolve) => {
      const first = connections[0];
      if (!first || first.destroyed) resolve(true);
      else first.once('close', () => resolve(true));
    });
    expect(closedByClient).toBe(true);
    expect((await send(client)).text).toBe('next');
    expect(connections).toHaveLength(2);
    expect(calls).toBe(0);
  });

  it('closes an idle connection before the app’s announced Keep-Alive timeout runs out', async () => {
    const { client, connections } = await scripted((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nkeep-alive: timeout=2\r\ncontent-length: 2\r\n\r\nok');
    });
    expect((await send(client)).text).toBe('ok');
    const first = connections[0];
    // The app would close after 2 s idle; the client gives up on the connection a second
    // earlier, so a new request never meets a connection the app is closing.
    const ended = await new Promise<boolean>((resolve) => {
      first?.once('end', () => resolve(true));
      setTimeout(() => resolve(false), 1_900);
    });
    expect(ended).toBe(true);
    expect((await send(client)).text).toBe('ok');
    expect(connections).toHaveLength(2);
  });

  it('sends a body with its head, and talks to node:http with keep-alive', async () => {
    const client = await listen(
      createHttpServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => res.end(`${req.method} ${Buffer.concat(chunks).toString()}`));
      }),
    );
    const body = new TextEncoder().encode('x'.repeat(100_000));
    const response = await send(client, 'POST', body);
    expect(response.text).toBe(`POST ${'x'.repeat(100_000)}`);
    expect(response.headers.find(([name]) => name === 'Keep-Alive')?.[1]).toMatch(/timeout=/);
    expect((await send(client)).text).toBe('GET ');
  });
});
