/**
 * Runs every suite in `src/suites/` (or those named on the command line) and writes the
 * results to `results/latest.json` and `results/latest.md`, with machine, Node and date.
 * `--smoke` asks each suite for a few-seconds run that only proves the harness works.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SuiteResult } from './suite.js';

const smoke = process.argv.includes('--smoke');
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const suitesDir = fileURLToPath(new URL('./suites/', import.meta.url));
const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

const files = readdirSync(suitesDir)
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((name) => f.startsWith(name)))
  .sort();

const results: SuiteResult[] = [];
for (const file of files) {
  const suite = (await import(`./suites/${file}`)) as {
    run(options: { smoke: boolean }): Promise<SuiteResult>;
  };
  console.log(`# ${file}`);
  const result = await suite.run({ smoke });
  results.push(result);
  console.log(result.markdown);
}

const machine = {
  cpus: cpus().length,
  cpu: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: process.platform,
};
const date = new Date().toISOString();
mkdirSync(resultsDir, { recursive: true });
const name = smoke ? 'smoke' : 'latest';
writeFileSync(
  `${resultsDir}${name}.json`,
  `${JSON.stringify({ date, machine, smoke, results }, null, 2)}\n`,
);
writeFileSync(
  `${resultsDir}${name}.md`,
  `# gaekit benchmarks\n\n${date}, Node ${machine.node}, ${machine.cpus} × ${machine.cpu}, ${machine.memoryGb} GB${smoke ? ' (smoke run: numbers are not meaningful)' : ''}\n\n${results.map((r) => `## ${r.title}\n\n${r.markdown}`).join('\n\n')}\n`,
);
console.log(`wrote results/${name}.json and results/${name}.md`);
