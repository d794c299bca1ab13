import { afterEach, describe, expect, it } from 'vitest';
import { type SchedulerEvent, UNAVAILABLE_BODY } from '../src/index.js';
import { closeAll, eventually, fixture, header, quietScheduler, request } from './helpers.js';

afterEach(closeAll);

const worker = { kind: 'worker' as const, module: fixture('app.mjs') };
const of = <T extends SchedulerEvent['type']>(events: SchedulerEvent[], type: T) =>
  events.filter((e): e is Extract<SchedulerEvent, { type: T }> => e.type === type);

describe('automatic scaling', () => {
  it('starts instances under load, up to max_instances', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      config: { automaticScaling: { maxInstances: 3, minPendingLatency: '0ms' } },
    });
    // Requests long enough that the other workers finish loading while the first is busy.
    const results = await Promise.all(
      Array.from({ length: 6 }, () => request(scheduler, '/slow?ms=800')),
    );
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(of(events, 'instance-starting')).toHaveLength(3);
    expect(scheduler.instances()).toHaveLength(3);
    // Once all three are up, three concurrent requests (one each at most) use all three.
    await eventually(() => scheduler.instances().every((i) => i.state === 'ready'));
    const wave = await Promise.all(
      Array.from({ length: 3 }, () => request(scheduler, '/slow?ms=300')),
    );
    expect(new Set(wave.map((r) => r.instanceId)).size).toBe(3);
  });

  it('starts an instance ahead of need at target_throughput_utilization', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 4,
      config: {
        automaticScaling: { minInstances: 1, targetThroughputUtilization: 0.5, maxInstances: 2 },
      },
    });
    await scheduler.start();
    await Promise.all(Array.from({ length: 2 }, () => request(scheduler, '/slow?ms=200')));
    expect(of(events, 'instance-starting').map((e) => e.reason)).toEqual([
      'min-instances',
      'throughput',
    ]);
  });

  it('a queued request younger than min_pending_latency starts no instance', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      pendingTimeoutMs: 200,
      config: {
        automaticScaling: {
          minInstances: 1,
          minPendingLatency: '10s',
          targetThroughputUtilization: 0.95,
          maxInstances: 1,
        },
      },
    });
    await scheduler.start();
    const [slow, queued] = await Promise.all([
      request(scheduler, '/slow?ms=400'),
      request(scheduler, '/'),
    ]);
    expect(slow.response.status).toBe(200);
    expect(queued.outcome).toBe('pending-timeout');
    expect(of(events, 'instance-starting')).toHaveLength(1);
  });

  it('max_pending_latency: a queued request waits for a running instance until then, and then starts one', async () => {
    const run = async (maxPendingLatency: string) => {
      const { scheduler, events } = quietScheduler({
        ...worker,
        maxConcurrentRequests: 1,
        config: {
          automaticScaling: {
            minInstances: 1,
            maxInstances: 4,
            minPendingLatency: '0ms',
            maxPendingLatency,
          },
        },
      });
      await scheduler.start();
      const results = await Promise.all(
        Array.from({ length: 4 }, () => request(scheduler, '/slow?ms=600')),
      );
      expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 200]);
      return of(events, 'instance-starting').map((e) => e.reason);
    };
    // 10 s: the queue waits for the two instances it has (the one min_instances keeps and
    // the one target_throughput_utilization started ahead of need).
    const patient = await run('10s');
    expect(patient[0]).toBe('min-instances');
    expect(patient.slice(1).every((reason) => reason === 'throughput')).toBe(true);
    // 50 ms: requests still queued then start instances of their own.
    expect(await run('50ms')).toContain('max-pending-latency');
  });

  it('max_idle_instances: idle instances above it are retired even before the idle timeout', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      idleTimeoutMs: 60 * 60 * 1000,
      scaleDownIntervalMs: 20,
      config: {
        automaticScaling: {
          maxInstances: 3,
          maxIdleInstances: 1,
          minPendingLatency: '0ms',
          maxPendingLatency: '0ms',
        },
      },
    });
    await Promise.all(Array.from({ length: 3 }, () => request(scheduler, '/slow?ms=300')));
    expect(of(events, 'instance-starting').length).toBeGreaterThan(1);
    await expect.poll(() => scheduler.instances().length, { timeout: 10_000 }).toBe(1);
    expect(of(events, 'instance-stopped').every((e) => e.reason === 'idle')).toBe(true);
    expect((await request(scheduler, '/')).response.status).toBe(200);
  });

  it('without max_idle_instances, idle instances wait for the idle timeout', async () => {
    const { scheduler } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      idleTimeoutMs: 60 * 60 * 1000,
      scaleDownIntervalMs: 20,
      config: {
        automaticScaling: { maxInstances: 3, minPendingLatency: '0ms', maxPendingLatency: '0ms' },
      },
    });
    await Promise.all(Array.from({ length: 3 }, () => request(scheduler, '/slow?ms=300')));
    const count = scheduler.instances().length;
    expect(count).toBeGreaterThan(1);
    // Many scale-down ticks (20 ms interval) later, none was retired.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(scheduler.instances()).toHaveLength(count);
  });

  it('process instances: starts child processes under load, up to max_instances', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'process',
      root: fixture('bare'),
      maxConcurrentRequests: 1,
      config: { automaticScaling: { maxInstances: 3, minPendingLatency: '0ms' } },
    });
    const results = await Promise.all(
      Array.from({ length: 6 }, () => request(scheduler, '/slow?ms=1000')),
    );
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(of(events, 'instance-starting')).toHaveLength(3);
    const instances = scheduler.instances();
    expect(instances).toHaveLength(3);
    const pids = new Set(instances.map((i) => i.pid));
    expect(pids.size).toBe(3);
    expect(new Set(results.map((r) => r.instanceId)).size).toBeGreaterThan(1);
  });

  it('keeps min_idle_instances idle besides the busy ones', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      config: {
        automaticScaling: {
          minIdleInstances: 1,
          targetThroughputUtilization: 0.95,
          maxInstances: 3,
        },
      },
    });
    await scheduler.start();
    expect(scheduler.instances()).toHaveLength(1);
    await request(scheduler, '/slow?ms=100');
    expect(of(events, 'instance-starting').map((e) => e.reason)).toEqual(['min-idle', 'min-idle']);
  });

  it('retires idle instances, one per interval, down to min_instances', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      idleTimeoutMs: 50,
      scaleDownIntervalMs: 20,
      config: { automaticScaling: { minInstances: 1, maxInstances: 3, minPendingLatency: '0ms' } },
    });
    await scheduler.start();
    await Promise.all(Array.from({ length: 3 }, () => request(scheduler, '/slow?ms=100')));
    expect(of(events, 'instance-starting').length).toBeGreaterThan(1);
    await expect.poll(() => scheduler.instances().length, { timeout: 5000 }).toBe(1);
    const retired = of(events, 'instance-stopped');
    expect(retired.every((e) => e.reason === 'idle')).toBe(true);
    // Automatic instances get no /_ah/stop.
    expect(of(events, 'start-handler')).toEqual([]);
    expect((await request(scheduler, '/')).response.status).toBe(200);
  });

  it('scales to zero when min_instances is 0', async () => {
    const { scheduler } = quietScheduler({ ...worker, idleTimeoutMs: 30, scaleDownIntervalMs: 10 });
    await request(scheduler, '/');
    await expect.poll(() => scheduler.instances().length, { timeout: 5000 }).toBe(0);
    expect((await request(scheduler, '/')).text).toBe('hello 1');
  });

  it('sends /_ah/warmup to each new instance when inbound_services has warmup', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      config: { inboundServices: ['warmup'], automaticScaling: { minInstances: 2 } },
    });
    await scheduler.start();
    expect(of(events, 'warmup').map((e) => e.status)).toEqual([200, 200]);
    const stats = JSON.parse((await request(scheduler, '/stats')).text) as {
      warmups: number;
      count: number;
    };
    expect(stats.warmups).toBe(1);
    expect(of(events, 'start-handler')).toEqual([]);
  });

  it('sends no warmup without the inbound service, and ignores instance addresses', async () => {
    const { scheduler, events } = quietScheduler(worker);
    const result = await request(scheduler, '/', { instance: 'no-such-instance' });
    expect(result.response.status).toBe(200);
    expect(of(events, 'warmup')).toEqual([]);
  });
});

