import { afterEach, describe, expect, it } from 'vitest';
import type { InstanceKind, SchedulerOptions } from '../src/index.js';
import {
  alive,
  closeAll,
  fixture,
  groupMembers,
  header,
  quietScheduler,
  request,
  threadCount,
} from './helpers.js';

afterEach(closeAll);

const ID = /^00[0-9a-f]{62}$/;

const kinds: Array<[InstanceKind, SchedulerOptions]> = [
  ['inline', { kind: 'inline', module: fixture('app.mjs') }],
  ['worker', { kind: 'worker', module: fixture('app.mjs') }],
  ['process', { kind: 'process', root: fixture('bare') }],
];

describe.each(kinds)('%s instances', (kind, options) => {
  it('load the app once and serve many requests from it (app caching)', async () => {
    const { scheduler, events } = quietScheduler({
      ...options,
      config: { automaticScaling: { maxInstances: 1 } },
    });
    const first = await request(scheduler, '/');
    const second = await request(scheduler, '/');
    expect(first.response.status).toBe(200);
    expect(first.text).toMatch(/^hello 1/);
    expect(second.text).toMatch(/^hello 2/);
    expect(first.outcome).toBe('ok');
    expect(first.loadingRequest).toBe(true);
    expect(second.loadingRequest).toBe(false);
    expect(first.instanceId).toMatch(ID);
    expect(second.instanceId).toBe(first.instanceId);
    const [info] = scheduler.instances();
    expect(info).toMatchObject({
      id: first.instanceId,
      kind,
      state: 'ready',
      requestsServed: 2,
      inFlight: 0,
      maxConcurrentRequests: 10,
      memoryLimitMb: 384,
    });
    expect(info?.startTime).toBeInstanceOf(Date);
    expect(info?.memoryBytes).toBeGreaterThan(0);
    expect(events.map((e) => e.type)).toEqual(['instance-starting', 'instance-ready']);
  });

  it('pass method, body and repeated headers through unchanged', async () => {
    const { scheduler } = quietScheduler(options);
    const result = await request(scheduler, '/echo', {
      method: 'POST',
      body: 'ping',
      headers: [['content-type', 'text/x-test']],
    });
    expect(result.response.status).toBe(201);
    expect(result.text).toBe('ping');
    expect(header(result, 'content-type')).toBe('text/x-test');
    const cookies = await request(scheduler, kind === 'process' ? '/' : '/echo', {
      method: kind === 'process' ? 'GET' : 'POST',
    });
    expect(
      cookies.response.headers.filter(([name]) => name.toLowerCase() === 'set-cookie'),
    ).toEqual([
      [expect.stringMatching(/^set-cookie$/i), 'a=1'],
      [expect.stringMatching(/^set-cookie$/i), 'b=2'],
    ]);
  });

  it('answer a burst of concurrent requests each with its own body, small, large or a view into a larger buffer', async () => {
    const { scheduler } = quietScheduler({ ...options, maxConcurrentRequests: 100 });
    await scheduler.start();
    const pool = Buffer.from(`${'-'.repeat(100)}${'x'.repeat(200_000)}`);
    const bodies = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0 ? pool.subarray(100 + i, 100 + i + 70_000) : Buffer.from(`body ${i}`),
    );
    const results = await Promise.all(
      bodies.map((body, i) =>
        scheduler.dispatch({
          method: 'POST',
          url: `http://localhost/echo?i=${i}`,
          headers: [
            ['host', 'localhost'],
            ['content-type', 'text/plain'],
          ],
          body,
        }),
      ),
    );
    results.forEach((result, i) => {
      expect(result.response.status).toBe(201);
      expect(Buffer.from(result.response.body).equals(bodies[i] as Buffer)).toBe(true);
    });
  });

  it('work through fetch() with Web Request and Response', async () => {
    const { scheduler } = quietScheduler(options);
    const response = await scheduler.fetch(
      new Request('http://localhost/echo', { method: 'POST', body: 'web' }),
    );
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('web');
  });
});

