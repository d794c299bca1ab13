import { ConfigError, type DispatchRule } from '@gaekit/config';
import { describe, expect, it } from 'vitest';
import { compileDispatch } from '../src/index.js';

describe('dispatch rule patterns (spec §2.3)', () => {
  const rules: DispatchRule[] = [
    { url: '*/favicon.ico', service: 'default' },
    { url: 'simple.example.com/', service: 'web' },
    { url: '*/mobile/*', service: 'mobile' },
    { url: '*.example.com/api/*', service: 'api' },
    { url: '*-staging.example.org/*', service: 'staging' },
    { url: '*/work/*', service: 'worker' },
  ];
  const dispatch = compileDispatch(rules);
  const serviceFor = (host: string, path: string) => dispatch.match(host, path)?.rule.service;

  it('* host matches any host; a path without * matches exactly', () => {
    expect(serviceFor('anything.test', '/favicon.ico')).toBe('default');
    expect(serviceFor('localhost', '/favicon.ico')).toBe('default');
    expect(serviceFor('localhost', '/favicon.ico/x')).toBeUndefined();
    expect(serviceFor('localhost', '/a/favicon.ico')).toBeUndefined();
  });

  it('an exact host matches only that host, case-insensitively', () => {
    expect(serviceFor('simple.example.com', '/')).toBe('web');
    expect(serviceFor('SIMPLE.example.COM', '/')).toBe('web');
    expect(serviceFor('x.simple.example.com', '/')).toBeUndefined();
    expect(serviceFor('simple.example.com', '/page')).toBeUndefined();
  });

  it('a trailing * on the path matches a prefix', () => {
    expect(serviceFor('localhost', '/mobile/')).toBe('mobile');
    expect(serviceFor('localhost', '/mobile/deep/page')).toBe('mobile');
    expect(serviceFor('localhost', '/mobile')).toBeUndefined();
    expect(serviceFor('localhost', '/mobilex')).toBeUndefined();
  });

  it('a leading * on the host matches a suffix', () => {
    expect(serviceFor('www.example.com', '/api/v1')).toBe('api');
    expect(serviceFor('a.b.example.com', '/api/')).toBe('api');
    expect(serviceFor('example.com', '/api/v1')).toBeUndefined();
    expect(serviceFor('www.example.com.evil.org', '/api/v1')).toBeUndefined();
    expect(serviceFor('eu-staging.example.org', '/x')).toBe('staging');
    expect(serviceFor('staging.example.org', '/x')).toBeUndefined();
  });

  it('takes the first matching rule, in order', () => {
    const d = compileDispatch([
      { url: '*/api/admin/*', service: 'admin' },
      { url: '*/api/*', service: 'api' },
      { url: '*/api/admin/*', service: 'never' },
    ]);
    expect(d.match('h.test', '/api/admin/users')).toEqual({
      index: 0,
      rule: { url: '*/api/admin/*', service: 'admin' },
    });
    expect(d.match('h.test', '/api/users')?.index).toBe(1);
  });

  it('never dispatches /_ah/ paths', () => {
    const d = compileDispatch([{ url: '*/*', service: 'all' }]);
    expect(d.match('h.test', '/_ah/warmup')).toBeUndefined();
    expect(d.match('h.test', '/_ah/queue/deferred')).toBeUndefined();
    expect(d.match('h.test', '/_ahx')?.rule.service).toBe('all');
  });
});

describe('compileDispatch validation (with @gaekit/config)', () => {
  const problems = (rules: DispatchRule[]) => {
    try {
      compileDispatch(rules);
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).diagnostics
        .filter((d) => d.severity === 'error')
        .map((d) => [d.pathText, d.code]);
    }
  };

  it('accepts valid rules', () => {
    expect(
      problems([
        { url: '*/*', service: 'default' },
        { url: '*.example.com/api/*', service: 'api' },
        { url: 'www.example.com/x', service: 'web-1' },
        { url: '*-a/x', service: 'a' },
      ]),
    ).toEqual([]);
  });

  it('allows 20 rules and refuses 21', () => {
    const rule = { url: '*/x', service: 'default' };
    expect(problems(Array.from({ length: 20 }, () => rule))).toEqual([]);
    expect(problems(Array.from({ length: 21 }, () => rule))).toEqual([
      ['dispatch', 'config/too-many'],
    ]);
  });

  it('refuses every bad rule at once, each with its path', () => {
    expect(
      problems([
        { url: 'no-path', service: 'a' },
        { url: `${'h'.repeat(101)}/x`, service: 'a' },
        { url: `*/${'p'.repeat(100)}`, service: 'a' },
        { url: 'api.*.example.com/x', service: 'a' },
        { url: '10.0.0.1/x', service: 'a' },
        { url: '*/a/*/b', service: 'a' },
        { url: '*/x', service: 'Bad_Service' },
      ]),
    ).toEqual([
      ['dispatch[0].url', 'config/invalid-dispatch-url'],
      ['dispatch[1].url', 'config/invalid-dispatch-url'],
      ['dispatch[2].url', 'config/invalid-dispatch-url'],
      ['dispatch[3].url', 'config/invalid-dispatch-url'],
      ['dispatch[4].url', 'config/invalid-dispatch-url'],
      ['dispatch[5].url', 'config/invalid-dispatch-url'],
      ['dispatch[6].service', 'config/invalid-format'],
    ]);
  });

  it('matches the rule objects it was given', () => {
    const rules = [{ url: '*/x', service: 'a' }];
    expect(compileDispatch(rules).match('h.test', '/x')?.rule).toBe(rules[0]);
  });
});
