import { createDeadline } from '@gaekit/limits';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatchResult, RequestRecord } from '../src/index.js';
import { closeAll, quietScheduler } from './helpers.js';

afterEach(closeAll);

const get = (url: string): RequestRecord => ({
  method: 'GET',
  url,
  headers: [['host', 'localhost']],
  body: new Uint8Array(),
});

const text = (result: DispatchResult) => new TextDecoder().decode(result.response.body);

describe('dispatchNow', () => {
  it('answers in the same tick when an inline handler returns a Response', async () => {
    const { scheduler } = quietScheduler({
      kind: 'inline',
      handler: (request) =>
        new Response(`hello ${new URL(request.url).pathname}`, { headers: { 'x-app': 'yes' } }),
      config: { manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    const servedBefore = scheduler.instances()[0]?.requestsServed ?? 0;
    const answer = scheduler.dispatchNow(get('/now'), { requestId: 'r1' });
    expect(answer).not.toBeInstanceOf(Promise);
    const result = answer as DispatchResult;
    expect(result.outcome).toBe('ok');
    expect(text(result)).toBe('hello /now');
    expect(result.response.headers).toContainEqual(['x-app', 'yes']);
    expect(scheduler.instances()[0]).toMatchObject({
      state: 'ready',
      inFlight: 0,
      requestsServed: servedBefore + 1,
    });
  });

  it('gives a promise when the handler is async, with the same result as dispatch', async () => {
    const { scheduler } = quietScheduler({
      kind: 'inline',
      handler: async () => new Response('later'),
      config: { manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    const answer = scheduler.dispatchNow(get('/'));
    expect(answer).toBeInstanceOf(Promise);
    expect(text(await answer)).toBe('later');
    expect(text(await scheduler.dispatch(get('/')))).toBe('later');
  });

  it('a handler that throws at once gets the 500 in the same tick, and the instance serves on', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'inline',
      handler: (request) => {
        if (request.url.endsWith('/throw')) throw new Error('boom');
        return new Response('fine');
      },
      config: { manualScaling: { instances: 1 } },
    });
    await scheduler.start();
    const failed = scheduler.dispatchNow(get('/throw')) as DispatchResult;
    expect(failed.outcome).toBe('app-error');
    expect(failed.response.status).toBe(500);
    expect(events.some((e) => e.type === 'app-error')).toBe(true);
    expect(text(scheduler.dispatchNow(get('/')) as DispatchResult)).toBe('fine');
  });

  it('a long queue of same-tick answers drains without growing the stack', async () => {
    // One slow request holds the only slot; 20,000 queue behind it and are all answered in
    // the same tick as it ends, each freeing the slot for the next from inside the pump.
    let release: (() => void) | undefined;
    const { scheduler } = quietScheduler({
      kind: 'inline',
      handler: (request) =>
        request.url.endsWith('/hold')
          ? new Promise<Response>((resolve) => {
              release = () => resolve(new Response('held'));
            })
          : new Response('quick'),
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 1,
    });
    await scheduler.start();
    const held = scheduler.dispatch(get('/hold'));
    const queued = Array.from({ length: 20_000 }, () => scheduler.dispatch(get('/')));
    expect(scheduler.pending).toBe(20_000);
    release?.();
    expect(text(await held)).toBe('held');
    const results = await Promise.all(queued);
    expect(results.every((r) => r.outcome === 'ok' && text(r) === 'quick')).toBe(true);
    expect(scheduler.pending).toBe(0);
    expect(scheduler.instances()[0]?.inFlight).toBe(0);
  });

  it('a queue the first instance drains at once starts no second instance', async () => {
    // Scaling is decided after a pump pass, not in the middle of one (when the queue still
    // holds the requests the pass is about to serve).
    const { scheduler, events } = quietScheduler({
      kind: 'inline',
      handler: (request) =>
        request.url.endsWith('/_ah/warmup')
          ? new Promise<Response>((resolve) => setTimeout(() => resolve(new Response('warm')), 700))
          : new Response('quick'),
      config: { inboundServices: ['warmup'], automaticScaling: { maxConcurrentRequests: 10 } },
    });
    const results = await Promise.all(
      Array.from({ length: 5 }, () => scheduler.dispatch(get('/'))),
    );
    expect(results.every((r) => r.outcome === 'ok')).toBe(true);
    const starts = events.filter((e) => e.type === 'instance-starting');
    expect(starts).toHaveLength(1);
    expect(new Set(results.map((r) => r.instanceId)).size).toBe(1);
  });

  it('a deadline factory that throws costs the request a 500, not its slot, and dispatch rejects nothing', async () => {
    let fail = true;
    const { scheduler } = quietScheduler({
      kind: 'inline',
      handler: () => new Response('fine'),
      config: { manualScaling: { instances: 1 } },
      maxConcurrentRequests: 1,
      deadline: (options) => {
        if (fail) throw new Error('factory failed');
        return createDeadline(options);
      },
    });
    fail = false;
    await scheduler.start();
    fail = true;
    const refused = await scheduler.dispatch(get('/'));
    expect(refused.response.status).toBe(500);
    expect(scheduler.instances()[0]).toMatchObject({ inFlight: 0, state: 'ready' });
    fail = false;
    expect(text(await scheduler.dispatch(get('/')))).toBe('fine');
  });
});