describe('basic scaling', () => {
  it('starts instances on demand with /_ah/start, retires them after idle_timeout with /_ah/stop', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      idleTimeoutMs: 100,
      config: { basicScaling: { maxInstances: 2 } },
    });
    await scheduler.start();
    expect(scheduler.instances()).toEqual([]);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => request(scheduler, '/slow?ms=100')),
    );
    expect(results.every((r) => r.response.status === 200)).toBe(true);
    expect(of(events, 'instance-starting').map((e) => e.reason)).toEqual(['demand', 'demand']);
    const starts = of(events, 'start-handler').filter((e) => e.path === '/_ah/start');
    expect(starts.map((e) => e.status)).toEqual([200, 200]);
    // /_ah/start came before each instance's first request.
    const ready = of(events, 'instance-ready').map((e) => e.instanceId);
    expect(starts.map((e) => e.instanceId).sort()).toEqual([...ready].sort());
    await expect.poll(() => scheduler.instances().length, { timeout: 5000 }).toBe(0);
    const stops = of(events, 'start-handler').filter((e) => e.path === '/_ah/stop');
    expect(stops.map((e) => e.status)).toEqual([200, 200]);
    expect(of(events, 'instance-stopped').map((e) => e.reason)).toEqual(['idle', 'idle']);
  });

  it('the request timeout is 24 hours, not 10 minutes', async () => {
    const timings: Array<{ timeoutMs: number }> = [];
    const { scheduler } = quietScheduler({
      kind: 'inline',
      handler: () => new Response('ok'),
      config: { basicScaling: { maxInstances: 1 } },
      deadline: (timing) => {
        timings.push(timing);
        return { signal: new AbortController().signal, onHardExpiry: () => {}, dispose: () => {} };
      },
    });
    await request(scheduler, '/');
    expect(timings.map((t) => t.timeoutMs)).toContain(24 * 60 * 60 * 1000);
  });
});

