import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir, runFile } from './helpers.js';

describe('README', () => {
  it('runs the first example and prints what the README says', async () => {
    const readme = readFileSync(`${packageDir}README.md`, 'utf8');
    const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = mkdtempSync(join(tmpdir(), 'gaekit-logging-readme-'));
    try {
      const file = join(dir, 'example.mts');
      writeFileSync(
        file,
        (example as string).replace(
          "'@gaekit/logging'",
          JSON.stringify(`${packageDir}src/index.ts`),
        ),
      );
      const run = await runFile(file);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(6);
      expect(lines[0]).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} GET \/search\?q=gae 200 3 B [\d.]+ ms [0-9a-f]{32}$/,
      );
      expect(lines[1]).toBe('    INFO     looking up gae');
      expect(lines[2]).toMatch(
        /^\d\d:\d\d:\d\d\.\d{3} GET \/search 200 3 B [\d.]+ ms [0-9a-f]{32}$/,
      );
      expect(lines.slice(3)).toEqual([
        '    INFO     looking up null',
        '    WARNING  empty query',
        "/search [ 'looking up null', 'empty query' ]",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
