/**
 * Checks gaekit's YAML against Google's own validators from a local Google Cloud SDK (appinfo
 * for app.yaml; for dispatch.yaml, cron.yaml and queue.yaml what `gcloud app deploy` runs,
 * plus Google's schedule parser):
 * - every file gaekit writes is accepted: random valid configs from the round-trip generators,
 *   and every valid fixture written back by gaekit;
 * - every invalid dispatch/cron/queue fixture is refused by Google too, unless its header says
 *   `# google: accepts` (limits App Engine enforces only on its servers).
 * Not part of `pnpm test` because CI machines have no Cloud SDK.
 *
 *   pnpm --filter @gaekit/config check:appinfo [count]
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import {
  cronFromYaml,
  cronToYaml,
  dispatchFromYaml,
  dispatchToYaml,
  fromYaml,
  queueFromYaml,
  queueToYaml,
  toYaml,
} from '../src/index.js';
import { keysToSnake } from '../src/keys.js';
import { appArbitrary } from '../test/arbitraries.js';
import { cronArbitrary, dispatchArbitrary, queueArbitrary } from '../test/file-arbitraries.js';

const lib = process.env.GCLOUD_SDK_LIB ?? '/usr/lib/google-cloud-sdk/lib';
if (!existsSync(lib)) {
  console.error(`No Google Cloud SDK at ${lib}; set GCLOUD_SDK_LIB.`);
  process.exit(2);
}
const count = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(tmpdir(), 'gaekit-appinfo-'));
const fixtures = fileURLToPath(new URL('../test/fixtures/', import.meta.url));

/** Files Google must accept, and files it must refuse. */
const mustPass: string[] = [];
const mustFail: string[] = [];
/** Invalid fixtures whose header says Google accepts them: checked, so the header stays true. */
const markedAccepted: string[] = [];
let serial = 0;

/** Writes `text` as `name` in a folder of its own: gcloud picks the parser by file name. */
function put(name: string, text: string): string {
  const folder = join(dir, String(serial++));
  mkdirSync(folder);
  const file = join(folder, name);
  writeFileSync(file, text);
  return file;
}

function yamlIn(sub: string): string[] {
  const folder = join(fixtures, sub);
  return existsSync(folder)
    ? readdirSync(folder)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => join(folder, f))
    : [];
}

for (const config of fc.sample(appArbitrary, count)) mustPass.push(put('app.yaml', toYaml(config)));
/** What Google must read from a generated file: the config as gaekit means it, in snake_case. */
const meant = new Map<string, unknown>();
function generated(name: string, text: string, value: unknown): void {
  const file = put(name, text);
  mustPass.push(file);
  meant.set(file, JSON.parse(JSON.stringify(keysToSnake(value))));
}
for (const rules of fc.sample(dispatchArbitrary, count)) {
  const text = dispatchToYaml(rules);
  generated('dispatch.yaml', text, { dispatch: dispatchFromYaml(text) });
}
for (const jobs of fc.sample(cronArbitrary, count)) {
  const text = cronToYaml(jobs);
  generated('cron.yaml', text, { cron: cronFromYaml(text) });
}
for (const queues of fc.sample(queueArbitrary, count)) {
  const text = queueToYaml(queues);
  generated('queue.yaml', text, queueFromYaml(text));
}

const KINDS = {
  app: (text: string, fileName: string) => toYaml(fromYaml(text, { fileName })),
  dispatch: (text: string, fileName: string) =>
    dispatchToYaml(dispatchFromYaml(text, { fileName })),
  cron: (text: string, fileName: string) => cronToYaml(cronFromYaml(text, { fileName })),
  queue: (text: string, fileName: string) => queueToYaml(queueFromYaml(text, { fileName })),
};
for (const [kind, rewrite] of Object.entries(KINDS)) {
  const name = `${kind}.yaml`;
  for (const file of yamlIn(`${kind}/valid`)) {
    mustPass.push(put(name, rewrite(readFileSync(file, 'utf8'), file)));
    // The hand-written file itself, too (app fixtures may use includes, so only the others).
    if (kind !== 'app') mustPass.push(put(name, readFileSync(file, 'utf8')));
  }
  if (kind === 'app') continue;
  for (const file of yamlIn(`${kind}/invalid`)) {
    const text = readFileSync(file, 'utf8');
    if (/^# google: accepts/m.test(text)) markedAccepted.push(put(name, text));
    else mustFail.push(put(name, text));
  }
}

function google(files: string[]): Map<string, string> {
  let output: string;
  try {
    output = execFileSync(
      'python3',
      [fileURLToPath(new URL('./appinfo_check.py', import.meta.url)), ...files],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
  } catch (error) {
    output = String((error as { stdout?: string }).stdout ?? '');
  }
  const verdicts = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [verdict, file, ...rest] = line.split(' ');
    if (file) verdicts.set(file, `${verdict} ${rest.join(' ')}`.trim());
  }
  return verdicts;
}

const verdicts = google([...mustPass, ...mustFail, ...markedAccepted]);
const refused = [...mustPass, ...markedAccepted].filter((f) => !verdicts.get(f)?.startsWith('OK'));
const accepted = mustFail.filter((f) => !verdicts.get(f)?.startsWith('FAIL'));
// Accepted is not enough: Google must read the same values (no string read as a number...).
const misread = [...meant].filter(([file, value]) => {
  const verdict = verdicts.get(file) ?? '';
  if (!verdict.startsWith('OK ')) return false;
  return !isDeepStrictEqual(JSON.parse(verdict.slice(3)), value);
});
for (const [file, value] of misread)
  console.error(
    `read differently by Google: ${file}: ${verdicts.get(file)} vs ${JSON.stringify(value)}`,
  );
for (const f of refused)
  console.error(`refused by Google: ${f}: ${verdicts.get(f) ?? 'no answer'}`);
for (const f of accepted) console.error(`accepted by Google, refused by gaekit: ${f}`);
if (refused.length + accepted.length + misread.length > 0) {
  console.error(
    `${refused.length} of ${mustPass.length + markedAccepted.length} files gaekit wrote or marked "google: accepts" were refused, ${misread.length} were read differently; ${accepted.length} of ${mustFail.length} invalid fixtures were accepted. Files are in ${dir}`,
  );
  process.exit(1);
}
console.log(
  `Google's validators accepted all ${mustPass.length} files gaekit wrote (reading the ${meant.size} dispatch, cron and queue files back as gaekit meant them), refused all ${mustFail.length} invalid dispatch/cron/queue fixtures, and accepted the ${markedAccepted.length} marked "google: accepts".`,
);
rmSync(dir, { recursive: true, force: true });