describe('manual scaling', () => {
  it.each([
    ['worker', worker],
    ['process', { kind: 'process' as const, root: fixture('bare') }],
  ])(
    '%s: N instances at start, each gets /_ah/start first and /_ah/stop at shutdown',
    async (_kind, options) => {
      const { scheduler, events } = quietScheduler({
        ...options,
        config: { manualScaling: { instances: 2 } },
      });
      await scheduler.start();
      const instances = scheduler.instances();
      expect(instances.map((i) => i.state)).toEqual(['ready', 'ready']);
      for (const instance of instances) {
        const stats = JSON.parse(
          (await request(scheduler, '/stats', { instance: instance.id })).text,
        ) as {
          starts: number;
          stops: number;
        };
        expect(stats).toMatchObject({ starts: 1, stops: 0 });
      }
      await scheduler.close();
      const handlers = of(events, 'start-handler');
      expect(handlers.filter((e) => e.path === '/_ah/start').map((e) => e.status)).toEqual([
        200, 200,
      ]);
      expect(handlers.filter((e) => e.path === '/_ah/stop').map((e) => e.status)).toEqual([
        200, 200,
      ]);
      expect(of(events, 'instance-stopped').map((e) => e.reason)).toEqual(['shutdown', 'shutdown']);
    },
  );

  it('an instance whose /_ah/start fails takes no traffic and is restarted', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'worker',
      module: fixture('fail-start.mjs'),
      config: { manualScaling: { instances: 1 } },
      restartDelayMs: 50,
      pendingTimeoutMs: 400,
    });
    const result = await request(scheduler, '/');
    expect(result.response.status).toBe(503);
    expect(result.outcome).toBe('pending-timeout');
    await expect
      .poll(() => of(events, 'instance-stopped').length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(2);
    const stops = of(events, 'instance-stopped');
    expect(stops.every((e) => e.reason === 'start-handler-failed')).toBe(true);
    expect(of(events, 'instance-ready')).toEqual([]);
  });

  it('a 404 from /_ah/start counts as started', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'inline',
      handler: (req: Request) =>
        new URL(req.url).pathname === '/'
          ? new Response('home')
          : new Response('no', { status: 404 }),
      config: { manualScaling: { instances: 1 } },
    });
    expect((await request(scheduler, '/')).text).toBe('home');
    expect(of(events, 'start-handler')[0]?.status).toBe(404);
  });
});

