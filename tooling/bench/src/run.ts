/**
 * Runs every suite in `src/suites/` (or those named on the command line) and writes the
 * results to `results/latest.json` and `results/latest.md`, with machine, Node and date.
 * Suites not run this time keep their previous results (each suite carries its own date).
 * `--smoke` asks each suite for a few-seconds run that only proves the harness works and
 * writes `smoke.*` instead; `--out DIR` writes somewhere else than `results/`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SuiteResult } from './suite.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const outIndex = argv.indexOf('--out');
const outArg = outIndex === -1 ? undefined : argv[outIndex + 1];
const only = argv.filter((a, i) => !a.startsWith('--') && (outIndex === -1 || i !== outIndex + 1));
const suitesDir = fileURLToPath(new URL('./suites/', import.meta.url));
const resultsDir = outArg
  ? `${resolve(outArg)}/`
  : fileURLToPath(new URL('../results/', import.meta.url));

const files = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

interface Machine {
  cpus: number;
  cpu: string;
  memoryGb: number;
  node: string;
  platform: string;
}

interface StoredSuite extends SuiteResult {
  /** The suite's file name in src/suites/. */
  suite: string;
  date: string;
  machine: Machine;
  smoke: boolean;
}

const machine: Machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: process.platform,
};
const name = smoke ? 'smoke' : 'latest';
const jsonFile = `${resultsDir}${name}.json`;

const stored = new Map<string, StoredSuite>();
if (existsSync(jsonFile)) {
  try {
    const previous = JSON.parse(readFileSync(jsonFile, 'utf8')) as { suites?: StoredSuite[] };
    for (const s of previous.suites ?? []) stored.set(s.suite, s);
  } catch {
    // An unreadable or older-format file is replaced.
  }
}

let failed = false;
for (const file of files) {
  const suite = (await import(`./suites/${file}`)) as {
    run(options: { smoke: boolean }): Promise<SuiteResult>;
  };
  console.log(`# ${file}`);
  try {
    const result = await suite.run({ smoke });
    stored.set(file, { suite: file, date: new Date().toISOString(), machine, smoke, ...result });
    console.log(result.markdown);
  } catch (error) {
    failed = true;
    console.error(`suite ${file} failed:`, error);
  }
}

const suites = [...stored.values()].sort((a, b) => a.suite.localeCompare(b.suite));
mkdirSync(resultsDir, { recursive: true });
writeFileSync(jsonFile, `${JSON.stringify({ suites }, null, 2)}\n`);
const describe = (s: StoredSuite) =>
  `${s.date}, Node ${s.machine.node}, ${s.machine.cpus} × ${s.machine.cpu}, ${s.machine.memoryGb} GB${s.smoke ? ' (smoke run: numbers are not meaningful)' : ''}`;
writeFileSync(
  `${resultsDir}${name}.md`,
  `# gaekit benchmarks\n\nEach suite was measured on its own date; ratios compare figures measured in the same run.\n\n${suites.map((s) => `## ${s.title}\n\n_${s.suite}: ${describe(s)}_\n\n${s.markdown}`).join('\n\n')}\n`,
);
console.log(`wrote ${jsonFile} and ${name}.md`);
if (failed) process.exitCode = 1;
