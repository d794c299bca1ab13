import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertDeployLimits,
  checkDeployLimits,
  DEFAULT_SKIP_FILES,
  DeployLimitsError,
} from '../src/index.js';

const MiB = 1024 * 1024;
const dirs: string[] = [];

function tree(files: Record<string, string | number>): string {
  const root = mkdtempSync(join(tmpdir(), 'gaekit-limits-deploy-'));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(join(full, '..'), { recursive: true });
    if (typeof content === 'number') {
      writeFileSync(full, '');
      truncateSync(full, content); // sparse: no disk used
    } else {
      writeFileSync(full, content);
    }
  }
  return root;
}

function manyFiles(dir: string, count: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${dir}/f${i}.txt`, '']));
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('checkDeployLimits', () => {
  it('reports a folder with 1,001 files, with its path and numbers', async () => {
    const root = tree({ ...manyFiles('static/img', 1001), ...manyFiles('ok', 1000), 'app.js': '' });
    const report = await checkDeployLimits(root);
    expect(report.ok).toBe(false);
    expect(report.files).toBe(2002);
    expect(report.violations).toEqual([
      {
        code: 'limits/too-many-files-in-directory',
        path: 'static/img',
        actual: 1001,
        limit: 1000,
        message:
          'static/img holds 1,001 files; App Engine allows at most 1,000 in one folder. Split it into subfolders or leave files out.',
      },
    ]);
  });

  it('reports files over 32 MB and the total count, every violation at once', async () => {
    const root = tree({
      'big.bin': 32 * MiB + 1,
      'exact.bin': 32 * MiB,
      'a/huge.bin': 40 * MiB,
      ...manyFiles('b', 3),
    });
    const report = await checkDeployLimits(root, { maxFiles: 4 });
    expect(report.violations.map((v) => [v.code, v.path, v.actual, v.limit])).toEqual([
      ['limits/too-many-files', '.', 6, 4],
      ['limits/file-too-large', 'a/huge.bin', 40 * MiB, 32 * MiB],
      ['limits/file-too-large', 'big.bin', 32 * MiB + 1, 32 * MiB],
    ]);
    await expect(assertDeployLimits(root, { maxFiles: 4 })).rejects.toThrow(DeployLimitsError);
    const error = await assertDeployLimits(root).catch((e: unknown) => e);
    expect((error as DeployLimitsError).code).toBe('limits/deploy');
    expect((error as DeployLimitsError).message).toContain('big.bin is 33,554,433 bytes');
  });

  it('leaves out skip_files patterns (strings match from the start, as the SDK) and RegExps', async () => {
    const root = tree({
      ...manyFiles('node_modules/x', 1001),
      'big.bin': 33 * MiB,
      'src/a.js': '',
      'src/a.js~': '',
      '.env': '',
    });
    const report = await checkDeployLimits(root, {
      skipFiles: ['node_modules', /\.bin$/, DEFAULT_SKIP_FILES],
    });
    expect(report.ok).toBe(true);
    expect(report.files).toBe(1);
    expect(report.skipped).toBe(4);
  });

  it('reads skip_files strings in Python syntax, as validation and the router do', async () => {
    const root = tree({
      'Secret.key': '',
      'debug.log': '',
      'DEBUG.log': '',
      'debug.log.txt': '',
      'app.js': '',
    });
    // Joined with | into one pattern, as gcloud does: the leading (?i) applies to both.
    const report = await checkDeployLimits(root, {
      skipFiles: ['(?i)secret', '(?P<name>debug)\\.log\\Z'],
    });
    expect(report.files).toBe(2);
    expect(report.skipped).toBe(3);
  });

  it('honours .gcloudignore with negations and #!include', async () => {
    const root = tree({
      '.gcloudignore': '#!include:.gitignore\n.gcloudignore\nstatic/*.bin\n!static/keep.bin\n',
      '.gitignore': 'dist/\n',
      ...manyFiles('dist', 1001),
      'static/big.bin': 33 * MiB,
      'static/keep.bin': 33 * MiB,
      'app.js': '',
    });
    const report = await checkDeployLimits(root);
    expect(report.violations.map((v) => v.path)).toEqual(['static/keep.bin']);
    expect(report.files).toBe(3);
    const raw = await checkDeployLimits(root, { gcloudignore: false });
    expect(raw.violations.map((v) => v.path)).toEqual([
      'dist',
      'static/big.bin',
      'static/keep.bin',
    ]);
  });

  it('follows symbolic links as gcloud uploads them, and stops at loops', async () => {
    const root = tree({ 'real/a.txt': '', 'real/b.txt': '' });
    symlinkSync(join(root, 'real'), join(root, 'link'));
    symlinkSync(root, join(root, 'real', 'loop'));
    const report = await checkDeployLimits(root, { maxFilesPerDirectory: 1 });
    // link/ and real/ are both uploaded; loop/ points back above itself and is not followed.
    expect(report.violations.map((v) => v.path)).toEqual(['link', 'real']);
    expect(report.files).toBe(4);
  });
});
