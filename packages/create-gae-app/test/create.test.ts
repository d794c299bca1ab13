import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/free-port.js';
import { packageNameFor, runCreate, ScaffoldError, scaffold, TEMPLATES } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const bin = join(packageDir, 'bin', 'create-gae-app.js');
let base: string;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'create-gae-app-'));
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], cwd: string, timeout = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [file, ...args],
      {
        cwd,
        timeout,
        // As if run by `npm create`: the next commands it prints follow the package manager.
        env: {
          ...process.env,
          NO_COLOR: '1',
          CI: '1',
          npm_config_user_agent: 'npm/10.9.0 node/v20.20.0 linux x64',
        },
      },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Links what the new app's package.json asks for from this package's own node_modules. */
function linkDependencies(dir: string): void {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  for (const name of [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]) {
    const target = join(dir, 'node_modules', name);
    mkdirSync(join(target, '..'), { recursive: true });
    symlinkSync(join(packageDir, 'node_modules', name), target, 'dir');
  }
}

describe('scaffold', () => {
  it('writes every file of each template', () => {
    for (const template of TEMPLATES) {
      const result = scaffold({ dir: join(base, `files-${template}`), template });
      expect(result.files).toEqual([
        'package.json',
        'app.config.ts',
        'src/app.js',
        'server.js',
        'test/app.test.js',
        'public/style.css',
        'public/favicon.svg',
        'README.md',
        '.gitignore',
        '.gcloudignore',
      ]);
      for (const file of result.files) expect(existsSync(join(result.dir, file))).toBe(true);
      const pkg = JSON.parse(readFileSync(join(result.dir, 'package.json'), 'utf8'));
      expect(pkg.name).toBe(`files-${template}`);
      expect(pkg.scripts).toMatchObject({ dev: 'gae dev', build: 'gae build', test: 'vitest run' });
      expect(Object.keys(pkg.devDependencies)).toEqual([
        '@gaekit/cli',
        '@gaekit/config',
        '@gaekit/pipeline',
        'vitest',
      ]);
    }
  });

  it('adds the framework as a dependency', () => {
    const hono = scaffold({ dir: join(base, 'dep-hono'), template: 'hono' });
    const express = scaffold({ dir: join(base, 'dep-express'), template: 'express' });
    const fetch = scaffold({ dir: join(base, 'dep-fetch'), template: 'fetch' });
    const deps = (dir: string) =>
      Object.keys(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies);
    expect(deps(hono.dir)).toEqual(['@hono/node-server', 'hono']);
    expect(deps(express.dir)).toEqual(['express']);
    expect(deps(fetch.dir)).toEqual([]);
  });

  it('refuses a folder with files in it and writes nothing', () => {
    const dir = join(base, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    expect(() => scaffold({ dir })).toThrow(ScaffoldError);
    expect(() => scaffold({ dir })).toThrow(/is not empty/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('accepts a folder that only holds .git', () => {
    const dir = join(base, 'git-only');
    mkdirSync(join(dir, '.git'), { recursive: true });
    expect(scaffold({ dir }).files).toContain('app.config.ts');
  });

  it('rejects an unknown template and a bad package name', () => {
    expect(() => scaffold({ dir: join(base, 'x1'), template: 'koa' as never })).toThrow(
      'unknown template "koa": use "fetch", "hono", "express"',
    );
    expect(() => scaffold({ dir: join(base, 'x2'), name: 'Bad Name' })).toThrow(
      /"Bad Name" is not a valid package name/,
    );
    expect(existsSync(join(base, 'x1'))).toBe(false);
    expect(existsSync(join(base, 'x2'))).toBe(false);
  });

  it('derives a valid package name from the folder', () => {
    expect(packageNameFor('/tmp/My Cool App')).toBe('my-cool-app');
    expect(packageNameFor('/tmp/.hidden')).toBe('hidden');
    expect(packageNameFor('/tmp/Über!')).toBe('ber');
    expect(packageNameFor('/tmp/___')).toBe('gae-app');
  });
});

describe('runCreate', () => {
  it('scaffolds from flags and prints the next commands for the package manager', async () => {
    const lines: string[] = [];
    const code = await runCreate(['flags-app', '--template', 'hono'], {
      out: (line) => lines.push(line),
      err: (line) => lines.push(line),
      interactive: false,
      cwd: base,
      userAgent: 'pnpm/10.34.9 npm/? node/v20.20.0 linux x64',
    });
    expect(code).toBe(0);
    const text = lines.join('\n');
    expect(text).toContain('created flags-app (hono) in flags-app');
    expect(text).toContain('cd flags-app');
    expect(text).toContain('pnpm install');
    expect(text).toContain('pnpm dev');
  });

  it('needs a folder name when it cannot ask', async () => {
    const errors: string[] = [];
    const code = await runCreate([], {
      out: () => undefined,
      err: (line) => errors.push(line),
      interactive: false,
      cwd: base,
      userAgent: undefined,
    });
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('name the folder');
  });

  it('exits 1 for an unknown template', async () => {
    const errors: string[] = [];
    const code = await runCreate(['t', '--template', 'koa'], {
      out: () => undefined,
      err: (line) => errors.push(line),
      interactive: false,
      cwd: base,
      userAgent: undefined,
    });
    expect(code).toBe(1);
    expect(errors.join('\n')).toContain('unknown template "koa"');
    expect(existsSync(join(base, 't'))).toBe(false);
  });
});

describe('the built binary', () => {
  it('scaffolds with --yes and refuses a non-empty folder with exit code 1', async () => {
    const first = await run(bin, ['bin-app', '--yes'], base);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('created bin-app (fetch)');
    expect(first.stdout).toContain('npm run dev');
    const second = await run(bin, ['bin-app', '--yes'], base);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('is not empty');
  });

  it('prints --help', async () => {
    const help = await run(bin, ['--help'], base);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--template <name>');
  });
});

// Each template as a user gets it: gae build, its own tests, and gae dev serving the pages.
describe.each(TEMPLATES)('the %s template, installed', (template) => {
  let dir: string;
  beforeAll(() => {
    dir = scaffold({ dir: join(base, `installed-${template}`), template }).dir;
    linkDependencies(dir);
  });

  it('builds app.yaml with gae build', async () => {
    const build = await run(join(dir, 'node_modules/@gaekit/cli/bin/gae.js'), ['build'], dir);
    expect(build.code, build.stderr).toBe(0);
    const yaml = readFileSync(join(dir, 'app.yaml'), 'utf8');
    expect(yaml).toContain('runtime: nodejs22');
    expect(yaml).toContain('static_dir: public');
  });

  it('passes its own tests', async () => {
    const tests = await run(join(dir, 'node_modules/vitest/vitest.mjs'), ['run'], dir, 120_000);
    expect(tests.code, tests.stdout + tests.stderr).toBe(0);
    expect(tests.stdout).toMatch(/Tests\s+4 passed/);
  });

  it('is served by gae dev', async () => {
    const port = await freePort();
    const child: ChildProcess = spawn(
      process.execPath,
      [
        join(dir, 'node_modules/@gaekit/cli/bin/gae.js'),
        'dev',
        '--port',
        String(port),
        '--no-watch',
      ],
      { cwd: dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    try {
      for (let i = 0; i < 300 && !output.includes('Local:'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(output).toContain('Local:');
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Hello from App Engine');
      const style = await fetch(`http://127.0.0.1:${port}/static/style.css`);
      expect(style.headers.get('cache-control')).toBe('public, max-age=3600');
      const css = await fetch(`http://127.0.0.1:${port}/favicon.svg`);
      expect(css.status).toBe(200);
      expect(css.headers.get('cache-control')).toBe('public, max-age=604800');
      expect(await css.text()).toContain('<svg');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
