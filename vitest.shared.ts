import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));

/**
 * Tests run on source: every `@gaekit/<name>` import resolves to `packages/<name>/src/index.ts`,
 * so `pnpm test` needs no build. Smoke tests that import `dist` use relative paths instead.
 */
export const sourceAliases: Record<string, string> = Object.fromEntries(
  readdirSync(packagesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => [`@gaekit/${entry.name}`, `${packagesDir}${entry.name}/src/index.ts`]),
);

/** Setup file for every project: plain, uncoloured output in tests and their child processes. */
export const testSetup = fileURLToPath(new URL('./scripts/test-setup.ts', import.meta.url));
