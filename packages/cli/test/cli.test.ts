import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromYaml, loadConfig } from '../../config/src/index.js';
import { ensureBuilt, gae, project as makeProject } from './helpers.js';

let base: string;
const project = (files: Record<string, string>) => makeProject(base, files);

const VALID_CONFIG = `import { defineApp } from '@gaekit/config';
export default defineApp(({ mode }) => ({
  runtime: 'nodejs22',
  envVariables: { MODE: mode },
  handlers: [{ url: '/static', staticDir: 'public' }, { url: '/.*', script: 'auto' }],
}));
`;

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'gaekit-cli-'));
  ensureBuilt();
}, 120_000);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('gae validate', () => {
  it('accepts a valid app.config.ts (exit 0)', async () => {
    const dir = project({ 'app.config.ts': VALID_CONFIG });
    const run = await gae(['validate'], dir);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('✓ app.config.ts is valid');
  });

  it('prints every problem of an app.yaml with file:line:column (exit 1)', async () => {
    const dir = project({
      'app.yaml': 'runtime: nodejs22\nthreadsafe: true\nhandlers:\n- url: /a\n  static_dirr: x\n',
    });
    const run = await gae(['validate', 'app.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('app.yaml:2:1: error threadsafe');
    expect(run.stderr).toContain(
      'app.yaml:5:3: error handlers[0].static_dirr: unknown field "static_dirr"',
    );
    expect(run.stderr).toContain('hint: did you mean "static_dir"?');
    expect(run.stderr).toMatch(/✗ app\.yaml: \d+ errors/);
  });

  it('checks the error_handlers files next to an app.yaml (exit 1)', async () => {
    const dir = project({
      'app.yaml': 'runtime: nodejs22\nerror_handlers:\n- file: errors/missing.html\n',
    });
    const run = await gae(['validate', 'app.yaml'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'app.yaml:3:9: error error_handlers[0].file: "errors/missing.html" is not a file in the app\'s folder',
    );
  });

  it('prints the structured result with --json', async () => {
    const dir = project({ 'app.yaml': 'runtime: nodejs22\nservice: Bad_Name\n' });
    const run = await gae(['validate', 'app.yaml', '--json'], dir);
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(result.valid).toBe(false);
    expect(result.files[0].diagnostics[0]).toMatchObject({
      code: 'config/invalid-format',
      pathText: 'service',
      found: 'Bad_Name',
      line: 2,
      column: 10,
    });
  });

  it('says what it looked for in a folder without a config', async () => {
    const dir = project({});
    const run = await gae(['validate'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no config in .');
  });
});

describe('gae build', () => {
  it('writes app.yaml in production mode, and --check passes afterwards', async () => {
    const dir = project({ 'app.config.ts': VALID_CONFIG });
    const build = await gae(['build'], dir);
    expect(build.code).toBe(0);
    const yaml = readFileSync(join(dir, 'app.yaml'), 'utf8');
    expect(fromYaml(yaml).envVariables).toEqual({ MODE: 'production' });
    expect((await gae(['build', '--check'], dir)).code).toBe(0);
    // The same file checked out with CRLF line endings (git on Windows) is still up to date.
    writeFileSync(join(dir, 'app.yaml'), yaml.replace(/\n/g, '\r\n'));
    expect((await gae(['build', '--check'], dir)).code).toBe(0);
  });

  it('--check fails when app.yaml is stale or missing', async () => {
    const dir = project({ 'app.config.ts': VALID_CONFIG });
    const missing = await gae(['build', '--check'], dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('app.yaml is missing');
    await gae(['build'], dir);
    writeFileSync(
      join(dir, 'app.yaml'),
      `${readFileSync(join(dir, 'app.yaml'), 'utf8')}# edited\n`,
    );
    const stale = await gae(['build', '--check'], dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('differs from what the config produces');
  });

  it('refuses an invalid config and writes nothing', async () => {
    const dir = project({
      'app.config.ts': `export default { runtime: 'nodejs22', handlers: [{ url: 'no-slash', script: 'auto' }] };`,
    });
    const run = await gae(['build'], dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('handlers[0].url');
    expect(existsSync(join(dir, 'app.yaml'))).toBe(false);
  });
});

describe('gae import', () => {
  it('writes an app.config.ts that loads back to the same config', async () => {
    const yaml = `runtime: nodejs22
service: api
automatic_scaling:
  max_instances: 4
env_variables:
  QUOTE: "it's \\"quoted\\""
  ON: "on"
handlers:
- url: /img/(.*)\\.png
  static_files: img/\\1.png
  upload: img/.*\\.png
  http_headers:
    Access-Control-Allow-Origin: "*"
- url: /.*
  script: auto
`;
    const dir = project({ 'app.yaml': yaml });
    const run = await gae(['import', 'app.yaml'], dir);
    expect(run.code).toBe(0);
    const source = readFileSync(join(dir, 'app.config.ts'), 'utf8');
    expect(source).toContain("import { defineApp } from '@gaekit/config';");
    expect(source).toContain("'Access-Control-Allow-Origin': '*'");
    const loaded = await loadConfig(dir);
    expect(loaded.app).toEqual(fromYaml(yaml));
  });

  it('does not overwrite an existing config without --force', async () => {
    const dir = project({ 'app.yaml': 'runtime: nodejs22\n', 'app.config.ts': '// mine\n' });
    const run = await gae(['import', 'app.yaml'], dir);
    expect(run.code).toBe(1);
    expect(readFileSync(join(dir, 'app.config.ts'), 'utf8')).toBe('// mine\n');
    expect((await gae(['import', 'app.yaml', '--force'], dir)).code).toBe(0);
  });
});

describe('usage', () => {
  it('exits 2 on an unknown command or option', async () => {
    const dir = project({});
    expect((await gae(['deplo'], dir)).code).toBe(2);
    const run = await gae(['build', '--nope'], dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown option `--nope`');
  });

  it('exits 2 when the folder or file given does not exist, for every command', async () => {
    const dir = project({});
    for (const args of [
      ['build', 'nope'],
      ['deploy', 'nope', '--dry-run'],
      ['dev', 'nope'],
      ['validate', 'nope.yaml'],
      ['import', 'nope.yaml'],
    ]) {
      const run = await gae(args, dir);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.stderr).toContain('does not exist');
    }
  });

  it('exits 2 on a --mode that is neither development nor production', async () => {
    const dir = project({});
    for (const command of ['build', 'validate', 'dev']) {
      const run = await gae([command, '--mode', 'dev'], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--mode must be development or production, got "dev"');
    }
  });

  it('prints help for every command', async () => {
    const dir = project({});
    for (const command of ['validate', 'build', 'import']) {
      const run = await gae([command, '--help'], dir);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`gae ${command}`);
    }
  });
});
