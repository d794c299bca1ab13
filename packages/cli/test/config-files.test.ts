import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cronFromYaml,
  dispatchFromYaml,
  loadConfig,
  queueFromYaml,
} from '../../config/src/index.js';

/** `gae validate`, `gae build` and `gae import` with dispatch.yaml, cron.yaml and queue.yaml. */

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const configDir = fileURLToPath(new URL('../../config/', import.meta.url));
const bin = join(packageDir, 'dist', 'cli.js');
let base: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function gae(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(base, 'app-'));
  mkdirSync(join(dir, 'node_modules', '@gaekit'), { recursive: true });
  symlinkSync(configDir, join(dir, 'node_modules', '@gaekit', 'config'), 'dir');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const CONFIG = `import { defineApp, defineCron, defineDispatch, defineQueues } from '@gaekit/config';
export default defineApp({ runtime: 'nodejs22' });
export const dispatch = defineDispatch([{ url: '*/api/*', service: 'api' }]);
export const cron = defineCron(({ mode }) => [
  { description: 'summary', url: '/tasks/summary', schedule: mode === 'production' ? 'every 24 hours' : 'every 1 hours' },
]);
export const queues = defineQueues({ totalStorageLimit: '1G', queue: [{ name: 'mail', rate: '5/s' }] });
`;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'gaekit-cli-files-'));
  for (const dir of [configDir, packageDir]) {
    if (!existsSync(join(dir, 'dist', 'index.js')))
      execFileSync('pnpm', ['exec', 'tsup'], { cwd: dir, stdio: 'ignore' });
  }
}, 120_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('gae validate with dispatch.yaml, cron.yaml and queue.yaml', () => {
  it('knows each file by its name and prints its problems with file:line:column', async () => {
    const dir = project({
      'dispatch.yaml': 'dispatch:\n- url: /api/*\n  service: api\n',
      'cron.yaml': 'cron:\n- url: /a\n  schedule: every 6 hours mon,wed\n',
      'queue.yaml': 'queue:\n- name: mail\n  rate: 600/s\n',
    });
    const run = await gae(['validate', 'dispatch.yaml', 'cron.yaml', 'queue.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'dispatch.yaml:2:8: error dispatch[0].url: "/api/*" is not a valid dispatch url: it must be HOST/PATH [config/invalid-dispatch-url]',
    );
    expect(run.stderr).toContain('hint: Start with the host: "*/api/*" matches every host.');
    expect(run.stderr).toContain(
      'cron.yaml:3:13: error cron[0].schedule: "every 6 hours mon,wed" is not a valid schedule',
    );
    expect(run.stderr).toContain(
      'queue.yaml:3:9: error queue[0].rate: "600/s" is more than 500 tasks per second [config/out-of-range]',
    );
    expect(run.stderr).toContain('✗ queue.yaml: 1 error');
  });

  it('reports the kind of each file with --json', async () => {
    const dir = project({
      'app.yaml': 'runtime: nodejs22\n',
      'cron.yaml': 'cron:\n- url: /a\n  schedule: every day 09:00\n',
    });
    const run = await gae(['validate', '--json'], dir);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      valid: boolean;
      files: { file: string; kind: string }[];
    };
    expect(result.valid).toBe(true);
    expect(result.files.map((f) => [f.file.slice(dir.length + 1), f.kind])).toEqual([
      ['app.yaml', 'app'],
      ['cron.yaml', 'cron'],
    ]);
  });

  it('validates a folder: the config with its exports, and the YAML files next to it', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22' };
export const cron = [{ url: '/a', schedule: 'every 1 hour' }];`,
      'queue.yaml': 'queue:\n- name: work\n  mode: pull\n  rate: 1/s\n',
    });
    const run = await gae(['validate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'app.config.ts: error cron[0].schedule: "every 1 hour" is not a valid schedule',
    );
    expect(run.stderr).toContain('hint: Write "hours" (plural), even for 1.');
    expect(run.stderr).toContain(
      'queue.yaml:4:3: error queue[0].rate: rate cannot be set on a pull queue [config/not-for-pull-queue]',
    );
  });
});

describe('gae build with dispatch, cron and queues exports', () => {
  it('writes dispatch.yaml, cron.yaml and queue.yaml, and --check compares them', async () => {
    const dir = project({ 'app.config.ts': CONFIG });
    const build = await gae(['build'], dir);
    expect(build.code).toBe(0);
    for (const name of ['app.yaml', 'dispatch.yaml', 'cron.yaml', 'queue.yaml'])
      expect(build.stderr).toContain(`✓ ${name}`);
    expect(dispatchFromYaml(readFileSync(join(dir, 'dispatch.yaml'), 'utf8'))).toEqual([
      { url: '*/api/*', service: 'api' },
    ]);
    const cron = readFileSync(join(dir, 'cron.yaml'), 'utf8');
    expect(cron).toMatch(/^# Generated by `gae build`/);
    expect(cronFromYaml(cron)[0]?.schedule).toBe('every 24 hours');
    expect(queueFromYaml(readFileSync(join(dir, 'queue.yaml'), 'utf8'))).toEqual({
      totalStorageLimit: '1G',
      queue: [{ name: 'mail', rate: '5/s' }],
    });
    expect((await gae(['build', '--check'], dir)).code).toBe(0);

    writeFileSync(join(dir, 'cron.yaml'), cron.replace('every 24 hours', 'every 12 hours'));
    const stale = await gae(['build', '--check'], dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('✗ cron.yaml differs from what the config produces');
    expect(stale.stderr).toContain('✓ dispatch.yaml is up to date');
  });

  it('leaves hand-written files alone and validates them', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22' };`,
      'cron.yaml': 'cron:\n- url: /a\n  schedule: every day 25:00\n',
    });
    const run = await gae(['build'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cron.yaml:3:13: error cron[0].schedule');
    writeFileSync(join(dir, 'cron.yaml'), 'cron:\n- url: /a\n  schedule: every day 23:00\n');
    const ok = await gae(['build'], dir);
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toContain('cron.yaml');
    expect(readFileSync(join(dir, 'cron.yaml'), 'utf8')).toBe(
      'cron:\n- url: /a\n  schedule: every day 23:00\n',
    );
  });

  it('warns when a generated file has lost its export', async () => {
    const dir = project({ 'app.config.ts': CONFIG });
    await gae(['build'], dir);
    writeFileSync(join(dir, 'app.config.ts'), `export default { runtime: 'nodejs22' };`);
    const run = await gae(['build'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      'warning cron.yaml was generated by gae build, but the config no longer exports cron',
    );
  });
});

