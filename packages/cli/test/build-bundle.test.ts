import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, gae, project as makeProject, tempBase } from './helpers.js';

const temp = tempBase('gae-build-bundle-');
afterAll(() => temp.remove());
const project = (files: Record<string, string>) => makeProject(temp.path, files);

const CONFIG = `import { defineApp } from '@gaekit/config';
export default defineApp({
  runtime: 'nodejs22',
  handlers: [
    { url: '/static', staticDir: 'public' },
    // upload in Python syntax (a named group), as App Engine reads it.
    { url: '/robots\\\\.txt', staticFiles: 'assets/robots.txt', upload: 'assets/(?P<name>robots)\\\\.txt' },
    { url: '/.*', script: 'auto' },
  ],
  errorHandlers: [{ file: 'errors/default.html' }],
});
`;

// A CommonJS dependency that requires a node built-in: the ES module bundle must still run.
const DEPENDENCY = {
  'node_modules/greeting/package.json':
    '{ "name": "greeting", "version": "1.2.3", "main": "index.js" }',
  'node_modules/greeting/index.js':
    "const { basename } = require('node:path');\nexports.greet = (name) => 'hello ' + basename('/x/' + name);\n",
};

const SERVER = `import { createServer } from 'node:http';
import greeting from 'greeting';
createServer((req, res) => res.end(greeting.greet('bundle'))).listen(Number(process.env.PORT));
`;

describe('gae build bundles the app', () => {
  it('writes a folder gcloud deploys as it is: the bundle, package.json, static files, error pages, app.yaml', async () => {
    const dir = project({
      'app.config.ts': CONFIG,
      'package.json': JSON.stringify({
        name: 'bundled-app',
        type: 'module',
        scripts: { start: 'node server.js' },
      }),
      'server.js': SERVER,
      'public/style.css': 'body{}',
      'assets/robots.txt': 'User-agent: *',
      'assets/private.txt': 'not served, not uploaded',
      'errors/default.html': '<p>sorry</p>',
      ...DEPENDENCY,
    });
    const run = await gae(['build'], dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/✓ bundle server\.js → \.gae\/deploy\/server\.mjs/);
    expect(run.stderr).toContain("within App Engine's limits");
    const out = join(dir, '.gae', 'deploy');
    for (const file of [
      'server.mjs',
      'package.json',
      'app.yaml',
      'public/style.css',
      'assets/robots.txt',
      'errors/default.html',
    ]) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
    expect(existsSync(join(out, 'assets/private.txt'))).toBe(false);
    expect(existsSync(join(out, 'node_modules'))).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'))).toMatchObject({
      name: 'bundled-app',
      scripts: { start: 'node server.mjs' },
      dependencies: {},
    });
    expect(readFileSync(join(out, 'app.yaml'), 'utf8')).toContain('static_dir: public');

    // The bundle runs alone, without node_modules, as App Engine would start it.
    const port = await freePort();
    const child = spawn(process.execPath, ['server.mjs'], {
      cwd: out,
      env: { ...process.env, PORT: String(port) },
    });
    try {
      let text = '';
      for (let i = 0; i < 100 && !text; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        text = await fetch(`http://127.0.0.1:${port}/`).then(
          (r) => r.text(),
          () => '',
        );
      }
      expect(text).toBe('hello bundle');
    } finally {
      child.kill();
    }
  });

  it('keeps --external packages as dependencies of the output package.json', async () => {
    const dir = project({
      'app.config.ts': CONFIG,
      'package.json': JSON.stringify({ type: 'module', dependencies: { greeting: '^1.2.3' } }),
      'server.js': SERVER,
      'errors/default.html': 'x',
      ...DEPENDENCY,
    });
    const run = await gae(['build', '--external', 'greeting', '--out', 'build/app'], dir);
    expect(run.code, run.stderr).toBe(0);
    const out = join(dir, 'build', 'app');
    expect(JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')).dependencies).toEqual({
      greeting: '^1.2.3',
    });
    expect(readFileSync(join(out, 'server.mjs'), 'utf8')).toContain('from "greeting"');
  });

  it('fails with every deploy limit passed, naming the file and the numbers', async () => {
    const dir = project({
      'app.config.ts': CONFIG,
      'server.js': 'console.log(1)',
      'errors/default.html': 'x',
    });
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, 'public', 'huge.bin'), Buffer.alloc(32 * 1024 * 1024 + 1));
    const run = await gae(['build'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('deploy limits: App Engine would refuse this upload');
    expect(run.stderr).toContain('public/huge.bin');
  });

  it('writes only the YAML files, and says why, when there is no entry point', async () => {
    const dir = project({ 'app.config.ts': CONFIG, 'errors/default.html': 'x' });
    const run = await gae(['build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('bundle skipped: no entry point');
    expect(existsSync(join(dir, 'app.yaml'))).toBe(true);
    expect(existsSync(join(dir, '.gae'))).toBe(false);
  });

  it('reports esbuild errors with file:line:column', async () => {
    const dir = project({
      'app.config.ts': CONFIG,
      'server.js': 'import x from "./missing.js";\n',
      'errors/default.html': 'x',
    });
    const run = await gae(['build'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/server\.js:1:\d+: Could not resolve "\.\/missing\.js"/);
  });

  it('--no-bundle and --check write no bundle', async () => {
    const dir = project({
      'app.config.ts': CONFIG,
      'server.js': 'console.log(1)',
      'errors/default.html': 'x',
    });
    expect((await gae(['build', '--no-bundle'], dir)).code).toBe(0);
    expect(existsSync(join(dir, '.gae'))).toBe(false);
    expect((await gae(['build', '--check'], dir)).code).toBe(0);
    expect(existsSync(join(dir, '.gae'))).toBe(false);
  });
});
