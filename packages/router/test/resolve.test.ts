import { describe, expect, it } from 'vitest';
import { type RoutingTable, resolveTarget } from '../src/index.js';

const manual = ['0', '1', '2'];
const services: RoutingTable['services'] = new Map([
  ['default', { versions: ['v1', 'v2'], defaultVersion: 'v1' }],
  ['api', { versions: ['a1', 'a2', '123'], defaultVersion: 'a1', instances: () => manual }],
  ['worker', { versions: ['w1'], defaultVersion: 'w1', instances: () => ['0'] }],
]);

const local: RoutingTable = { services };
const appspot: RoutingTable = { services, appDomain: 'my-app.uc.r.appspot.com' };
const custom: RoutingTable = { services, appDomain: 'example.com' };

const at = (host: string, table: RoutingTable, path = '/') => resolveTarget({ host, path }, table);

describe('resolveTarget from the host (spec §2.1–§2.2)', () => {
  it('sends the app domain to the default service and version', () => {
    expect(at('localhost:8080', local)).toEqual({
      kind: 'target',
      service: 'default',
      version: 'v1',
      via: 'default',
    });
    expect(at('127.0.0.1:8080', local)).toMatchObject({ service: 'default', via: 'default' });
    expect(at('my-app.uc.r.appspot.com', appspot)).toMatchObject({
      service: 'default',
      version: 'v1',
    });
    expect(at('example.com', custom)).toMatchObject({ service: 'default', version: 'v1' });
  });

  it('a service name goes to its default version', () => {
    expect(at('api.localhost:8080', local)).toEqual({
      kind: 'target',
      service: 'api',
      version: 'a1',
      via: 'host',
    });
    expect(at('api-dot-my-app.uc.r.appspot.com', appspot)).toMatchObject({
      service: 'api',
      version: 'a1',
      via: 'host',
    });
    expect(at('api.example.com', custom)).toMatchObject({ service: 'api', version: 'a1' });
  });

  it('VERSION-dot-SERVICE names a version', () => {
    expect(at('a2-dot-api.localhost:8080', local)).toEqual({
      kind: 'target',
      service: 'api',
      version: 'a2',
      via: 'host',
    });
    expect(at('v2-dot-default-dot-my-app.uc.r.appspot.com', appspot)).toMatchObject({
      service: 'default',
      version: 'v2',
    });
    expect(at('a2.api.example.com', custom)).toMatchObject({ service: 'api', version: 'a2' });
  });

  it('VERSION alone on a custom domain names a version of the default service', () => {
    expect(at('v2.example.com', custom)).toEqual({
      kind: 'target',
      service: 'default',
      version: 'v2',
      via: 'host',
    });
  });

  it('INSTANCE-dot-VERSION-dot-SERVICE names an instance', () => {
    expect(at('1-dot-a2-dot-api.localhost', local)).toEqual({
      kind: 'target',
      service: 'api',
      version: 'a2',
      instance: '1',
      via: 'host',
    });
    expect(at('2-dot-a1-dot-api-dot-my-app.uc.r.appspot.com', appspot)).toMatchObject({
      instance: '2',
    });
    expect(at('0.w1.worker.example.com', custom)).toMatchObject({
      service: 'worker',
      instance: '0',
    });
  });

  it('NUMBER.SERVICE is the version when it exists, else an instance of the default version', () => {
    expect(at('123-dot-api.localhost', local)).toEqual({
      kind: 'target',
      service: 'api',
      version: '123',
      via: 'host',
    });
    expect(at('2-dot-api.localhost', local)).toEqual({
      kind: 'target',
      service: 'api',
      version: 'a1',
      instance: '2',
      via: 'host',
    });
  });

  it('soft-routes unknown names to the default service on appspot and local hosts', () => {
    const soft = { kind: 'target', service: 'default', version: 'v1', via: 'default' };
    for (const [host, table] of [
      ['nope.localhost', local],
      ['v9-dot-api.localhost', local],
      ['7-dot-a1-dot-api.localhost', local],
      ['0-dot-v1-dot-default.localhost', local],
      ['a-dot-b-dot-c-dot-d.localhost', local],
      ['nope-dot-my-app.uc.r.appspot.com', appspot],
      ['v9-dot-api-dot-my-app.uc.r.appspot.com', appspot],
    ] as const) {
      const target = at(host, table);
      expect(target, host).toMatchObject(soft);
      expect(target.kind === 'target' && target.softRouted, host).toMatch(/no |has no |names/);
    }
  });

  it('answers 404 for unknown names on a custom domain', () => {
    for (const host of [
      'nope.example.com',
      'v9.api.example.com',
      '7.a1.api.example.com',
      'a.b.c.d.example.com',
    ]) {
      const target = at(host, custom);
      expect(target, host).toMatchObject({ kind: 'error', status: 404 });
    }
  });

  it('an instance needs an addressable (manual) service', () => {
    // default has no instances() callback: instances cannot be addressed.
    expect(at('0-dot-v1-dot-default.example.com', custom)).toMatchObject({
      kind: 'error',
      status: 404,
    });
  });

  it('answers 404 when there is no default service to fall back on', () => {
    const table: RoutingTable = {
      services: new Map([['api', { versions: ['a'], defaultVersion: 'a' }]]),
    };
    expect(at('localhost', table)).toEqual({
      kind: 'error',
      status: 404,
      reason: 'the app has no default service',
    });
    expect(at('api.localhost', table)).toMatchObject({ kind: 'target', service: 'api' });
  });
});