describe('gae import with dispatch.yaml, cron.yaml and queue.yaml', () => {
  it('turns the files next to app.yaml into exports that load back the same', async () => {
    const files = {
      'app.yaml': 'runtime: nodejs22\n',
      'dispatch.yaml': 'dispatch:\n- url: "*/api/*"\n  module: api\n',
      'cron.yaml':
        'cron:\n- description: "it\'s daily"\n  url: /tasks/summary\n  schedule: every 24 hours\n  retry_parameters:\n    job_retry_limit: 2\n',
      'queue.yaml': 'queue:\n- name: mail\n  rate: 5/s\n- name: work\n  mode: pull\n',
    };
    const dir = project(files);
    const run = await gae(['import', 'app.yaml'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('(with dispatch.yaml, cron.yaml, queue.yaml)');
    expect(run.stderr).toContain('module is the old name of service');
    const source = readFileSync(join(dir, 'app.config.ts'), 'utf8');
    expect(source).toContain(
      "import { defineApp, defineDispatch, defineCron, defineQueues } from '@gaekit/config';",
    );
    expect(source).toContain(
      "export const queues = defineQueues([{ name: 'mail', rate: '5/s' }, { name: 'work', mode: 'pull' }]);",
    );
    const loaded = await loadConfig(dir, { siblingFiles: false });
    expect(loaded.dispatch).toEqual([{ url: '*/api/*', service: 'api' }]);
    expect(loaded.cron).toEqual(cronFromYaml(files['cron.yaml']));
    expect(loaded.queues).toEqual(queueFromYaml(files['queue.yaml']));
  });

  it('refuses to import when one of the files is invalid, and points at app.yaml for the others', async () => {
    const dir = project({
      'app.yaml': 'runtime: nodejs22\n',
      'queue.yaml': 'queue:\n- name: mail\n',
    });
    const run = await gae(['import', 'app.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('queue.yaml:2:3: error queue[0].rate');
    expect(existsSync(join(dir, 'app.config.ts'))).toBe(false);
    const wrong = await gae(['import', 'queue.yaml'], dir);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('import the app.yaml next to queue.yaml');
  });
});
