import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export { freePort } from '../../../scripts/free-port.js';

/** The repository root, with a trailing slash. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** This package's directory, with a trailing slash. */
export const packageDir = fileURLToPath(new URL('../', import.meta.url));

/** A workspace package under packages/* as read from its package.json. */
export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
  private: boolean;
}

/** Every package under packages/*, private ones included (callers filter). */
export function workspacePackages(): WorkspacePackage[] {
  const root = join(repoRoot, 'packages');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = join(root, entry.name);
      let text: string;
      try {
        text = readFileSync(join(dir, 'package.json'), 'utf8');
      } catch {
        return []; // a folder being created by someone else, not a package yet
      }
      const pkg = JSON.parse(text) as { name: string; version: string; private?: boolean };
      return [{ name: pkg.name, version: pkg.version, dir, private: pkg.private === true }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** What a finished child process left. */
export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * The environment a user's shell would give npm: ours minus what pnpm, turbo and vitest add.
 * pnpm's `npm_config_*` variables make npm 11 warn on stderr ("Unknown env config"), and
 * vitest's variables would leak into the scaffolded app's own vitest run.
 */
export function userEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const upper = key.toUpperCase();
    const keep =
      upper === 'NPM_CONFIG_REGISTRY' ||
      upper === 'NPM_CONFIG_USERCONFIG' ||
      !(
        upper.startsWith('NPM_') ||
        upper.startsWith('PNPM_') ||
        upper.startsWith('TURBO_') ||
        upper.startsWith('VITEST') ||
        upper.startsWith('__VITEST') ||
        upper === 'NODE_ENV' ||
        upper === 'TEST' ||
        upper === 'NODE_OPTIONS' ||
        upper === 'INIT_CWD'
      );
    if (keep) env[key] = value;
  }
  return { ...env, ...extra };
}

/** Options of {@link run}. */
export interface RunOptions {
  cwd: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a command to its end and collects its output. The child gets its own process group so
 * a timeout kills npm, npx and whatever they started, not just the first process.
 */
export function run(command: string, args: string[], options: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Sends `signal` to every process in the group led by `pid`; false when none is left. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals | 0): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** A short account of a run for assertion messages. */
export function describeRun(label: string, result: RunResult): string {
  const tail = (text: string) => (text.length > 4000 ? `…${text.slice(-4000)}` : text);
  return [
    `${label}: exit ${result.code}${result.signal ? ` (${result.signal})` : ''}${result.timedOut ? ' after timing out' : ''}`,
    `--- stdout\n${tail(result.stdout)}`,
    `--- stderr\n${tail(result.stderr)}`,
  ].join('\n');
}

/** Limits how many async tasks run at once; `first` tasks jump the queue. */
export function createPool(
  size: number,
): <T>(task: () => Promise<T>, options?: { first?: boolean }) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task, options) => {
    if (active < size) active++;
    else {
      // A finishing task hands its slot straight to the next waiter.
      await new Promise<void>((resolve) =>
        options?.first ? waiting.unshift(resolve) : waiting.push(resolve),
      );
    }
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/**
 * Reads one file out of a `.tgz` as npm and pnpm write them (ustar, `package/` prefix).
 * Returns undefined when the archive has no such file.
 */
export function readFromTarball(tarball: string, path: string): string | undefined {
  const tar = gunzipSync(readFileSync(tarball));
  const field = (start: number, length: number) =>
    tar.toString('utf8', start, start + length).replace(/\0.*$/s, '');
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const name = field(offset, 100);
    if (name === '') break; // the two zero blocks at the end
    const prefix = field(offset + 345, 155);
    const size = Number.parseInt(field(offset + 124, 12).trim() || '0', 8);
    const fullName = prefix ? `${prefix}/${name}` : name;
    const start = offset + 512;
    if (fullName === path) return tar.toString('utf8', start, start + size);
    offset = start + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** The first ```ts or ```js block of a README, or undefined when it has none. */
export function firstExample(readme: string): string | undefined {
  const match = /^```(?:ts|typescript|js|javascript)[ \t]*\r?\n([\s\S]*?)^```/m.exec(readme);
  return match?.[1];
}

/**
 * The runtime names an example imports from the given packages (type-only imports left out):
 * package -> names. Covers `import { a, b as c, type T } from 'pkg'` and `import type`.
 */
export function gaekitImports(source: string, packages: string[]): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of source.matchAll(
    /import\s+(type\s+)?\{([^}]*)\}\s*from\s*['"]([^'"]+)['"]/g,
  )) {
    const [, typeOnly, list = '', specifier = ''] = match;
    if (typeOnly || !packages.includes(specifier)) continue;
    const names = list
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '' && !part.startsWith('type '))
      .map((part) => part.split(/\s+as\s+/)[0]?.trim() ?? part);
    found.set(specifier, [...(found.get(specifier) ?? []), ...names]);
  }
  return found;
}

/** The version range of `name` in the root pnpm catalog, so temp projects use the repo's tsx. */
export function catalogVersion(name: string): string {
  const workspace = readFileSync(join(repoRoot, 'pnpm-workspace.yaml'), 'utf8');
  const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const match = new RegExp(`^\\s+"?${escaped}"?:\\s*(\\S+)\\s*$`, 'm').exec(workspace);
  if (!match?.[1]) throw new Error(`${name} is not in the pnpm catalog (pnpm-workspace.yaml)`);
  return match[1];
}

/**
 * Processes whose working directory is inside `dir` (Linux /proc; empty elsewhere). Everything
 * the test starts runs in its temp dir, so this finds what a stopped server left behind.
 */
export function processesUnder(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid)
    .filter((entry) => {
      try {
        const cwd = readlinkSync(`/proc/${entry}/cwd`);
        return cwd === dir || cwd.startsWith(`${dir}/`);
      } catch {
        return false; // gone, or not ours to read
      }
    })
    .map(Number);
}
