import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';
import { ensureBuilt, packageDir } from './built.js';

let base: string;

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(base, 'app-'));
  mkdirSync(join(dir, 'node_modules', '@gaekit'), { recursive: true });
  symlinkSync(packageDir, join(dir, 'node_modules', '@gaekit', 'config'), 'dir');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

async function loadError(path: string): Promise<ConfigError> {
  try {
    await loadConfig(path);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to fail');
}

beforeAll(() => {
  ensureBuilt();
  base = mkdtempSync(join(tmpdir(), 'gaekit-load-'));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('bundles app.config.ts with its local imports and lists them as dependencies', async () => {
    const dir = project({
      'app.config.ts': `import { defineApp } from '@gaekit/config';
import { staticHandlers } from './config/static.js';
export default defineApp({ runtime: 'nodejs22', handlers: [...staticHandlers, { url: '/.*', script: 'auto' }] });
export const cron = { cron: [] };`,
      'config/static.ts': `export const staticHandlers = [{ url: '/assets', staticDir: 'public', expiration: '1d' }] as const;`,
    });
    const loaded = await loadConfig(dir);
    expect(loaded.app.handlers?.[0]).toEqual({
      url: '/assets',
      staticDir: 'public',
      expiration: '1d',
    });
    expect(loaded.file).toBe(join(dir, 'app.config.ts'));
    expect(loaded.root).toBe(dir);
    expect(loaded.dependencies.sort()).toEqual([
      join(dir, 'app.config.ts'),
      join(dir, 'config/static.ts'),
    ]);
    expect(loaded.exports).toEqual({ cron: { cron: [] } });
    // The temporary bundle is removed again.
    expect(readdirSync(dir).filter((f) => f.includes('timestamp'))).toEqual([]);
  });

  it('calls a function config with the mode', async () => {
    const dir = project({
      'app.config.mjs': `export default ({ mode }) => ({ runtime: 'nodejs22', envVariables: { MODE: mode } });`,
    });
    expect((await loadConfig(dir)).app.envVariables).toEqual({ MODE: 'development' });
    expect((await loadConfig(dir, { mode: 'production' })).app.envVariables).toEqual({
      MODE: 'production',
    });
  });

  it('reports validation errors with the file and the camelCase path', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22', handlers: [{ url: '/a', staticDirr: 'x' }] };`,
    });
    const error = await loadError(dir);
    const unknown = error.diagnostics.find((d) => d.code === 'config/unknown-field');
    expect(unknown?.pathText).toBe('handlers[0].staticDirr');
    expect(unknown?.hint).toBe('did you mean "staticDir"?');
    expect(unknown?.file).toBe(join(dir, 'app.config.ts'));
  });

  it('reports a syntax error with line and column', async () => {
    const dir = project({ 'app.config.ts': `export default {\n  runtime: 'nodejs22',,\n};\n` });
    const error = await loadError(dir);
    expect(error.diagnostics[0]).toMatchObject({
      code: 'config/load-failed',
      line: 2,
      file: join(dir, 'app.config.ts'),
    });
  });

  it('reports a config that throws while loading', async () => {
    const dir = project({
      'app.config.ts': `throw new Error('no PROJECT set');\nexport default {};`,
    });
    const error = await loadError(dir);
    expect(error.diagnostics[0]?.message).toContain('no PROJECT set');
  });

  it('requires a default export', async () => {
    const dir = project({ 'app.config.ts': `export const app = { runtime: 'nodejs22' };` });
    expect((await loadError(dir)).diagnostics[0]?.code).toBe('config/no-default-export');
  });

  it('loads a plain app.yaml with line numbers in errors', async () => {
    const dir = project({
      'app.yaml': 'runtime: nodejs22\nhandlers:\n- url: /x\n  script: main.app\n',
    });
    const error = await loadError(dir);
    expect(error.diagnostics[0]).toMatchObject({
      code: 'config/script-not-auto',
      line: 4,
      column: 11,
      pathText: 'handlers[0].script',
    });
    writeFileSync(join(dir, 'app.yaml'), 'runtime: nodejs22\n');
    const loaded = await loadConfig(join(dir, 'app.yaml'));
    expect(loaded.app).toEqual({ runtime: 'nodejs22' });
    expect(loaded.dependencies).toEqual([join(dir, 'app.yaml')]);
  });

  it('checks error_handlers files: each must exist and be under 10 KB (spec §1.12)', async () => {
    const yaml =
      'runtime: nodejs22\nerror_handlers:\n- file: errors/big.html\n- error_code: timeout\n  file: errors/missing.html\n- error_code: over_quota\n  file: errors/ok.html\n';
    const dir = project({
      'app.yaml': yaml,
      'errors/big.html': 'x'.repeat(10 * 1024),
      'errors/ok.html': 'x'.repeat(10 * 1024 - 1),
    });
    const error = await loadError(dir);
    expect(error.diagnostics.map((d) => [d.code, d.pathText, d.line, d.column, d.message])).toEqual(
      [
        [
          'config/error-file-too-large',
          'error_handlers[0].file',
          3,
          9,
          '"errors/big.html" is 10,240 bytes',
        ],
        [
          'config/error-file-missing',
          'error_handlers[1].file',
          5,
          9,
          '"errors/missing.html" is not a file in the app\'s folder',
        ],
      ],
    );
    // The same from app.config.ts, with the camelCase path.
    const ts = project({
      'app.config.ts': `import { defineApp } from '@gaekit/config';\nexport default defineApp({ runtime: 'nodejs22', errorHandlers: [{ file: 'errors/ok.html' }, { errorCode: 'timeout', file: 'nope.html' }] });\n`,
      'errors/ok.html': 'fine',
    });
    expect((await loadError(ts)).diagnostics.map((d) => d.pathText)).toEqual([
      'errorHandlers[1].file',
    ]);
    // Only the app's folder is deployed: a file outside it is refused even when it exists.
    const outside = project({
      'app.yaml': 'runtime: nodejs22\nerror_handlers:\n- file: ../outside.html\n',
    });
    writeFileSync(join(outside, '..', 'outside.html'), 'sorry');
    expect((await loadError(outside)).diagnostics[0]?.message).toBe(
      '"../outside.html" is outside the app\'s folder, which is all that is deployed',
    );
  });

  it('says which files it looked for when there is none', async () => {
    const dir = project({});
    const error = await loadError(dir);
    expect(error.diagnostics[0]?.code).toBe('config/not-found');
    expect(error.diagnostics[0]?.allowed).toContain('app.config.ts');
  });
});

