import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package directory. */
export const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Builds dist/ once when a test needs the package as users get it (pnpm test builds first anyway). */
export function ensureBuilt(): void {
  if (existsSync(`${packageDir}dist/index.js`)) return;
  execFileSync('pnpm', ['exec', 'tsup'], { cwd: packageDir, stdio: 'ignore' });
}
