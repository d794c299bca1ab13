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

  it('writes the requests made in one turn at the end of that turn, each on its own connection', async () => {
    const { client, connections } = await scripted((socket, _n, head) => {
      const path = head.split(' ')[1] as string;
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
    });
    const answers: Array<Promise<string>> = [];
    for (let i = 0; i < 5; i++) {
      answers.push(
        new Promise((resolve, reject) => {
          client.send(
            'GET',
            `GET /${i} HTTP/1.1\r\nhost: x\r\n\r\n`,
            undefined,
            (error, response) => {
              if (error || !response) reject(error);
              else resolve(Buffer.from(response.body).toString());
            },
          );
        }),
      );
    }
    // Nothing is written during the turn; by the next check-phase callback all five are.
    expect(client.queued).toBe(5);
    const queuedLater = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(client.queued)),
    );
    expect(queuedLater).toBe(0);
    expect(await Promise.all(answers)).toEqual(['/0', '/1', '/2', '/3', '/4']);
    expect(connections).toHaveLength(5);
  });

  it('a request made in the callback of the one before reuses its connection, in order', async () => {
    const seen: string[] = [];
    const { client, connections } = await scripted((socket, _n, head) => {
      const path = head.split(' ')[1] as string;
      seen.push(path);
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n${path}`);
    });
    const answers = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const next = (i: number) => {
        client.send(
          'GET',
          `GET /${i} HTTP/1.1\r\nhost: x\r\n\r\n`,
          undefined,
          (error, response) => {
            if (error || !response) {
              reject(error);
              return;
            }
            got.push(Buffer.from(response.body).toString());
            if (i < 4) next(i + 1);
            else resolve(got);
          },
        );
      };
      next(0);
    });
    expect(answers).toEqual(['/0', '/1', '/2', '/3', '/4']);
    expect(seen).toEqual(['/0', '/1', '/2', '/3', '/4']);
    expect(connections).toHaveLength(1);
  });

  it('a request aborted in the turn it was made is never written; the others of the turn are', async () => {
    const seen: string[] = [];
    const { client } = await scripted((socket, _n, head) => {
      seen.push(head.split(' ')[1] as string);
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    // Three kept-alive connections first, so the requests below would go out at once.
    await Promise.all([send(client), send(client), send(client)]);
    seen.length = 0;
    let called = false;
    const first = send(client);
    const exchange = client.send(
      'GET',
      'GET /aborted HTTP/1.1\r\nhost: x\r\n\r\n',
      undefined,
      () => {
        called = true;
      },
    );
    const last = send(client);
    exchange.abort();
    expect((await first).text).toBe('ok');
    expect((await last).text).toBe('ok');
    // One more exchange, so anything written for the aborted request has arrived by now.
    expect((await send(client)).text).toBe('ok');
    expect(seen).toEqual(['/', '/', '/']);
    expect(called).toBe(false);
  });

  it('a request made in a check-phase callback is written in the next check phase', async () => {
    const { client } = await scripted((socket) =>
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    );
    // Made while the client's own write-out may be running (the same phase): not lost.
    const answers = await new Promise<Array<Promise<ClientResponse & { text: string }>>>(
      (resolve) => {
        const made = [send(client)];
        setImmediate(() => {
          made.push(send(client));
          setImmediate(() => {
            made.push(send(client));
            resolve(made);
          });
        });
      },
    );
    expect((await Promise.all(answers)).map((r) => r.text)).toEqual(['ok', 'ok', 'ok']);
  });

  it('closes a connection idle for the client’s own limit, never one that is serving', async () => {
    let n = 0;
    const connections: Socket[] = [];
    const server = createServer((socket) => {
      connections.push(socket);
      socket.setEncoding('latin1');
      socket.on('data', () => {
        // The second request is answered after more than the idle limit.
        const delay = n++ === 1 ? 300 : 0;
        setTimeout(() => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), delay);
      });
      socket.on('error', () => {});
    });
    servers.push(server);
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    const client = new LoopbackClient(port, '127.0.0.1', 150);
    clients.push(client);
    expect((await send(client)).text).toBe('ok');
    // Reused at once: the idle timer armed after the first answer fires while it serves.
    expect((await send(client)).text).toBe('ok');
    expect(connections).toHaveLength(1);
    const ended = await new Promise<boolean>((resolve) => {
      connections[0]?.once('end', () => resolve(true));
      setTimeout(() => resolve(false), 5_000);
    });
    expect(ended).toBe(true);
    expect((await send(client)).text).toBe('ok');
    expect(connections).toHaveLength(2);
  });

  it('reads status lines and fields strictly: no reason phrase, folded lines, bad heads', async () => {
    const answers = [
      'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nX-Folded: a\r\n  b\r\nContent-Length:  2 \r\n\r\nok',
      'HTTP/1.1 20 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200OK\r\nContent-Length: 2\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nContent-Length: 2a\r\n\r\nok',
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
      'HTTP/1.1 200 OK\r\n: no name\r\nContent-Length: 2\r\n\r\nok',
    ];
    const { client } = await scripted((socket, n) => socket.write(answers[n] as string));
    const first = await send(client);
    expect(first.status).toBe(200);
    const folded = await send(client);
    expect(folded.headers).toEqual([
      ['X-Folded', 'a b'],
      ['Content-Length', '2'],
    ]);
    expect(folded.text).toBe('ok');
    for (const error of [
      /bad status line/,
      /bad status line/,
      /bad status line/,
      /bad content-length/,
      /conflicting content-length/,
      /bad field/,
    ]) {
      await expect(send(client)).rejects.toThrow(error);
    }
  });

  it('keeps an HTTP/1.0 connection only when the app asks to, in any case', async () => {
    const { client, connections } = await scripted((socket, n) =>
      socket.write(
        n < 2
          ? 'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok'
          : 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ),
    );
    for (let i = 0; i < 4; i++) expect((await send(client)).text).toBe('ok');
    // The first two kept their connection; the third closed it, the fourth needed another.
    expect(connections).toHaveLength(2);
  });

  it('reads chunk-size lines strictly: hex in either case, spaces and extensions, bad sizes refused', async () => {
    const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    const answers = [
      `${head}A\r\n0123456789\r\n1 \t;name="x y"\r\n!\r\n0\r\n\r\n`,
      `${head}b\n0123456789a\r\n0\n\n`,
      `${head} 5\r\nhello\r\n0\r\n\r\n`,
      `${head}\r\nhello\r\n0\r\n\r\n`,
      `${head}5x\r\nhello\r\n0\r\n\r\n`,
      `${head}5;a\rb\r\nhello\r\n0\r\n\r\n`,
    ];
    const { client } = await scripted((socket, n) => socket.write(answers[n] as string));
    expect((await send(client)).text).toBe('0123456789!');
    // A bare LF ends a size line or the trailers (after the data, CRLF is required).
    expect((await send(client)).text).toBe('0123456789a');
    for (let i = 0; i < 4; i++) await expect(send(client)).rejects.toThrow(/bad chunk size/);
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