describe('instance addressing', () => {
  it('a request addressed to an instance runs there', async () => {
    const { scheduler } = quietScheduler({
      ...worker,
      config: { manualScaling: { instances: 2 } },
    });
    await scheduler.start();
    const [a, b] = scheduler.instances();
    const results = await Promise.all([
      request(scheduler, '/', { instance: a?.id }),
      request(scheduler, '/', { instance: b?.id }),
      request(scheduler, '/', { instance: a?.id }),
    ]);
    expect(results.map((r) => r.instanceId)).toEqual([a?.id, b?.id, a?.id]);
    expect(results.map((r) => header(r, 'x-instance'))).toEqual([a?.id, b?.id, a?.id]);
    expect(results.map((r) => r.text)).toEqual(['hello 1', 'hello 1', 'hello 2']);
  });

  it('an instance that is full gets 503 at once, while another instance has room', async () => {
    const { scheduler, events } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      config: { manualScaling: { instances: 2 } },
    });
    await scheduler.start();
    const [a, b] = scheduler.instances();
    const busy = request(scheduler, '/slow?ms=2000', { instance: a?.id });
    await expect.poll(() => scheduler.instances()[0]?.inFlight).toBe(1);
    const refused = await request(scheduler, '/', { instance: a?.id, requestId: 'to-a' });
    expect(refused.response.status).toBe(503);
    expect(refused.text).toBe(UNAVAILABLE_BODY);
    expect(refused.outcome).toBe('unavailable');
    expect(refused.instanceId).toBeUndefined();
    // It was answered while a still ran the slow request, and was never queued.
    expect(scheduler.instances()[0]).toMatchObject({ id: a?.id, inFlight: 1 });
    expect(scheduler.pending).toBe(0);
    expect((await request(scheduler, '/', { instance: b?.id })).instanceId).toBe(b?.id);
    expect((await busy).response.status).toBe(200);
    expect(of(events, 'pending-timeout')).toEqual([]);
  });

  it('an instance that is stopping gets 503 at once', async () => {
    let stopping: () => void = () => {};
    const stopCalled = new Promise<void>((resolve) => {
      stopping = resolve;
    });
    const { scheduler } = quietScheduler({
      kind: 'inline',
      idleTimeoutMs: 50,
      config: { basicScaling: { maxInstances: 1 } },
      // /_ah/stop takes a while, so the instance stays in `draining` long enough to address it.
      handler: async (req: Request) => {
        if (new URL(req.url).pathname === '/_ah/stop') {
          stopping();
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
        return new Response('ok');
      },
    });
    const first = await request(scheduler, '/');
    await stopCalled;
    expect(scheduler.instances()).toEqual([
      expect.objectContaining({ id: first.instanceId, state: 'draining' }),
    ]);
    const refused = await request(scheduler, '/', { instance: first.instanceId });
    expect(refused.response.status).toBe(503);
    expect(refused.text).toBe(UNAVAILABLE_BODY);
    expect(refused.outcome).toBe('unavailable');
  });

  it('an unknown instance gets 503 at once', async () => {
    const { scheduler } = quietScheduler({
      ...worker,
      config: { manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    const result = await request(scheduler, '/', { instance: `00${'0'.repeat(62)}` });
    expect(result.response.status).toBe(503);
    expect(result.text).toBe(UNAVAILABLE_BODY);
    expect(result.outcome).toBe('unavailable');
  });

  it('waitForAddressedInstance: a request for a full instance waits for it instead', async () => {
    const { scheduler } = quietScheduler({
      ...worker,
      maxConcurrentRequests: 1,
      waitForAddressedInstance: true,
      config: { manualScaling: { instances: 2 } },
    });
    await scheduler.start();
    const [a, b] = scheduler.instances();
    const results = await Promise.all([
      request(scheduler, '/slow?ms=100', { instance: a?.id }),
      request(scheduler, '/', { instance: a?.id }),
      request(scheduler, '/', { instance: b?.id }),
    ]);
    expect(results.map((r) => r.instanceId)).toEqual([a?.id, a?.id, b?.id]);
    expect(results.map((r) => r.response.status)).toEqual([200, 200, 200]);
    expect(results[1]?.pendingMs).toBeGreaterThan(0);
  });
});
