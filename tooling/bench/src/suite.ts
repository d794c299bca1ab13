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
  for (let i = 0; i < 1000; i++) fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline && iterations < maxIterations) {
    for (let i = 0; i < 100; i++) fn();
    iterations += 100;
    now = process.hrtime.bigint();
  }
  return Number(now - start) / iterations;
}
