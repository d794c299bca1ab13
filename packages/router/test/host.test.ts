import { describe, expect, it } from 'vitest';
import { parseHost } from '../src/index.js';

describe('parseHost: appspot forms (spec §2.1)', () => {
  const appDomain = 'my-app.uc.r.appspot.com';
  const cases: Array<[string, Record<string, unknown>]> = [
    ['my-app.uc.r.appspot.com', { names: [], project: 'my-app', region: 'uc' }],
    ['api-dot-my-app.uc.r.appspot.com', { names: ['api'], service: 'api' }],
    [
      'v2-dot-default-dot-my-app.uc.r.appspot.com',
      { names: ['v2', 'default'], version: 'v2', service: 'default' },
    ],
    [
      'v2-dot-api-dot-my-app.uc.r.appspot.com',
      { names: ['v2', 'api'], version: 'v2', service: 'api' },
    ],
    [
      '3-dot-v2-dot-api-dot-my-app.uc.r.appspot.com',
      { names: ['3', 'v2', 'api'], instance: '3', version: 'v2', service: 'api' },
    ],
    ['api.my-app.uc.r.appspot.com', { names: ['api'], service: 'api' }],
    ['3.v2.api.my-app.uc.r.appspot.com', { names: ['3', 'v2', 'api'], instance: '3' }],
    ['3.v2-dot-api-dot-my-app.uc.r.appspot.com', { names: ['3', 'v2', 'api'] }],
  ];
  for (const [host, expected] of cases) {
    it(host, () => {
      const parsed = parseHost(host, { appDomain });
      expect(parsed).toMatchObject({ form: 'appspot', hostname: host, ...expected });
    });
  }

  it('reads any appspot host, also when it is not the app domain', () => {
    expect(
      parseHost('i1-dot-v2-dot-api-dot-other.ew.r.appspot.com', { appDomain: 'localhost' }),
    ).toMatchObject({
      form: 'appspot',
      project: 'other',
      region: 'ew',
      names: ['i1', 'v2', 'api'],
      instance: 'i1',
      version: 'v2',
      service: 'api',
    });
    // Apps older than 2020 have no REGION_ID.r.
    expect(
      parseHost('v2-dot-api-dot-old-app.appspot.com', { appDomain: 'localhost' }),
    ).toMatchObject({
      project: 'old-app',
      names: ['v2', 'api'],
    });
    expect(parseHost('v2.api.old-app.appspot.com', { appDomain: 'localhost' })).toMatchObject({
      project: 'old-app',
      names: ['v2', 'api'],
    });
    expect(parseHost('old-app.appspot.com', { appDomain: 'localhost' })).toMatchObject({
      project: 'old-app',
      names: [],
    });
    expect(parseHost('old-app.appspot.com', { appDomain: 'localhost' }).region).toBeUndefined();
  });

  it('ignores case, the port and a trailing dot', () => {
    expect(parseHost('V2-DOT-API-dot-My-App.UC.R.APPSPOT.COM.:443', { appDomain })).toMatchObject({
      hostname: 'v2-dot-api-dot-my-app.uc.r.appspot.com',
      port: 443,
      names: ['v2', 'api'],
    });
  });
});

describe('parseHost: local forms', () => {
  const cases: Array<[string, string[], number | undefined]> = [
    ['localhost', [], undefined],
    ['localhost:8080', [], 8080],
    ['api.localhost:8080', ['api'], 8080],
    ['v2-dot-api.localhost:8080', ['v2', 'api'], 8080],
    ['i1-dot-v2-dot-api.localhost', ['i1', 'v2', 'api'], undefined],
    ['i1.v2.api.localhost:3000', ['i1', 'v2', 'api'], 3000],
    ['api-dot-localhost:8080', ['api'], 8080],
  ];
  for (const [host, names, port] of cases) {
    it(host, () => {
      expect(parseHost(host, { appDomain: 'localhost' })).toMatchObject({
        form: 'local',
        names,
        port,
      });
    });
  }

  it('reads *.localhost even when the app domain is something else', () => {
    expect(parseHost('v2-dot-api.localhost:8080', { appDomain: 'example.com' })).toMatchObject({
      form: 'local',
      names: ['v2', 'api'],
    });
  });

  it('takes IP addresses as the app domain itself', () => {
    expect(parseHost('127.0.0.1:8080', { appDomain: 'localhost' })).toMatchObject({
      form: 'local',
      names: [],
      port: 8080,
    });
    expect(parseHost('[::1]:8080', { appDomain: 'localhost' })).toMatchObject({
      form: 'local',
      hostname: '[::1]',
      names: [],
      port: 8080,
    });
  });

  it('works with an app domain that has a port', () => {
    expect(parseHost('api.localhost:9000', { appDomain: 'localhost:8080' })).toMatchObject({
      names: ['api'],
    });
  });
});

describe('parseHost: custom domains', () => {
  const appDomain = 'example.com';
  it('reads names in front of the domain, with . or -dot-', () => {
    expect(parseHost('example.com', { appDomain })).toMatchObject({ form: 'custom', names: [] });
    expect(parseHost('api.example.com', { appDomain })).toMatchObject({
      form: 'custom',
      names: ['api'],
      service: 'api',
    });
    expect(parseHost('v2.api.example.com', { appDomain })).toMatchObject({
      names: ['v2', 'api'],
      version: 'v2',
    });
    expect(parseHost('1.v2.api.example.com', { appDomain })).toMatchObject({
      names: ['1', 'v2', 'api'],
      instance: '1',
    });
    expect(parseHost('v2-dot-api.example.com', { appDomain })).toMatchObject({
      names: ['v2', 'api'],
    });
  });

  it('calls an unrelated host other, without names', () => {
    expect(parseHost('elsewhere.org', { appDomain })).toMatchObject({ form: 'other', names: [] });
    expect(parseHost('notexample.com', { appDomain })).toMatchObject({ form: 'other', names: [] });
  });

  it('reads no position for more than three names', () => {
    const parsed = parseHost('a.b.c.d.example.com', { appDomain });
    expect(parsed.names).toEqual(['a', 'b', 'c', 'd']);
    expect(parsed.service).toBeUndefined();
  });
});
