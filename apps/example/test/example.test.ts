import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

interface Hello {
  message: string;
  served: number;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('example app', () => {
  it('has an app.yaml that matches app.config.ts', async () => {
    const { stderr } = await run(`${root}node_modules/.bin/gae`, ['build', '--check'], {
      cwd: root,
    });
    expect(stderr).toContain('app.yaml is up to date');
  });

  describe('dev server', () => {
    let child: ChildProcess;
    let base: string;
    let output = '';

    beforeAll(async () => {
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      child = spawn(process.execPath, ['scripts/dev.js'], {
        cwd: root,
        env: { ...process.env, PORT: String(port) },
      });
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      // Wait for the app to listen (bounded: the test timeout ends a hang).
      while (!output.includes('listening on')) {
        if (child.exitCode !== null) throw new Error(`dev server exited: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    });

    afterAll(async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    });

    it('prints the handler table from the config', () => {
      expect(output).toContain('service default (nodejs22), 3 handlers');
      expect(output).toMatch(/\/static\s+-> static dir public/);
    });

    it('serves the API, keeping module state between requests', async () => {
      const first = (await (await fetch(`${base}/api/hello?name=test`)).json()) as Hello;
      const second = (await (await fetch(`${base}/api/hello`)).json()) as Hello;
      expect(first.message).toBe('Hello from App Engine, test!');
      expect(second.served).toBe(first.served + 1);
    });

    it('gives the app the App Engine environment and the development env_variables', async () => {
      const env = await (await fetch(`${base}/env`)).json();
      expect(env).toMatchObject({
        GAE_SERVICE: 'default',
        GAE_RUNTIME: 'nodejs22',
        LOG_LEVEL: 'debug',
      });
    });
  });
});