describe('the environment of an instance', () => {
  const config = {
    runtime: 'nodejs22',
    service: 'api',
    version: 'v7',
    instanceClass: 'F2',
    envVariables: { GREETING: 'hi', GAE_SERVICE: 'not allowed' },
  };

  it.each([
    ['worker', { kind: 'worker', module: fixture('app.mjs') }],
    ['process', { kind: 'process', root: fixture('bare') }],
  ] as const)('%s: GAE_* variables of spec §12.1 plus env_variables', async (_kind, options) => {
    const { scheduler } = quietScheduler({
      ...options,
      config,
      environment: { project: 'my-project' },
    });
    const result = await request(scheduler, '/env');
    const env = JSON.parse(result.text) as Record<string, string>;
    expect(env).toMatchObject({
      GAE_APPLICATION: 'dev~my-project',
      GAE_ENV: 'standard',
      GAE_INSTANCE: result.instanceId,
      GAE_MEMORY_MB: '768',
      GAE_RUNTIME: 'nodejs22',
      GAE_SERVICE: 'api',
      GAE_VERSION: 'v7',
      GOOGLE_CLOUD_PROJECT: 'my-project',
      NODE_ENV: 'production',
      GREETING: 'hi',
      AUTH_DOMAIN: 'gmail.com',
      CURRENT_MODULE_ID: 'api',
      CURRENT_VERSION_ID: 'v7.1',
      INSTANCE_ID: result.instanceId,
      SERVER_SOFTWARE: 'Development/2.0',
    });
    expect(env.GAE_DEPLOYMENT_ID).toMatch(/^\d+$/);
    if (_kind === 'process') {
      expect(Number(env.PORT)).toBeGreaterThan(0);
      expect(env.NODE_OPTIONS).toBe('--max-old-space-size=768');
    }
  });

  it('leaves the first-generation names out with legacyVariables: false', async () => {
    const { scheduler } = quietScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      config,
      environment: { legacyVariables: false },
    });
    const env = JSON.parse((await request(scheduler, '/env')).text) as Record<string, string>;
    expect(env.SERVER_SOFTWARE).toBeUndefined();
    expect(env.INSTANCE_ID).toBeUndefined();
    expect(env.GAE_SERVICE).toBe('api');
  });
});

describe('frameworks run unchanged', () => {
  it('a Hono app in a worker', async () => {
    const { scheduler } = quietScheduler({ kind: 'worker', module: fixture('hono-app.mjs') });
    expect((await request(scheduler, '/')).text).toBe('hono 1');
    expect((await request(scheduler, '/')).text).toBe('hono 2');
    const posted = await request(scheduler, '/json', {
      method: 'POST',
      body: '{"a":1}',
      headers: [['content-type', 'application/json']],
    });
    expect(posted.response.status).toBe(201);
    expect(JSON.parse(posted.text)).toEqual({ got: { a: 1 } });
  });

  it('a Hono app inline, given as the handler object', async () => {
    const { default: app } = (await import(fixture('hono-app.mjs'))) as {
      default: { fetch(request: Request): Promise<Response> };
    };
    const { scheduler } = quietScheduler({ kind: 'inline', handler: app });
    expect((await request(scheduler, '/')).text).toMatch(/^hono \d+$/);
  });

  it.each([
    ['a Fastify app, started with npm start', 'fastify', 'fastify'],
    ['a Hono app on @hono/node-server, started with node server.js', 'hono-node', 'hono'],
  ])('%s, as a process', async (_name, dir, word) => {
    const { scheduler } = quietScheduler({
      kind: 'process',
      root: fixture(dir),
      config: { service: 'shop' },
    });
    expect((await request(scheduler, '/')).text).toBe(`${word} 1 shop`);
    expect((await request(scheduler, '/')).text).toBe(`${word} 2 shop`);
    const posted = await request(scheduler, '/json', {
      method: 'POST',
      body: '{"c":3}',
      headers: [['content-type', 'application/json']],
    });
    expect(posted.response.status).toBe(201);
    expect(JSON.parse(posted.text)).toEqual({ got: { c: 3 } });
    const [instance] = scheduler.instances();
    expect(instance?.pid).toBeGreaterThan(0);
  });

  it('an Express app as a process, started with the configured entrypoint', async () => {
    const { scheduler } = quietScheduler({
      kind: 'process',
      root: fixture('express'),
      config: { entrypoint: 'node app.js', service: 'shop' },
    });
    expect((await request(scheduler, '/')).text).toBe('express shop');
    const posted = await request(scheduler, '/json', {
      method: 'POST',
      body: '{"b":2}',
      headers: [['content-type', 'application/json']],
    });
    expect(posted.response.status).toBe(201);
    expect(JSON.parse(posted.text)).toEqual({ got: { b: 2 } });
  });
});

