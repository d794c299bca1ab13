import type { ChildProcess } from 'node:child_process';

/** What each file in `src/suites/` returns from its `run({ smoke })` export. */
export interface SuiteResult {
  /** Heading of the suite in the report. */
  title: string;
  /** The suite's table(s) in markdown, ratios to the baseline measured in the same run. */
  markdown: string;
  /** The raw figures, for the JSON report. */
  data: unknown;
}

/** Runs `fn` repeatedly for about `ms` milliseconds (at most `maxIterations`) and returns ns per call. */
export function nsPerCall(fn: () => void, ms: number, maxIterations = 50_000_000): number {
  // Warm up for 1,000 calls or a fifth of the time, whichever comes first (slow calls too).
  const warmUntil = process.hrtime.bigint() + BigInt(Math.ceil(ms / 5)) * 1_000_000n;
  for (let i = 0; i < 1000 && process.hrtime.bigint() < warmUntil; i++) fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  // Batches of 100 keep the clock out of fast calls; calls over 10 µs are timed one by one.
  let batch = 100;
  while (now < deadline && iterations < maxIterations) {
    for (let i = 0; i < batch; i++) fn();
    iterations += batch;
    now = process.hrtime.bigint();
    if (batch > 1 && Number(now - start) / iterations > 10_000) batch = 1;
  }
  return Number(now - start) / iterations;
}

/**
 * autocannon's run length: `duration` counts whole seconds only, so a run under one second
 * (smoke mode) is a number of requests instead, about what a second's fraction would send.
 */
export function runLength(seconds: number): { duration: number } | { amount: number } {
  return seconds >= 1
    ? { duration: seconds }
    : { amount: Math.max(50, Math.round(seconds * 2000)) };
}

/**
 * Resolves with the port once a server child prints `listening PORT`; rejects when it exits
 * first or does not start within 30 s.
 */
export function listeningPort(
  child: ChildProcess,
  name: string,
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 30 s`)), 30_000);
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const match = /listening (\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} server exited with ${code}`));
    });
  });
}

/** Stops exactly the child it started: SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/**
 * A ceiling both load suites measure: gaekit's front (`servePipeline`) answering a fixed
 * `text/plain` record itself, with no routing, headers, logs, cache or instance. Resolves
 * with its port.
 */
export async function serveFixedAnswer(text: string): Promise<number> {
  const { servePipeline } = await import('@gaekit/pipeline');
  const body = new TextEncoder().encode(text);
  const answer = () => ({
    status: 200,
    headers: [['content-type', 'text/plain']] as Array<[string, string]>,
    body,
  });
  const server = await servePipeline(
    { handle: async () => answer(), handleNow: answer },
    { port: 0, host: '127.0.0.1' },
  );
  return server.port;
}
