import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cronFromYaml,
  cronToYaml,
  dispatchFromYaml,
  dispatchToYaml,
  parseCron,
  parseDispatch,
  parseQueues,
  queueFromYaml,
  queueToYaml,
  validateCron,
  validateDispatch,
  validateQueues,
} from '../src/index.js';
import { cronArbitrary, dispatchArbitrary, queueArbitrary } from './file-arbitraries.js';

function reversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversed) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  ) as T;
}

const KINDS = [
  [
    'dispatch',
    dispatchArbitrary,
    validateDispatch,
    parseDispatch,
    dispatchToYaml,
    dispatchFromYaml,
  ],
  ['cron', cronArbitrary, validateCron, parseCron, cronToYaml, cronFromYaml],
  ['queue', queueArbitrary, validateQueues, parseQueues, queueToYaml, queueFromYaml],
] as const;

describe.each(KINDS)('%s round trip', (_, arbitrary, validate, parse, toYaml, fromYaml) => {
  const write = toYaml as (value: unknown) => string;

  it('generated configs are valid (the generator itself is checked)', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<unknown>, (value) => {
        const result = validate(value);
        if (!result.success) throw new Error(JSON.stringify(result.diagnostics, null, 2));
      }),
      { numRuns: 150 },
    );
  });

  it('fromYaml(toYaml(config)) equals config', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<unknown>, (value) => {
        expect(fromYaml(write(value))).toEqual(parse(value));
      }),
      { numRuns: 200 },
    );
  });

  it('toYaml is deterministic and does not depend on key order', () => {
    fc.assert(
      fc.property(arbitrary as fc.Arbitrary<unknown>, (value) => {
        expect(write(reversed(value))).toBe(write(value));
      }),
      { numRuns: 100 },
    );
  });
});

describe('readable output', () => {
  it('writes dispatch.yaml', () => {
    expect(
      dispatchToYaml([
        { service: 'api', url: '*/api/*' },
        { url: 'admin.example.com/*', service: 'admin' },
      ]),
    ).toMatchInlineSnapshot(`
      "dispatch:
      - url: "*/api/*"
        service: api
      - url: admin.example.com/*
        service: admin
      "
    `);
  });

  it('writes cron.yaml with the description first, as Google documents it', () => {
    expect(
      cronToYaml([
        {
          retryParameters: { maxBackoffSeconds: 60, jobRetryLimit: 3 },
          schedule: 'every monday 09:00',
          url: '/tasks/report',
          timezone: 'Europe/Berlin',
          description: 'weekly report: yes',
        },
      ]),
    ).toMatchInlineSnapshot(`
      "cron:
      - description: "weekly report: yes"
        url: /tasks/report
        schedule: every monday 09:00
        timezone: Europe/Berlin
        retry_parameters:
          job_retry_limit: 3
          max_backoff_seconds: 60
      "
    `);
  });

  it('writes queue.yaml, from a list or with the file-wide settings', () => {
    expect(queueToYaml([{ rate: '5/s', name: 'mail', bucketSize: 10 }])).toBe(
      'queue:\n- name: mail\n  rate: 5/s\n  bucket_size: 10\n',
    );
    expect(
      queueToYaml({
        queue: [{ name: 'work', mode: 'pull', retryParameters: { taskRetryLimit: 2 } }],
        totalStorageLimit: '1G',
      }),
    ).toMatchInlineSnapshot(`
      "total_storage_limit: 1G
      queue:
      - name: work
        mode: pull
        retry_parameters:
          task_retry_limit: 2
      "
    `);
  });

  it("quotes what App Engine's YAML reader (ruamel, YAML 1.1) would read as another type", () => {
    for (const description of [
      '-_',
      '+1_0',
      '0b1',
      '1e5',
      '2024-01-01',
      '+.inf',
      '~',
      'ON',
      '190:20:30',
    ]) {
      const yaml = cronToYaml([{ url: '/a', schedule: 'every 5 minutes', description }]);
      expect(yaml).toContain(`description: ${JSON.stringify(description)}\n`);
      expect(cronFromYaml(yaml)[0]?.description).toBe(description);
    }
    expect(cronToYaml([{ url: '/a', schedule: 'every 5 minutes', description: '_1' }])).toContain(
      'description: _1\n',
    );
  });

  it('never writes an invalid file', () => {
    expect(() => cronToYaml([{ url: '/a', schedule: 'every 1 hour' }])).toThrow(
      /cron\[0\]\.schedule: "every 1 hour" is not a valid schedule/,
    );
    expect(() => queueToYaml([{ name: 'mail' }])).toThrow(/a push queue needs a rate/);
    expect(() => dispatchToYaml([{ url: '/x', service: 'a' }])).toThrow(/HOST\/PATH/);
  });
});
