import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../src/index.js';

const answer = (name: string) => (request: Request) =>
  new Response(`${name} ${new URL(request.url).pathname}`, {
    headers: { 'content-type': 'text/plain' },
  });

// Several services, each its own config, routed by host and by dispatch rules (spec §2).
describe('services, versions and dispatch', () => {
  let pipeline: Pipeline;
  const send = async (host: string, path: string) => {
    const res = await pipeline.fetch(new Request(`http://${host}${path}`));
    return {
      status: res.status,
      text: await res.text(),
      instance: res.headers.get('x-gaekit-instance'),
    };
  };

  beforeAll(async () => {
    pipeline = createPipeline({
      config: { runtime: 'nodejs22' },
      handler: answer('default'),
      services: [
        { config: { runtime: 'nodejs22', service: 'api' }, version: 'v2', handler: answer('api') },
        { config: { runtime: 'nodejs22', service: 'admin' }, handler: answer('admin') },
      ],
      dispatch: [
        { url: '*/api/*', service: 'api' },
        { url: 'admin.example.com/*', service: 'admin' },
      ],
      debugHeaders: true,
      onWarning: () => undefined,
    });
    await pipeline.ready();
  });
  afterAll(() => pipeline.close());

  it('lists every service with its version', () => {
    expect(
      pipeline
        .services()
        .map((s) => `${s.name}@${s.version}`)
        .sort(),
    ).toEqual(['admin@dev', 'api@v2', 'default@dev']);
  });

  it('sends the app domain to the default service', async () => {
    expect((await send('localhost:8080', '/x')).text).toBe('default /x');
  });

  it('applies dispatch rules by path and by host', async () => {
    expect((await send('localhost:8080', '/api/users')).text).toBe('api /api/users');
    expect((await send('admin.example.com', '/anything')).text).toBe('admin /anything');
  });

  it("writes the serving service and version into each request's log entry", async () => {
    for (const [host, path] of [
      ['localhost:8080', '/log-default'],
      ['localhost:8080', '/api/log'],
      ['admin.example.com', '/log-admin'],
    ] as const) {
      await send(host, path);
    }
    const served = (resource: string) => {
      const [entry] = pipeline.logs.query({ pathPrefix: resource, limit: 1 });
      return `${entry?.moduleId}@${entry?.versionId}`;
    };
    expect(served('/log-default')).toBe('default@dev');
    expect(served('/api/log')).toBe('api@v2');
    expect(served('/log-admin')).toBe('admin@dev');
  });

  it('never dispatches /_ah/ paths', async () => {
    expect((await send('localhost', '/_ah/api/x')).text).toBe('default /_ah/api/x');
  });

  it('routes SERVICE.localhost and VERSION-dot-SERVICE.localhost', async () => {
    expect((await send('api.localhost:8080', '/users')).text).toBe('api /users');
    expect((await send('v2-dot-api.localhost:8080', '/users')).text).toBe('api /users');
    expect((await send('admin.localhost', '/')).text).toBe('admin /');
  });

  it('soft-routes an unknown service name on the app domain to the default service', async () => {
    expect((await send('nope.localhost', '/y')).text).toBe('default /y');
  });

  it('serves a custom domain (mapped to the app) from the default service', async () => {
    expect(await send('www.other.test', '/')).toMatchObject({ status: 200, text: 'default /' });
  });

  it('addresses one instance by INSTANCE-dot-VERSION-dot-SERVICE', async () => {
    const first = await send('api.localhost', '/warm');
    expect(first.instance).toMatch(/^[0-9a-f]+$/);
    const again = await send(`${first.instance}-dot-v2-dot-api.localhost`, '/pinned');
    expect(again.text).toBe('api /pinned');
    expect(again.instance).toBe(first.instance);
  });
});

describe('refusing a configuration it cannot run', () => {
  it('rejects two services with the same name', async () => {
    const pipeline = createPipeline({
      config: { runtime: 'nodejs22' },
      handler: answer('a'),
      services: [{ config: { runtime: 'nodejs22' }, handler: answer('b') }],
      onWarning: () => undefined,
    });
    await expect(pipeline.ready()).rejects.toThrow('two services are named "default"');
    await pipeline.close();
  });

  it('says what services must be when it is not a list', async () => {
    expect(() =>
      createPipeline({
        config: { runtime: 'nodejs22' },
        services: { api: { config: { runtime: 'nodejs22' } } } as never,
      }),
    ).toThrow(
      'services must be an array of service options ([{ config, handler }, ...]), got object',
    );
    // null is left out, as undefined is.
    const pipeline = createPipeline({
      config: { runtime: 'nodejs22' },
      handler: answer('a'),
      services: null as never,
      onWarning: () => undefined,
    });
    await pipeline.ready();
    expect(pipeline.services().map((s) => s.name)).toEqual(['default']);
    await pipeline.close();
  });

  it('needs a default service', async () => {
    const pipeline = createPipeline({
      services: [{ config: { runtime: 'nodejs22', service: 'api' }, handler: answer('api') }],
      onWarning: () => undefined,
    });
    await expect(pipeline.ready()).rejects.toThrow('one service must be the default service');
    await pipeline.close();
  });
});
