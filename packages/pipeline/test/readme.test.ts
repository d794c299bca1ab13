import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { camelToSnake } from '../../config/src/index.js';
import { ELEMENT_EMULATION } from '../src/index.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(packageDir, 'README.md'), 'utf8');

describe('README', () => {
  it('lists exactly the elements of ELEMENT_EMULATION with the same level and note', () => {
    const rows = [
      ...readme.matchAll(/^\| `([a-z_]+)` \| (emulated|partial|ignored) \| (.+) \|$/gm),
    ].map((m) => [m[1], m[2], m[3]]);
    const expected = Object.entries(ELEMENT_EMULATION).map(([key, value]) => [
      camelToSnake(key),
      value.level,
      value.note,
    ]);
    expect(rows).toEqual(expected);
  });

  it('runs the example and prints what the comments say', async () => {
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const expectedLines = [...example.matchAll(/^\/\/ (\d{3} .*)$/gm)].map((m) => m[1]);
    expect(expectedLines).toHaveLength(3);
    const dir = mkdtempSync(join(tmpdir(), 'gaekit-pipeline-readme-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(
        file,
        example.replace("'@gaekit/pipeline'", JSON.stringify(join(packageDir, 'src/index.ts'))),
      );
      const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>(
        (resolve, reject) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', file],
            { cwd: packageDir, timeout: 60_000 },
            (error, out, err) =>
              error
                ? reject(new Error(`${error.message}\n${err}`))
                : resolve({ stdout: out, stderr: err }),
          );
        },
      );
      expect(stderr).toBe('');
      expect(stdout.trimEnd().split('\n')).toEqual(expectedLines);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
