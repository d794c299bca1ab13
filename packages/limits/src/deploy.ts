import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GaeError, translatePattern } from '@gaekit/config';
import ignore, { type Ignore } from 'ignore';
import { APP_ENGINE_LIMITS } from './constants.js';

/**
 * The App Engine SDK's default `skip_files` (first generation, used when app.yaml sets none):
 * Emacs `#autosave#` files, `~` backups, `.pyc`/`.pyo`, `RCS/` folders and dot files.
 */
export const DEFAULT_SKIP_FILES =
  /^(?:(?:.*\/)?#.*#$|(?:.*\/)?.*~$|(?:.*\/)?.*\.py[co]$|(?:.*\/)?.*\/RCS\/.*$|(?:.*\/)?\..*$)/;

/** Options of {@link checkDeployLimits}. Every limit defaults to App Engine's value. */
export interface DeployLimitOptions {
  /**
   * Files not to upload, as app.yaml's `skip_files`: strings are regular expressions matched
   * from the start of the path relative to the app folder (`/` separators), as the SDK's
   * `re.match` does; `RegExp`s are tested as given. A skipped folder is skipped whole.
   * Pass {@link DEFAULT_SKIP_FILES} for the SDK's default.
   * @default undefined (nothing skipped)
   */
  skipFiles?: string | RegExp | ReadonlyArray<string | RegExp>;
  /**
   * Honour a `.gcloudignore` in the folder (gitignore syntax, with `#!include:FILE` lines),
   * as `gcloud app deploy` does.
   * @default true
   */
  gcloudignore?: boolean;
  /**
   * Most files in the version.
   * @default 10000
   */
  maxFiles?: number;
  /**
   * Most files directly in one folder.
   * @default 1000
   */
  maxFilesPerDirectory?: number;
  /**
   * Largest single file in bytes; exactly the limit passes.
   * @default 33554432 (32 MB)
   */
  maxFileBytes?: number;
}

/** One deploy limit a folder passes. */
export interface DeployViolation {
  /** Stable code of the limit. */
  code: 'limits/too-many-files' | 'limits/too-many-files-in-directory' | 'limits/file-too-large';
  /** Path relative to the app folder with `/` separators (`.` for the folder itself). */
  path: string;
  /** The number found: files, or bytes. */
  actual: number;
  /** The limit it passes. */
  limit: number;
  /** What happened and what to do. */
  message: string;
}

/** What {@link checkDeployLimits} found. */
export interface DeployLimitsReport {
  /** True when no limit is passed. */
  ok: boolean;
  /** Files that would be uploaded. */
  files: number;
  /** Files and folders left out by `skipFiles` or `.gcloudignore`. */
  skipped: number;
  /** Every limit passed, each with its path and numbers, sorted by path. */
  violations: DeployViolation[];
}

/** A folder that cannot be deployed as it is; `code` is `limits/deploy`. */
export class DeployLimitsError extends GaeError {
  /** Every limit passed. */
  readonly violations: readonly DeployViolation[];

  constructor(violations: readonly DeployViolation[]) {
    const count = violations.length === 1 ? '1 deploy limit' : `${violations.length} deploy limits`;
    super(
      'limits/deploy',
      `The app folder passes ${count}:\n${violations.map((v) => `  ${v.message}`).join('\n')}`,
      {
        hint: 'Leave files out with skip_files or .gcloudignore, split big folders, and serve big files from Cloud Storage.',
      },
    );
    this.name = 'DeployLimitsError';
    this.violations = violations;
  }
}

const format = (n: number) => n.toLocaleString('en-US');

function skipMatchers(skipFiles: DeployLimitOptions['skipFiles']): RegExp[] {
  if (skipFiles === undefined) return [];
  const list = Array.isArray(skipFiles) ? skipFiles : [skipFiles];
  const strings = list.filter((pattern): pattern is string => typeof pattern === 'string');
  const matchers = list.filter((pattern): pattern is RegExp => typeof pattern !== 'string');
  if (strings.length > 0) {
    // As gcloud does: the strings joined with `|` into one Python pattern (a leading `(?i)`
    // applies to all of them), matched from the start of the path.
    const { source, flags } = translatePattern(strings.join('|'));
    matchers.push(new RegExp(`^(?:${source})`, flags));
  }
  return matchers;
}

async function readGcloudignore(dir: string): Promise<Ignore | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, '.gcloudignore'), 'utf8');
  } catch {
    return undefined;
  }
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const include = /^#!include:(.+)$/.exec(line.trim());
    if (include?.[1]) {
      const included = await readFile(join(dir, include[1].trim()), 'utf8').catch(() => '');
      lines.push(...included.split(/\r?\n/));
    } else {
      lines.push(line);
    }
  }
  return ignore().add(lines);
}

