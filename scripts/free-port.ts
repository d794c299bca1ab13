import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that nothing listens on right now (for tests and benchmarks that
 * start a server in a child process and must tell it a port).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port was assigned'))));
    });
  });
}
