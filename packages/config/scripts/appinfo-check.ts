/**
 * Checks that every app.yaml gaekit writes is accepted by Google's own validator (appinfo from
 * a local Google Cloud SDK): random valid configs from the round-trip generator, plus every
 * valid fixture. Not part of `pnpm test` because CI machines have no Cloud SDK.
 *
 *   pnpm --filter @gaekit/config check:appinfo [count]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { fromYaml, toYaml } from '../src/index.js';
import { appArbitrary } from '../test/arbitraries.js';

const lib = process.env.GCLOUD_SDK_LIB ?? '/usr/lib/google-cloud-sdk/lib';
if (!existsSync(lib)) {
  console.error(`No Google Cloud SDK at ${lib}; set GCLOUD_SDK_LIB.`);
  process.exit(2);
}
const count = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'gaekit-appinfo-'));
const fixtures = fileURLToPath(new URL('../test/fixtures/app/valid/', import.meta.url));
const files: string[] = [];
fc.sample(appArbitrary, count).forEach((config, index) => {
  const file = join(dir, `generated-${index}.yaml`);
  writeFileSync(file, toYaml(config));
  files.push(file);
});
for (const name of readdirSync(fixtures).filter((f) => f.endsWith('.yaml'))) {
  const file = join(dir, `fixture-${name}`);
  writeFileSync(
    file,
    toYaml(
      fromYaml(readFileSync(join(fixtures, name), 'utf8'), { fileName: join(fixtures, name) }),
    ),
  );
  files.push(file);
}
try {
  const output = execFileSync(
    'python3',
    [fileURLToPath(new URL('./appinfo_check.py', import.meta.url)), ...files],
    {
      encoding: 'utf8',
    },
  );
  console.log(`appinfo accepted all ${files.length} files written by toYaml.`);
  void output;
} catch (error) {
  const output = String((error as { stdout?: string }).stdout ?? '');
  const failures = output.split('\n').filter((line) => line.startsWith('FAIL'));
  console.error(failures.join('\n'));
  console.error(`appinfo rejected ${failures.length} of ${files.length} files; they are in ${dir}`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
