import { afterEach, describe, expect, it } from 'vitest';
import { PENDING_TIMEOUT_BODY } from '../src/index.js';
import { closeAll, fixture, quietScheduler, request, sleep } from './helpers.js';

afterEach(closeAll);

describe('max_concurrent_requests', () => {
  it.each([
    ['worker', { kind: 'worker' as const, module: fixture('app.mjs') }],
    ['process', { kind: 'process' as const, root: fixture('bare') }],
  ])('%s: one instance never runs more than the limit at once', async (_kind, options) => {
    const { scheduler } = quietScheduler({
      ...options,
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 2,
    });
    await scheduler.start();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => request(scheduler, '/slow?ms=60')),
    );
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const stats = JSON.parse((await request(scheduler, '/stats')).text) as { maxActive: number };
    expect(stats.maxActive).toBe(2);
  });

  it('threadsafe: false means one request at a time', async () => {
    const { scheduler } = quietScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      config: { threadsafe: false, manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    expect(scheduler.instances()[0]?.maxConcurrentRequests).toBe(1);
    await Promise.all(Array.from({ length: 3 }, () => request(scheduler, '/slow?ms=30')));
    const stats = JSON.parse((await request(scheduler, '/stats')).text) as { maxActive: number };
    expect(stats.maxActive).toBe(1);
  });

  it('reports in-flight counts and the busy state while serving', async () => {
    const { scheduler } = quietScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 2,
    });
    await scheduler.start();
    const running = Array.from({ length: 3 }, () => request(scheduler, '/slow?ms=200'));
    await sleep(50);
    expect(scheduler.instances()[0]).toMatchObject({ state: 'busy', inFlight: 2 });
    expect(scheduler.pending).toBe(1);
    await Promise.all(running);
    expect(scheduler.instances()[0]).toMatchObject({
      state: 'ready',
      inFlight: 0,
      requestsServed: 3,
    });
    expect(scheduler.pending).toBe(0);
  });
});

describe('the pending queue', () => {
  it('serves waiting requests in arrival order', async () => {
    const { scheduler } = quietScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 1,
    });
    await scheduler.start();
    const tags = ['a', 'b', 'c', 'd', 'e'];
    const results = await Promise.all(
      tags.map((tag) => request(scheduler, `/slow?ms=20&tag=${tag}`)),
    );
    expect(results.map((r) => r.text)).toEqual(tags.map((tag) => `slow ${tag}`));
    const stats = JSON.parse((await request(scheduler, '/stats')).text) as { order: string[] };
    expect(stats.order).toEqual(tags);
    // The first went straight to the instance; each later one waited behind the one before
    // (20 ms each), so the waits grow in arrival order. (Not `toBe(0)`: the clock may tick
    // over between enqueueing and starting on a loaded machine.)
    const waits = results.map((r) => r.pendingMs);
    for (let i = 1; i < waits.length; i++) {
      expect(waits[i]).toBeGreaterThan(waits[i - 1] ?? 0);
    }
  });

  it('process: answers 503 with App Engine’s body after the pending timeout', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'process',
      root: fixture('bare'),
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 1,
      pendingTimeoutMs: 200,
    });
    await scheduler.start();
    const slow = request(scheduler, '/slow?ms=1500', { requestId: 'slow' });
    const timedOut = await request(scheduler, '/', { requestId: 'waiting' });
    expect(timedOut.response.status).toBe(503);
    expect(timedOut.text).toBe(PENDING_TIMEOUT_BODY);
    expect(timedOut.outcome).toBe('pending-timeout');
    expect((await slow).response.status).toBe(200);
    expect(events.filter((e) => e.type === 'pending-timeout')).toEqual([
      { type: 'pending-timeout', requestId: 'waiting', waitedMs: expect.any(Number) },
    ]);
    // The process never saw the request that timed out.
    expect((await request(scheduler, '/')).text).toMatch(/^hello 1 from \d+$/);
  });

  it('answers 503 with App Engine’s body after the pending timeout, and serves the rest', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 1,
      pendingTimeoutMs: 100,
    });
    await scheduler.start();
    const slow = request(scheduler, '/slow?ms=400', { requestId: 'slow' });
    const waiting = request(scheduler, '/', { requestId: 'waiting' });
    const timedOut = await waiting;
    expect(timedOut.response.status).toBe(503);
    expect(timedOut.text).toBe(PENDING_TIMEOUT_BODY);
    expect(timedOut.outcome).toBe('pending-timeout');
    expect(timedOut.instanceId).toBeUndefined();
    expect((await slow).response.status).toBe(200);
    expect(events.filter((e) => e.type === 'pending-timeout')).toEqual([
      { type: 'pending-timeout', requestId: 'waiting', waitedMs: expect.any(Number) },
    ]);
    expect((await request(scheduler, '/')).text).toBe('hello 1');
    expect(scheduler.pending).toBe(0);
  });
});
