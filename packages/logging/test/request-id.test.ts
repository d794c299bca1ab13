import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import {
  createRequestId,
  createRequestIdGenerator,
  isRequestId,
  LoggingError,
  requestIdHash,
  requestIdTime,
} from '../src/index.js';
import { runFixture } from './helpers.js';

function strictlyIncreasing(ids: string[]): boolean {
  for (let i = 1; i < ids.length; i++)
    if (!((ids[i - 1] as string) < (ids[i] as string))) return false;
  return true;
}

describe('request ids', () => {
  it('are 32 lower-case hex characters that carry the start time to the microsecond', () => {
    const generator = createRequestIdGenerator();
    const start = Date.UTC(2026, 3, 1, 12, 30, 45) + 0.123;
    const id = generator.next(start);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(isRequestId(id)).toBe(true);
    expect(requestIdTime(id)).toBeCloseTo(start, 6);
    expect(id.slice(0, 8)).toBe(Math.floor(start / 1000).toString(16));
    expect(id.endsWith(generator.node)).toBe(true);
    expect(requestIdTime('not an id')).toBeUndefined();
  });

  it('sort by start time as strings, across generators', () => {
    const a = createRequestIdGenerator();
    const b = createRequestIdGenerator();
    const times = Array.from({ length: 200 }, (_, i) => 1_700_000_000_000 + i * 0.5);
    const ids = times.map((t, i) => (i % 2 ? a : b).next(t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('from one generator strictly increase even when the clock stands still or goes back', () => {
    let now = 1_800_000_000_000;
    const generator = createRequestIdGenerator({ clock: () => now });
    const ids: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 1000 === 999) now -= 5; // the wall clock steps back
      ids.push(generator.next());
    }
    expect(strictlyIncreasing(ids)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stay unique and ordered past 4096 ids in one microsecond', () => {
    const generator = createRequestIdGenerator({ clock: () => 1_800_000_000_000 });
    const ids = Array.from({ length: 10_000 }, () => generator.next());
    expect(strictlyIncreasing(ids)).toBe(true);
  });

  it('are unique and in creation order under concurrent async requests', async () => {
    const created: string[] = [];
    await Promise.all(
      Array.from({ length: 500 }, async (_, i) => {
        for (let k = 0; k < i % 7; k++) await new Promise<void>((r) => setImmediate(r));
        created.push(createRequestId());
      }),
    );
    expect(new Set(created).size).toBe(500);
    expect(strictlyIncreasing(created)).toBe(true);
  });

  it('are globally unique across processes with no coordination', async () => {
    const runs = await Promise.all([1, 2, 3, 4].map(() => runFixture('ids.ts', ['5000'])));
    const all: string[] = [];
    for (const run of runs) {
      expect(run.code).toBe(0);
      const ids = run.stdout.trim().split('\n');
      expect(ids).toHaveLength(5000);
      expect(strictlyIncreasing(ids)).toBe(true);
      all.push(...ids);
    }
    expect(new Set(all).size).toBe(20_000);
    // Four processes, four node ids.
    expect(new Set(all.map((id) => id.slice(16))).size).toBe(4);
  });

  it('are unique across worker threads running at once', async () => {
    const file = new URL('./fixtures/ids-worker.ts', import.meta.url).href;
    // Node 20 does not run a .ts worker entry itself: register tsx in the thread, then import it.
    const code = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file)}); });`;
    const batches = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<string[]>((resolve, reject) => {
            const worker = new Worker(code, { eval: true, workerData: 5000 });
            worker.once('message', (ids: string[]) => {
              void worker.terminate();
              resolve(ids);
            });
            worker.once('error', reject);
          }),
      ),
    );
    const all = batches.flat();
    for (const ids of batches) expect(strictlyIncreasing(ids)).toBe(true);
    expect(new Set(all).size).toBe(20_000);
    expect(new Set(all.map((id) => id.slice(16))).size).toBe(4);
  });

  it('reject a bad node id with a stable code', () => {
    expect(() => createRequestIdGenerator({ node: 'xyz' })).toThrow(LoggingError);
    try {
      createRequestIdGenerator({ node: 'XYZ' });
    } catch (error) {
      expect((error as LoggingError).code).toBe('LOG_BAD_REQUEST_ID');
    }
  });

  it('hash to 8 upper-case hex characters like REQUEST_ID_HASH', () => {
    const id = createRequestId();
    expect(requestIdHash(id)).toMatch(/^[0-9A-F]{8}$/);
    expect(requestIdHash(id)).toBe(requestIdHash(id));
  });
});
