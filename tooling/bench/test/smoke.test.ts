import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';

const benchDir = fileURLToPath(new URL('..', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'gaekit-bench-smoke-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

interface Stored {
  suite: string;
  title: string;
  markdown: string;
  data: unknown;
}

// The harness in smoke mode (a few seconds per server): proves every suite runs, every
// server it starts answers correctly, and the report is written. No figure is asserted.
it('runs every suite in smoke mode and writes the report', async () => {
  const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/run.ts', '--smoke', '--out', out],
      { cwd: benchDir, timeout: 540_000, maxBuffer: 64 * 1024 * 1024 },
      (error, _stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  expect(code, stderr).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'smoke.json'), 'utf8')) as { suites: Stored[] };
  const suites = report.suites.map((s) => s.suite);
  expect(suites).toEqual(
    expect.arrayContaining([
      'cli.ts',
      'edge.ts',
      'http.ts',
      'limits-memory.ts',
      'logging.ts',
      'router.ts',
      'scheduler.ts',
    ]),
  );
  const http = report.suites.find((s) => s.suite === 'http.ts')?.data as {
    measured: Array<{
      server: string;
      route: string;
      requestsPerSecond: number;
      errors: number;
      non2xx: number;
    }>;
  };
  const servers = new Set(http.measured.map((m) => m.server));
  expect([...servers].sort()).toEqual(
    [
      'ceiling-front-only',
      'express',
      'fastify',
      'fastify-features',
      'gaekit-inline',
      'gaekit-process',
      'gaekit-worker',
      'h3',
      'hono',
    ].sort(),
  );
  for (const m of http.measured) {
    expect({ server: m.server, route: m.route, errors: m.errors, non2xx: m.non2xx }).toEqual({
      server: m.server,
      route: m.route,
      errors: 0,
      non2xx: 0,
    });
    expect(m.requestsPerSecond).toBeGreaterThan(0);
  }
  const markdown = readFileSync(join(out, 'smoke.md'), 'utf8');
  expect(markdown).toContain('## HTTP load: gaekit vs raw node:http and peers');
});