/**
 * Checks a folder against App Engine's deploy limits: at most 10,000 files, at most 1,000
 * files directly in one folder, at most 32 MB per file. Files left out by `skipFiles` (as
 * app.yaml's `skip_files`) or by a `.gcloudignore` are not counted. Every violation is
 * reported, each with its path and the numbers. Symbolic links are followed, as gcloud
 * uploads what they point to; a link back to a folder above it is not followed again.
 */
export async function checkDeployLimits(
  dir: string,
  options: DeployLimitOptions = {},
): Promise<DeployLimitsReport> {
  const root = resolve(dir);
  const maxFiles = options.maxFiles ?? APP_ENGINE_LIMITS.maxFiles;
  const maxPerDir = options.maxFilesPerDirectory ?? APP_ENGINE_LIMITS.maxFilesPerDirectory;
  const maxFileBytes = options.maxFileBytes ?? APP_ENGINE_LIMITS.maxFileBytes;
  const matchers = skipMatchers(options.skipFiles);
  const ignored = options.gcloudignore === false ? undefined : await readGcloudignore(root);
  const skip = (path: string, isDir: boolean) =>
    matchers.some((m) => {
      m.lastIndex = 0;
      return m.test(path);
    }) ||
    (ignored?.ignores(isDir ? `${path}/` : path) ?? false);

  const violations: DeployViolation[] = [];
  let files = 0;
  let skipped = 0;
  // Each folder with the real paths of the folders above it, to stop at symbolic-link loops.
  const queue: Array<{ rel: string; above: readonly string[] }> = [
    { rel: '', above: [await realpath(root)] },
  ];
  while (queue.length > 0) {
    const { rel, above } = queue.shift() as { rel: string; above: readonly string[] };
    const entries = await readdir(rel ? join(root, rel) : root, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    let inDir = 0;
    const sized: Array<{ path: string; full: string }> = [];
    for (const entry of entries) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const full = join(root, path);
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      if (entry.isSymbolicLink()) {
        const target = await stat(full).catch(() => undefined);
        isDir = target?.isDirectory() ?? false;
        isFile = target?.isFile() ?? false;
      }
      if (!isDir && !isFile) continue;
      if (skip(path, isDir)) {
        skipped++;
        continue;
      }
      if (isDir) {
        const real = await realpath(full);
        if (!above.includes(real)) queue.push({ rel: path, above: [...above, real] });
        continue;
      }
      inDir++;
      sized.push({ path, full });
    }
    files += inDir;
    if (inDir > maxPerDir) {
      const shown = rel || '.';
      violations.push({
        code: 'limits/too-many-files-in-directory',
        path: shown,
        actual: inDir,
        limit: maxPerDir,
        message: `${shown === '.' ? 'the app folder' : shown} holds ${format(inDir)} files; App Engine allows at most ${format(maxPerDir)} in one folder. Split it into subfolders or leave files out.`,
      });
    }
    for (let i = 0; i < sized.length; i += 64) {
      const batch = sized.slice(i, i + 64);
      const sizes = await Promise.all(batch.map((f) => stat(f.full).then((s) => s.size)));
      sizes.forEach((size, index) => {
        if (size <= maxFileBytes) return;
        const path = (batch[index] as { path: string }).path;
        violations.push({
          code: 'limits/file-too-large',
          path,
          actual: size,
          limit: maxFileBytes,
          message: `${path} is ${format(size)} bytes; App Engine allows at most ${format(maxFileBytes)} bytes per file. Serve it from Cloud Storage or leave it out.`,
        });
      });
    }
  }
  if (files > maxFiles) {
    violations.push({
      code: 'limits/too-many-files',
      path: '.',
      actual: files,
      limit: maxFiles,
      message: `the app has ${format(files)} files; App Engine allows at most ${format(maxFiles)} per version. Leave files out with skip_files or .gcloudignore, or bundle them.`,
    });
  }
  violations.sort((a, b) =>
    a.path === b.path ? a.code.localeCompare(b.code) : a.path < b.path ? -1 : 1,
  );
  return { ok: violations.length === 0, files, skipped, violations };
}

/**
 * {@link checkDeployLimits}, throwing a {@link DeployLimitsError} with every violation when
 * the folder passes a limit (for `gae build`).
 */
export async function assertDeployLimits(
  dir: string,
  options: DeployLimitOptions = {},
): Promise<DeployLimitsReport> {
  const report = await checkDeployLimits(dir, options);
  if (!report.ok) throw new DeployLimitsError(report.violations);
  return report;
}
