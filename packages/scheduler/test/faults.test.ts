import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createDeadline,
  DEADLINE_EXCEEDED_MESSAGE,
  DeadlineExceededError as LimitsDeadlineExceededError,
} from '@gaekit/limits';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEADLINE_MESSAGE,
  DeadlineExceededError,
  type SchedulerEvent,
  SERVER_ERROR_BODY,
  timerDeadline,
  UNAVAILABLE_BODY,
} from '../src/index.js';
import {
  alive,
  closeAll,
  eventually,
  fixture,
  groupMembers,
  quietScheduler,
  request,
  sleep,
} from './helpers.js';

afterEach(closeAll);

const worker = { kind: 'worker' as const, module: fixture('app.mjs') };
const inline = { kind: 'inline' as const, module: fixture('app.mjs') };
const bare = { kind: 'process' as const, root: fixture('bare') };
const stopped = (events: SchedulerEvent[]) =>
  events.filter(
    (e): e is Extract<SchedulerEvent, { type: 'instance-stopped' }> =>
      e.type === 'instance-stopped',
  );

describe('crashes', () => {
  it('a worker dying of one request’s unhandled rejection still sends answers it already made', async () => {
    const { scheduler } = quietScheduler({
      ...worker,
      config: { manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    // Both arrive in one batch: `/` is answered in the same turn that `/reject` kills the worker.
    const [answered, crashed] = await Promise.all([
      request(scheduler, '/', { requestId: 'ok' }),
      request(scheduler, '/reject', { requestId: 'boom' }),
    ]);
    expect(answered.response.status).toBe(200);
    expect(answered.text).toMatch(/^hello 1/);
    expect(answered.outcome).toBe('ok');
    expect(crashed.response.status).toBe(500);
    expect(crashed.outcome).toBe('crash');
  });

  it.each([
    ['worker, uncaught exception', worker, '/crash'],
    ['worker, unhandled rejection', worker, '/reject'],
    ['worker, process.exit', worker, '/exit'],
    ['process, uncaught exception', bare, '/crash'],
    ['process, unhandled rejection', bare, '/reject'],
  ])(
    '%s: every in-flight request gets one 500, a fresh instance serves the next',
    async (_name, options, path) => {
      const { scheduler, events } = quietScheduler({
        ...options,
        config: { manualScaling: { instances: 1 } },
      });
      await scheduler.start();
      const [before] = scheduler.instances();
      const bystanders = [
        request(scheduler, '/slow?ms=5000', { requestId: 'r1' }),
        request(scheduler, '/hang', { requestId: 'r2' }),
      ];
      await sleep(50);
      const crashed = await request(scheduler, path, { requestId: 'r3' });
      const others = await Promise.all(bystanders);
      for (const result of [crashed, ...others]) {
        expect(result.response.status).toBe(500);
        expect(result.text).toBe(SERVER_ERROR_BODY);
        expect(result.outcome).toBe('crash');
        expect(result.instanceId).toBe(before?.id);
      }
      const [event] = stopped(events);
      expect(event).toMatchObject({ reason: 'crash', instanceId: before?.id });
      expect(event?.requestIds.sort()).toEqual(['r1', 'r2', 'r3']);
      expect(event?.error).toBeInstanceOf(Error);
      const next = await request(scheduler, '/');
      expect(next.response.status).toBe(200);
      expect(next.text).toMatch(/^hello 1/);
      expect(next.instanceId).not.toBe(before?.id);
      expect(next.loadingRequest).toBe(true);
      if (before?.pid) expect(alive(before.pid)).toBe(false);
    },
  );

  it.each([
    ['inline', inline],
    ['worker', worker],
  ])('%s: a handler that throws gets a 500 and the instance lives on', async (_kind, options) => {
    const { scheduler, events } = quietScheduler(options);
    const first = await request(scheduler, '/');
    const failed = await request(scheduler, '/throw', { requestId: 'bad' });
    expect(failed.response.status).toBe(500);
    expect(failed.outcome).toBe('app-error');
    expect(events.find((e) => e.type === 'app-error')).toMatchObject({
      requestId: 'bad',
      error: { message: 'handler failed' },
    });
    const after = await request(scheduler, '/');
    expect(after.text).toBe('hello 2');
    expect(after.instanceId).toBe(first.instanceId);
  });

  it('an app that cannot load never takes requests; they get the pending-timeout 503', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'worker',
      module: fixture('broken.mjs'),
      pendingTimeoutMs: 300,
      restartDelayMs: 100,
    });
    const result = await request(scheduler, '/');
    expect(result.response.status).toBe(503);
    expect(result.outcome).toBe('pending-timeout');
    // A slow machine may take longer than the pending timeout to find the module broken.
    await expect.poll(() => stopped(events).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(stopped(events)[0]).toMatchObject({
      reason: 'start-failed',
      error: { message: 'this module fails to load' },
    });
  });

  it('a process that exits before listening is a failed start, not a hang', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'process',
      root: fixture('bare'),
      entrypoint: 'node -e "process.exit(2)"',
      pendingTimeoutMs: 300,
      restartDelayMs: 1000,
    });
    const result = await request(scheduler, '/');
    expect(result.response.status).toBe(503);
    // On a loaded machine node may take longer than the pending timeout to start and exit.
    await eventually(() => stopped(events).length > 0);
    expect(stopped(events)[0]).toMatchObject({ reason: 'start-failed' });
    expect(stopped(events)[0]?.error?.message).toMatch(/exited with code 2 before listening/);
  });
});

