import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, freePort, gae, project as makeProject, tempBase } from './helpers.js';

const temp = tempBase('gae-dev-deploy-');
afterAll(() => temp.remove());
const project = (files: Record<string, string>) => makeProject(temp.path, files);

const CONFIG = (handlers: string) => `import { defineApp } from '@gaekit/config';
export default defineApp({
  runtime: 'nodejs22',
  handlers: [${handlers}],
});
`;
const APP = (word: string) =>
  `export default { fetch: (request) => new Response('${word} ' + new URL(request.url).pathname, { headers: { 'content-type': 'text/plain' } }) };\n`;

/** A running `gae dev`: its output so far, and a way to wait for a line. */
class DevServer {
  output = '';
  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk) => {
      this.output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      this.output += chunk;
    });
  }
  async waitFor(pattern: RegExp, from = 0, ms = 20_000): Promise<RegExpExecArray> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const match = pattern.exec(this.output.slice(from));
      if (match) return match;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no ${pattern} in:\n${this.output}`);
  }
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    return exited;
  }
}

function dev(dir: string, args: string[]): DevServer {
  return new DevServer(
    spawn(process.execPath, [bin, 'dev', ...args], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

describe('gae dev', () => {
  it('prints the handler table and the URL, serves, logs one line per request, stops on SIGTERM', async () => {
    const dir = project({
      'app.config.ts': CONFIG(
        `{ url: '/static', staticDir: 'public' }, { url: '/.*', script: 'auto' }`,
      ),
      'app.mjs': APP('hello'),
      'public/a.txt': 'static text',
    });
    const port = await freePort();
    const server = dev(dir, [
      '--port',
      String(port),
      '--instances',
      'worker',
      '--module',
      'app.mjs',
      '--no-watch',
    ]);
    try {
      const [, url] = await server.waitFor(/Local:\s+(http:\/\/\S+)\//);
      expect(url).toBe(`http://127.0.0.1:${port}`);
      expect(server.output).toMatch(/\/static\s+→\s+static dir\s+public/);
      expect(server.output).toMatch(/\/\.\*\s+→\s+app/);
      const page = await fetch(`${url}/hi`);
      expect(await page.text()).toBe('hello /hi');
      const file = await fetch(`${url}/static/a.txt`);
      expect(file.headers.get('cache-control')).toBe('public, max-age=600');
      await server.waitFor(/GET \/hi 200/);
      await server.waitFor(/GET \/static\/a\.txt 200/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('reloads on change, and keeps serving the last good config when the config breaks', async () => {
    const dir = project({
      'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto' }`),
      'app.mjs': APP('one'),
    });
    const port = await freePort();
    const server = dev(dir, [
      '--port',
      String(port),
      '--instances',
      'worker',
      '--module',
      'app.mjs',
    ]);
    try {
      await server.waitFor(/Local:/);
      // chokidar needs a moment to start watching before the first change counts.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await (await fetch(`http://127.0.0.1:${port}/x`)).text()).toBe('one /x');

      let mark = server.output.length;
      writeFileSync(join(dir, 'app.mjs'), APP('two'));
      await server.waitFor(/reloaded/, mark);
      expect(await (await fetch(`http://127.0.0.1:${port}/x`)).text()).toBe('two /x');

      mark = server.output.length;
      writeFileSync(
        join(dir, 'app.config.ts'),
        CONFIG(`{ url: '/.*', script: 'auto', secure: 'sometimes' }`),
      );
      await server.waitFor(/still serving the last good config/, mark);
      expect(server.output.slice(mark)).toContain('handlers[0].secure');
      expect(await (await fetch(`http://127.0.0.1:${port}/y`)).text()).toBe('two /y');
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('exits 1 with the field path for an invalid config', async () => {
    const dir = project({
      'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto', login: 'everyone' }`),
    });
    const run = await gae(['dev', '--port', '0', '--no-watch'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('handlers[0].login');
  });

  it('exits 1 and says so when the port is taken', async () => {
    const dir = project({
      'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto' }`),
      'app.mjs': APP('x'),
    });
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const run = await gae(
        [
          'dev',
          '--port',
          String(port),
          '--no-watch',
          '--instances',
          'worker',
          '--module',
          'app.mjs',
        ],
        dir,
      );
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('the port is in use');
    } finally {
      blocker.close();
    }
  });
});

describe('gae deploy', () => {
  it('--dry-run builds, then prints the gcloud command with every descriptor present', async () => {
    const dir = project({
      'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto' }`),
      'cron.yaml': 'cron:\n- url: /tasks/daily\n  schedule: every 24 hours\n',
    });
    const run = await gae(
      ['deploy', '--dry-run', '--project', 'my-proj', '--app-version', 'v3', '--no-promote'],
      dir,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(
      'gcloud app deploy app.yaml cron.yaml --project my-proj --version v3 --no-promote',
    );
    expect(run.stderr).toContain('app.yaml');
  });

  it('deploys a Node.js app from its bundle folder', async () => {
    const dir = project({
      'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto' }`),
      'server.js': 'console.log("serving")\n',
    });
    const run = await gae(['deploy', '--dry-run'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('would run in .gae/deploy');
    expect(run.stdout.trim()).toBe('gcloud app deploy app.yaml');
  });

  it('exits 1 with an install hint when gcloud is not on PATH', async () => {
    const dir = project({ 'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto' }`) });
    const run = await gae(['deploy'], dir, { PATH: join(temp.path, 'empty-path') });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('gcloud is not installed');
  });

  it('does not deploy an invalid config', async () => {
    const dir = project({ 'app.config.ts': CONFIG(`{ url: '/.*', script: 'auto', secure: 'x' }`) });
    const run = await gae(['deploy', '--dry-run'], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
  });
});
