import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The package directory (with a trailing slash). */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs a TypeScript fixture in a real child Node.js process (through tsx) and returns its output. */
export function runFixture(
  name: string,
  args: string[] = [],
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return runFile(fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url)), args);
}

/** Runs a TypeScript file in a real child Node.js process (through tsx) and returns its output. */
export function runFile(
  file: string,
  args: string[] = [],
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** Builds dist/ when a test needs the package as users get it. */
export function ensureBuilt(): void {
  execFileSync('pnpm', ['exec', 'tsup'], { cwd: packageDir, stdio: 'ignore' });
}

/** Collects what a sink writes. */
export function collector(): {
  write: (text: string) => void;
  text: () => string;
  lines: () => string[];
} {
  const chunks: string[] = [];
  return {
    write: (text: string) => {
      chunks.push(text);
    },
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((line) => line !== ''),
  };
}
