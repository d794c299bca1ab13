// Compiles app.config.ts to app.yaml (what `gae build` will do), or with --check fails
// when the committed app.yaml is not what the config produces.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatDiagnostics, loadConfig, toYaml } from '@gaekit/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const target = `${root}app.yaml`;
const header = '# Generated from app.config.ts by `pnpm build:yaml`. Do not edit.\n';

try {
  const { app } = await loadConfig(root, { mode: 'production' });
  const yaml = header + toYaml(app);
  if (process.argv.includes('--check')) {
    const committed = readFileSync(target, 'utf8');
    if (committed !== yaml) {
      console.error('app.yaml is out of date: run pnpm build:yaml and commit it.');
      process.exit(1);
    }
    console.log('app.yaml is up to date.');
  } else {
    writeFileSync(target, yaml);
    console.log(`wrote ${target}`);
  }
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(formatDiagnostics(error.diagnostics));
    process.exit(1);
  }
  throw error;
}
