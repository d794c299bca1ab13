import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export { freePort } from '../../../scripts/free-port.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const configDir = fileURLToPath(new URL('../../config/', import.meta.url));

/** The built `gae` binary (`pnpm test` builds before it tests). */
export const bin = join(packageDir, 'bin', 'gae.js');

/** What a `gae` run printed and returned. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `gae` in `cwd`, without colour. */
export function gae(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** A temporary folder for a test file's projects; `remove()` in afterAll. */
export function tempBase(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** A project folder under `base` with `@gaekit/config` linked and the given files written. */
export function project(base: string, files: Record<string, string>): string {
  const dir = mkdtempSync(join(base, 'app-'));
  mkdirSync(join(dir, 'node_modules', '@gaekit'), { recursive: true });
  symlinkSync(configDir, join(dir, 'node_modules', '@gaekit', 'config'), 'dir');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Builds @gaekit/config and @gaekit/cli when their dist/ is missing (a test run on source). */
export function ensureBuilt(): void {
  for (const dir of [configDir, packageDir]) {
    if (!existsSync(join(dir, 'dist', 'index.js'))) {
      execFileSync('pnpm', ['exec', 'tsup'], { cwd: dir, stdio: 'ignore' });
    }
  }
}