describe('deadlines', () => {
  const fast = { requestTimeoutMs: 150, graceMs: 100 };

  it.each([
    ['worker, handler ignores the signal', worker, '/hang'],
    ['worker, handler blocks the thread', worker, '/spin'],
    ['process, handler never answers', bare, '/hang'],
  ])(
    '%s: 500 after the grace period, the instance is replaced, others keep serving',
    async (_name, options, path) => {
      const { scheduler, events } = quietScheduler({
        ...options,
        ...fast,
        config: { manualScaling: { instances: 2 } },
        maxConcurrentRequests: 1,
      });
      await scheduler.start();
      const [a, b] = scheduler.instances();
      // b serves a short request while a passes its deadline: b must not notice.
      const onB = request(scheduler, '/slow?ms=50', { instance: b?.id, requestId: 'fine' });
      const late = await request(scheduler, path, { instance: a?.id, requestId: 'late' });
      expect(late.response.status).toBe(500);
      expect(late.text).toBe(SERVER_ERROR_BODY);
      expect(late.outcome).toBe('deadline');
      expect(late.instanceId).toBe(a?.id);
      expect((await onB).response.status).toBe(200);
      expect(events.find((e) => e.type === 'deadline')).toMatchObject({
        instanceId: a?.id,
        requestId: 'late',
      });
      expect(stopped(events)).toEqual([
        expect.objectContaining({ instanceId: a?.id, reason: 'deadline' }),
      ]);
      await scheduler.start();
      await eventually(() => scheduler.instances().length === 2);
      const ids = scheduler.instances().map((instance) => instance.id);
      expect(ids).toHaveLength(2);
      expect(ids).toContain(b?.id);
      expect(ids).not.toContain(a?.id);
      const next = await request(scheduler, '/');
      expect(next.response.status).toBe(200);
      expect(next.instanceId).not.toBe(a?.id);
      if (a?.pid) expect(alive(a.pid)).toBe(false);
    },
  );

  it.each([
    ['inline, the error rejected as is', inline, '/escape'],
    ['worker, the error rejected as is', worker, '/escape'],
    ['inline, an AbortError caused by it (timers/promises)', inline, '/escape-timer'],
    ['worker, an AbortError caused by it (timers/promises)', worker, '/escape-timer'],
  ])(
    '%s: a handler that lets DeadlineExceededError escape gets the 500 and its instance is ended',
    async (_name, options, path) => {
      const { scheduler, events } = quietScheduler({
        ...options,
        requestTimeoutMs: 100,
        graceMs: 5000,
        config: { manualScaling: { instances: 1 } },
      });
      await scheduler.start();
      const [before] = scheduler.instances();
      const bystander = request(scheduler, '/hang', { requestId: 'bystander' });
      const late = await request(scheduler, path, { requestId: 'late' });
      expect(late.response.status).toBe(500);
      expect(late.text).toBe(SERVER_ERROR_BODY);
      expect(late.outcome).toBe('deadline');
      expect(late.instanceId).toBe(before?.id);
      // Long before the 5 s grace period ends: the escaped error ends the instance at once,
      // and the request still running on it dies with it (spec §9.1).
      const other = await bystander;
      expect(other.response.status).toBe(500);
      expect(other.outcome).toBe('crash');
      expect(events.find((e) => e.type === 'deadline')).toMatchObject({ requestId: 'late' });
      expect(stopped(events)).toEqual([
        expect.objectContaining({
          instanceId: before?.id,
          reason: 'deadline',
          requestIds: ['bystander'],
        }),
      ]);
      const next = await request(scheduler, '/');
      expect(next.response.status).toBe(200);
      expect(next.text).toBe('hello 1');
      expect(next.instanceId).not.toBe(before?.id);
      expect(next.loadingRequest).toBe(true);
    },
  );

  it('process: the app sees its connection closed at the deadline; the instance ends after the grace period', async () => {
    const { scheduler, events } = quietScheduler({
      ...bare,
      output: 'events',
      requestTimeoutMs: 150,
      graceMs: 1500,
      config: { manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    const [before] = scheduler.instances();
    const late = await request(scheduler, '/hang-watch', { requestId: 'late' });
    expect(late.response.status).toBe(500);
    expect(late.outcome).toBe('deadline');
    const closed = events.findIndex(
      (e) => e.type === 'app-output' && e.line === 'connection closed /hang-watch',
    );
    const ended = events.findIndex((e) => e.type === 'instance-stopped');
    // The app heard of it first (it could still log), then the instance was killed.
    expect(closed).toBeGreaterThan(-1);
    expect(ended).toBeGreaterThan(closed);
    expect(events[ended]).toMatchObject({ instanceId: before?.id, reason: 'deadline' });
    const next = await request(scheduler, '/');
    expect(next.text).toMatch(/^hello 1 from \d+$/);
    expect(next.instanceId).not.toBe(before?.id);
    if (before?.pid) expect(alive(before.pid)).toBe(false);
  });

  it('a handler that throws another error after the deadline is an app error; the instance lives', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'inline',
      handler: (req: Request) =>
        new URL(req.url).pathname === '/'
          ? new Response('home')
          : new Promise<Response>((_resolve, reject) => {
              req.signal.addEventListener('abort', () => reject(new TypeError('my own error')));
            }),
      requestTimeoutMs: 100,
      graceMs: 5000,
    });
    const failed = await request(scheduler, '/other');
    expect(failed.response.status).toBe(500);
    expect(failed.outcome).toBe('app-error');
    expect(stopped(events)).toEqual([]);
    expect((await request(scheduler, '/')).instanceId).toBe(failed.instanceId);
  });

  it.each([
    ['inline', inline],
    ['worker', worker],
  ])(
    '%s: the signal aborts with DeadlineExceededError and an answer within the grace period is sent',
    async (_kind, options) => {
      const { scheduler, events } = quietScheduler({
        ...options,
        requestTimeoutMs: 100,
        graceMs: 2000,
      });
      const result = await request(scheduler, '/polite');
      expect(result.response.status).toBe(503);
      expect(result.text).toBe('handled DeadlineExceededError');
      expect(result.outcome).toBe('ok');
      expect(stopped(events)).toEqual([]);
      const next = await request(scheduler, '/');
      expect(next.instanceId).toBe(result.instanceId);
    },
  );

  it('inline: a handler that never answers gets the 500 and a fresh instance follows', async () => {
    const { scheduler } = quietScheduler({ ...inline, ...fast });
    const late = await request(scheduler, '/hang');
    expect(late.outcome).toBe('deadline');
    const next = await request(scheduler, '/');
    expect(next.text).toBe('hello 1');
    expect(next.instanceId).not.toBe(late.instanceId);
  });

  it.each([
    ['inline', 'inline' as const],
    ['worker', 'worker' as const],
  ])(
    '%s: an app that imports @gaekit/limits gets a reason that is instanceof its DeadlineExceededError',
    async (_name, kind) => {
      const { scheduler } = quietScheduler({
        kind,
        module: fixture('limits-app/app.js'),
        requestTimeoutMs: 100,
        graceMs: 5000,
      });
      const result = await request(scheduler, '/');
      expect(result.outcome).toBe('ok');
      const expected = new DeadlineExceededError();
      expect(JSON.parse(result.text)).toEqual({
        instanceOf: true,
        name: 'DeadlineExceededError',
        message: DEADLINE_EXCEEDED_MESSAGE,
        code: 'deadline/exceeded',
        hint: expected.hint,
      });
    },
  );

  it('worker: an app that cannot import @gaekit/limits gets a look-alike with the same name, message, code and hint', async () => {
    // Outside this repository, where @gaekit/limits does not resolve.
    const dir = mkdtempSync(join(tmpdir(), 'gaekit-scheduler-'));
    try {
      writeFileSync(
        join(dir, 'app.mjs'),
        `export default (request) => new Promise((resolve) => request.signal.addEventListener('abort', () => {
          const r = request.signal.reason;
          resolve(Response.json({ isError: r instanceof Error, name: r.name, message: r.message, code: r.code, hint: r.hint }));
        }));`,
      );
      const { scheduler } = quietScheduler({
        kind: 'worker',
        module: join(dir, 'app.mjs'),
        requestTimeoutMs: 100,
        graceMs: 5000,
      });
      const result = await request(scheduler, '/');
      const expected = new DeadlineExceededError();
      expect(JSON.parse(result.text)).toEqual({
        isError: true,
        name: expected.name,
        message: expected.message,
        code: expected.code,
        hint: expected.hint,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the default deadline is @gaekit/limits’ createDeadline; the old names still work', () => {
    expect(timerDeadline).toBe(createDeadline);
    expect(DeadlineExceededError).toBe(LimitsDeadlineExceededError);
    expect(DEADLINE_MESSAGE).toBe(DEADLINE_EXCEEDED_MESSAGE);
  });

  it('uses an injected deadline instead of createDeadline', async () => {
    const timings: unknown[] = [];
    const { scheduler } = quietScheduler({
      ...inline,
      requestTimeoutMs: 1234,
      graceMs: 56,
      deadline: (timing) => {
        timings.push(timing);
        const controller = new AbortController();
        let expire = () => {};
        setTimeout(() => controller.abort(new Error('injected')), 10);
        setTimeout(() => expire(), 20);
        return {
          signal: controller.signal,
          onHardExpiry: (fn) => {
            expire = fn;
          },
          dispose: () => {},
        };
      },
    });
    const result = await request(scheduler, '/hang');
    expect(result.outcome).toBe('deadline');
    expect(timings).toEqual([{ timeoutMs: 1234, graceMs: 56 }]);
  });
});

describe('a script that only awaits its answer', () => {
  /**
   * Runs a script that makes an inline scheduler with `options` (source text, a handler
   * that never answers), awaits one dispatch and prints its status and outcome.
   */
  const awaitInScript = (options: string, prelude = '') => {
    const dir = mkdtempSync(join(tmpdir(), 'gaekit-awaited-'));
    const file = join(dir, 'script.mjs');
    const index = new URL('../src/index.ts', import.meta.url).href;
    writeFileSync(
      file,
      `import { createScheduler } from ${JSON.stringify(index)};
${prelude}
const scheduler = createScheduler({ kind: 'inline', handler: () => new Promise(() => {}), output: 'ignore', ${options} });
const result = await scheduler.dispatch({ method: 'GET', url: '/', headers: [['host', 'x']], body: new Uint8Array(0) });
console.log('status', result.response.status, result.outcome);
`,
    );
    try {
      return spawnSync(process.execPath, ['--import', 'tsx', file], {
        cwd: fileURLToPath(new URL('..', import.meta.url)),
        encoding: 'utf8',
        timeout: 30_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('gets the deadline 500 from an inline handler that never answers, then exits by itself', () => {
    // Deadline timers are unref'd: something must keep the loop alive while an answer is
    // awaited, or Node ends the script with the request unanswered (exit 13).
    const run = awaitInScript('requestTimeoutMs: 100, graceMs: 50');
    expect(run.stdout, run.stderr).toContain('status 500 deadline');
    expect(run.status).toBe(0);
  });

  it('exits by itself when a deadline has passed before the handler is even called', () => {
    // A custom deadline factory whose deadline is over at once: the request is answered
    // inside #run, and must not be counted as awaited afterwards (the loop would stay up).
    const run = awaitInScript(
      'deadline: over',
      `const over = () => ({
  signal: AbortSignal.abort(), timeoutMs: 0, graceMs: 0, expired: true, hardExpired: true,
  remainingMs: () => 0, onDeadline: (listener) => listener(), onHardExpiry: (listener) => listener(),
  dispose: () => {},
});`,
    );
    expect(run.stdout, run.stderr).toContain('status 500 deadline');
    expect(run.status).toBe(0);
  });
});

describe('memory limits', () => {
  it.each([
    ['worker', worker],
    ['process', bare],
  ])('%s: an instance over its limit is ended with the crash recovery', async (_kind, options) => {
    const { scheduler, events } = quietScheduler({ ...options, memoryLimitMb: 48 });
    const result = await request(scheduler, '/memory', { requestId: 'hungry' });
    expect(result.response.status).toBe(500);
    expect(result.outcome).toBe('crash');
    expect(stopped(events)[0]).toMatchObject({ reason: 'memory', requestIds: ['hungry'] });
    const next = await request(scheduler, '/');
    expect(next.response.status).toBe(200);
    expect(next.instanceId).not.toBe(result.instanceId);
  });
});

describe('shutdown', () => {
  it('SIGTERM first, SIGKILL after the grace period for an app that ignores SIGTERM', async () => {
    const { scheduler, events } = quietScheduler({
      ...bare,
      config: { envVariables: { IGNORE_SIGTERM: '1' } },
      shutdownGraceMs: 200,
    });
    await request(scheduler, '/');
    const [instance] = scheduler.instances();
    const pid = instance?.pid as number;
    expect(alive(pid)).toBe(true);
    await scheduler.close();
    expect(alive(pid)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
    expect(stopped(events)).toEqual([
      expect.objectContaining({ reason: 'shutdown', requestIds: [] }),
    ]);
  });

  it('requests in flight finish; queued ones get 503; later ones get 503', async () => {
    const { scheduler } = quietScheduler({
      ...worker,
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 1,
    });
    await scheduler.start();
    const running = request(scheduler, '/slow?ms=150');
    const queued = request(scheduler, '/');
    await sleep(30);
    const closing = scheduler.close();
    const late = await request(scheduler, '/');
    expect((await queued).response.status).toBe(503);
    expect((await queued).text).toBe(UNAVAILABLE_BODY);
    expect(late.response.status).toBe(503);
    expect((await running).response.status).toBe(200);
    await closing;
  });
});
