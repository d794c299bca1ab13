/**
 * @gaekit/config and @gaekit/cli: what a developer waits for.
 *
 * - config: `parseApp` (validation) and `toYaml` of the example app's config, per call;
 * - `gae build` of the example app, wall time of the whole command (a fresh Node process:
 *   loading the config with esbuild, the YAML, the esbuild bundle, the deploy limits);
 * - `gae dev` of the example app, from spawning the command to the first 200 from `/`
 *   (process instances: the app's own server starts too).
 *
 * The baseline for both commands is `node -e ""`: a bare Node start on this machine.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, parseApp, toYaml } from '@gaekit/config';
import { freePort } from '../../../../scripts/free-port.js';
import { nsPerCall, type SuiteResult } from '../suite.js';

const repo = fileURLToPath(new URL('../../../../', import.meta.url));
const example = join(repo, 'apps', 'example');
const gae = join(repo, 'packages', 'cli', 'bin', 'gae.js');

function wall(args: string[], cwd: string): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd, timeout: 60_000 }, (error) =>
      error ? reject(error) : resolve(performance.now() - started),
    );
  });
}

async function devToFirstResponse(): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [gae, 'dev', '--port', String(port), '--no-watch'],
    { cwd: example, stdio: 'ignore' },
  );
  try {
    const until = started + 30_000;
    while (performance.now() < until) {
      const ok = await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('gae dev did not answer in 30 s');
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** The suite: config calls in µs, gae build and gae dev in ms, next to a bare Node start. */
export async function run({ smoke }: { smoke: boolean }): Promise<SuiteResult> {
  const rounds = smoke ? 1 : 7;
  const loaded = await loadConfig(example, { mode: 'production' });
  const raw = JSON.parse(JSON.stringify(loaded.app)) as Record<string, unknown>;
  const ms = smoke ? 50 : 500;
  const parseNs = nsPerCall(() => parseApp(raw), ms);
  const yamlNs = nsPerCall(() => toYaml(loaded.app), ms);

  const nodeStart: number[] = [];
  const build: number[] = [];
  const dev: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      nodeStart.push(await wall(['-e', ''], example));
      build.push(await wall([gae, 'build', '--out', join('.gae', `bench-${i}`)], example));
      dev.push(await devToFirstResponse());
    }
  } finally {
    for (let i = 0; i < rounds; i++) {
      rmSync(join(example, '.gae', `bench-${i}`), { recursive: true, force: true });
    }
  }
  const data = {
    parseAppUs: parseNs / 1000,
    toYamlUs: yamlNs / 1000,
    nodeStartMs: median(nodeStart),
    buildMs: median(build),
    devFirstResponseMs: median(dev),
    rounds,
  };
  const markdown = [
    `The example app (apps/example), median of ${rounds} run(s). Targets: gae build <= 500 ms, gae dev to first response <= 1,500 ms.`,
    '',
    '| what | time | × a bare `node -e ""` |',
    '|---|---|---|',
    `| \`parseApp\` (validate the example config) | ${data.parseAppUs.toFixed(1)} µs | |`,
    `| \`toYaml\` | ${data.toYamlUs.toFixed(1)} µs | |`,
    `| \`node -e ""\` (baseline) | ${data.nodeStartMs.toFixed(0)} ms | 1.00 |`,
    `| \`gae build\` (YAML, bundle, deploy limits) | ${data.buildMs.toFixed(0)} ms | ${(data.buildMs / data.nodeStartMs).toFixed(1)} |`,
    `| \`gae dev\` to the first 200 | ${data.devFirstResponseMs.toFixed(0)} ms | ${(data.devFirstResponseMs / data.nodeStartMs).toFixed(1)} |`,
  ].join('\n');
  return { title: 'gae build and gae dev: wall time for the example app', markdown, data };
}
