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