describe('resolveTarget with dispatch rules (spec §2.3)', () => {
  const dispatch = [
    { url: '*/api/*', service: 'api' },
    { url: 'jobs.example.com/*', service: 'worker' },
    { url: '*/gone/*', service: 'missing' },
  ];
  const table: RoutingTable = { ...custom, dispatch };
  const localTable: RoutingTable = { services, dispatch };

  it('routes by the first matching rule to the service’s default version', () => {
    expect(at('example.com', table, '/api/users')).toEqual({
      kind: 'target',
      service: 'api',
      version: 'a1',
      via: 'dispatch',
      dispatchRule: 0,
    });
    expect(at('jobs.example.com', table, '/run')).toMatchObject({
      service: 'worker',
      via: 'dispatch',
      dispatchRule: 1,
    });
    expect(at('localhost:8080', localTable, '/api/x')).toMatchObject({
      service: 'api',
      via: 'dispatch',
    });
  });

  it('falls back to host routing when no rule matches', () => {
    expect(at('example.com', table, '/home')).toMatchObject({ service: 'default', via: 'default' });
    expect(at('api.example.com', table, '/home')).toMatchObject({ service: 'api', via: 'host' });
  });

  it('applies to a host naming only a service, and before it', () => {
    expect(at('worker.localhost', localTable, '/api/x')).toMatchObject({
      service: 'api',
      via: 'dispatch',
    });
  });

  it('never rewrites a host naming a version or an instance', () => {
    expect(at('v2.default.example.com', table, '/api/x')).toMatchObject({
      service: 'default',
      version: 'v2',
      via: 'host',
    });
    expect(at('0-dot-w1-dot-worker.localhost', localTable, '/api/x')).toMatchObject({
      service: 'worker',
      instance: '0',
    });
  });

  it('exempts /_ah/ paths', () => {
    const all: RoutingTable = { services, dispatch: [{ url: '*/*', service: 'api' }] };
    expect(at('localhost', all, '/_ah/warmup')).toMatchObject({
      service: 'default',
      via: 'default',
    });
    expect(at('localhost', all, '/x')).toMatchObject({ service: 'api', via: 'dispatch' });
  });

  it('applies after soft routing drops unknown names', () => {
    expect(at('nope.localhost', localTable, '/api/x')).toMatchObject({
      service: 'api',
      via: 'dispatch',
      softRouted: 'no service or default-service version is named "nope"',
    });
  });

  it('answers 404 when a rule names a service that is not running', () => {
    expect(at('localhost', localTable, '/gone/x')).toMatchObject({ kind: 'error', status: 404 });
  });

  it('throws a ConfigError for invalid rules', () => {
    const bad: RoutingTable = { services, dispatch: [{ url: 'nope', service: 'api' }] };
    expect(() => at('localhost', bad, '/')).toThrow(/dispatch\[0\]\.url/);
  });
});