describe('nothing is left behind', () => {
  it('close() ends every child process, including what npm start spawned', async () => {
    const { scheduler } = quietScheduler({
      kind: 'process',
      root: fixture('npm-start'),
      config: { manualScaling: { instances: 2 } },
    });
    await scheduler.start();
    const pids = scheduler.instances().map((instance) => instance.pid as number);
    expect(pids).toHaveLength(2);
    const served = await request(scheduler, '/');
    expect(served.text).toMatch(/^hello 1 from \d+$/);
    const appPid = Number(served.text.split(' ').pop());
    expect(pids.every(alive)).toBe(true);
    expect(alive(appPid)).toBe(true);
    await scheduler.close();
    expect(pids.filter(alive)).toEqual([]);
    expect(alive(appPid)).toBe(false);
    expect(pids.flatMap(groupMembers)).toEqual([]);
    expect(scheduler.instances()).toEqual([]);
  });

  it('close() terminates every worker thread', async () => {
    const before = threadCount();
    const { scheduler } = quietScheduler({
      kind: 'worker',
      module: fixture('app.mjs'),
      config: { automaticScaling: { minInstances: 2 } },
    });
    await scheduler.start();
    expect(scheduler.instances()).toHaveLength(2);
    expect(threadCount()).toBeGreaterThanOrEqual(before + 2);
    await scheduler.close();
    expect(threadCount()).toBeLessThanOrEqual(before);
    expect(scheduler.instances()).toEqual([]);
  });

  it('a closed scheduler answers 503 and starts nothing', async () => {
    const { scheduler } = quietScheduler({ kind: 'inline', module: fixture('app.mjs') });
    await scheduler.close();
    const result = await request(scheduler, '/');
    expect(result.response.status).toBe(503);
    expect(result.outcome).toBe('unavailable');
    expect(scheduler.instances()).toEqual([]);
  });
});

describe('light Response', () => {
  // The app reports which Response its global is, and builds its answer with it.
  const app = `data:text/javascript,${encodeURIComponent(
    "export default () => new Response(Response.name, { headers: { 'x-kind': typeof Response.json } });",
  )}`;

  it.each(['inline', 'worker'] as const)(
    '%s instances answer with the light Response by default and undici’s when turned off',
    async (kind) => {
      const before = globalThis.Response;
      const light = quietScheduler({ kind, module: app });
      const made = await request(light.scheduler, '/');
      expect(made.text).toBe('LightResponse');
      expect(header(made, 'x-kind')).toBe('function');
      expect(header(made, 'content-type')).toBe('text/plain;charset=UTF-8');
      const plain = quietScheduler({ kind, module: app, lightResponse: false });
      const native = await request(plain.scheduler, '/');
      expect(native.text).toBe(kind === 'inline' ? 'LightResponse' : 'Response');
      await light.scheduler.close();
      // Inline: the calling thread's global is put back once no inline instance uses it.
      const after = await request(plain.scheduler, '/');
      expect(after.text).toBe('Response');
      await plain.scheduler.close();
      expect(globalThis.Response).toBe(before);
    },
  );
});