describe('loadConfig: dispatch, cron and queues', () => {
  const TS_CONFIG = `import { defineApp, defineCron, defineDispatch, defineQueues } from '@gaekit/config';
export default defineApp({ runtime: 'nodejs22' });
export const dispatch = defineDispatch([{ url: '*/api/*', service: 'api' }]);
export const cron = defineCron(({ mode }) => [
  { url: '/tasks/summary', schedule: mode === 'production' ? 'every 24 hours' : 'every 5 minutes' },
]);
export const queues = defineQueues([{ name: 'mail', rate: '5/s' }]);
`;

  it('reads the named exports of app.config.ts, calling functions with the mode', async () => {
    const dir = project({ 'app.config.ts': TS_CONFIG });
    const loaded = await loadConfig(dir, { mode: 'production' });
    const file = join(dir, 'app.config.ts');
    expect(loaded.dispatch).toEqual([{ url: '*/api/*', service: 'api' }]);
    expect(loaded.cron).toEqual([{ url: '/tasks/summary', schedule: 'every 24 hours' }]);
    expect(loaded.queues).toEqual({ queue: [{ name: 'mail', rate: '5/s' }] });
    expect(loaded.sources).toEqual({ dispatch: file, cron: file, queues: file });
    expect((await loadConfig(dir)).cron?.[0]?.schedule).toBe('every 5 minutes');
  });

  it('prefers an export to the YAML file next to the config', async () => {
    const dir = project({
      'app.config.ts': TS_CONFIG,
      'cron.yaml': 'cron:\n- url: /old\n  schedule: every 1 hours\n',
    });
    const loaded = await loadConfig(dir);
    expect(loaded.cron?.[0]?.url).toBe('/tasks/summary');
    expect(loaded.dependencies).not.toContain(join(dir, 'cron.yaml'));
  });

  it('reads dispatch.yaml, cron.yaml and queue.yaml next to app.yaml and watches them', async () => {
    const dir = project({
      'app.yaml': 'runtime: nodejs22\n',
      'dispatch.yaml': 'dispatch:\n- url: "*/api/*"\n  service: api\n',
      'cron.yaml': 'cron:\n- url: /a\n  schedule: every monday 09:00\n  timezone: Europe/Berlin\n',
      'queue.yaml': 'queue:\n- name: work\n  mode: pull\n',
    });
    const loaded = await loadConfig(dir);
    expect(loaded.dispatch).toEqual([{ url: '*/api/*', service: 'api' }]);
    expect(loaded.cron?.[0]?.timezone).toBe('Europe/Berlin');
    expect(loaded.queues?.queue).toEqual([{ name: 'work', mode: 'pull' }]);
    expect(loaded.sources.queues).toBe(join(dir, 'queue.yaml'));
    expect(loaded.dependencies.sort()).toEqual(
      ['app.yaml', 'cron.yaml', 'dispatch.yaml', 'queue.yaml'].map((f) => join(dir, f)),
    );
    const alone = await loadConfig(dir, { siblingFiles: false });
    expect(alone.cron).toBeUndefined();
    expect(alone.sources).toEqual({});
  });

  it('reports problems of every file at once, each with its file, line and column', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22', instanceClass: 'B9' };
export const dispatch = [{ url: '/api/*', service: 'api' }];`,
      'queue.yaml': 'queue:\n- name: mail\n  rate: 600/s\n',
    });
    const error = await loadError(dir);
    const where = error.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.file?.slice(dir.length + 1)}:${d.line ?? '-'} ${d.pathText} ${d.code}`);
    expect(where.sort()).toEqual([
      'app.config.ts:- dispatch[0].url config/invalid-dispatch-url',
      'app.config.ts:- instanceClass config/invalid-value',
      'queue.yaml:3 queue[0].rate config/out-of-range',
    ]);
  });

  it('warns about an export that looks like a misspelt one', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22' };
export const queue = [{ name: 'mail', rate: '5/s' }];
export const helpers = 1;`,
    });
    const loaded = await loadConfig(dir);
    expect(loaded.queues).toBeUndefined();
    expect(loaded.warnings).toEqual([
      expect.objectContaining({
        code: 'config/unknown-export',
        pathText: 'queue',
        hint: 'did you mean "queues"?',
      }),
    ]);
  });

  it('reports a definition function that throws', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22' };
export const cron = () => { throw new Error('no jobs today'); };`,
    });
    const error = await loadError(dir);
    expect(error.diagnostics[0]).toMatchObject({
      code: 'config/load-failed',
      pathText: 'cron',
      message: 'the cron function threw: no jobs today',
    });
  });
});
