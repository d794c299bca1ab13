import fc from 'fast-check';
import type { CronJob, DispatchRule, Queue, QueueConfig } from '../src/index.js';
import { id, trickyText } from './arbitraries.js';
import { validSchedule } from './schedule-arbitraries.js';

/** Generators of valid dispatch rules, cron jobs and queues, for round trips and Google's validator. */

const label = id(12);
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((labels) => labels.join('.'));
const host = fc.oneof(
  domain,
  fc.constant('*'),
  domain.map((d) => `*.${d}`),
  domain.map((d) => `*${d}`),
);
const segment = fc.stringMatching(/^[a-z0-9._~-]{1,12}$/);
const path = fc
  .tuple(fc.array(segment, { maxLength: 3 }), fc.boolean(), fc.boolean())
  .map(
    ([segments, slash, star]) =>
      `/${segments.join('/')}${slash && segments.length > 0 ? '/' : ''}${star ? '*' : ''}`,
  )
  .filter((p) => !p.startsWith('/_ah/'));

/** One valid dispatch rule. */
export const dispatchRule: fc.Arbitrary<DispatchRule> = fc.record({
  url: fc.tuple(host, path).map(([h, p]) => `${h}${p}`),
  service: id(30),
});

/** Valid dispatch.yaml rules (at most 20). */
export const dispatchArbitrary = fc.array(dispatchRule, { maxLength: 20 });

const oneLine = trickyText.filter((t) => !t.includes('\n'));
const ageLimit = fc
  .tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom('s', 'm', 'h', 'd'), fc.boolean())
  .map(([n, unit, half]) => `${n}${half ? '.5' : ''}${unit}`);
const backoff = fc
  .tuple(
    fc.double({ min: 0, max: 1000, noNaN: true }),
    fc.double({ min: 0, max: 1000, noNaN: true }),
  )
  .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

/** One valid cron job. */
export const cronJob: fc.Arbitrary<CronJob> = fc.record(
  {
    description: oneLine,
    url: fc
      .tuple(path, fc.constantFrom('', '?x=1', '?a=b&c=d'))
      .map(([p, q]) => `${p.replace(/\*$/, '')}${q}`),
    schedule: validSchedule,
    timezone: fc.constantFrom(
      'UTC',
      'Europe/Berlin',
      'America/New_York',
      'Asia/Tokyo',
      'Australia/NSW',
    ),
    target: id(20),
    retryParameters: fc
      .tuple(
        fc.record(
          {
            jobRetryLimit: fc.integer({ min: 0, max: 5 }),
            jobAgeLimit: ageLimit,
            maxDoublings: fc.integer({ min: 0, max: 20 }),
          },
          { requiredKeys: [] },
        ),
        fc.option(backoff, { nil: undefined }),
      )
      .map(([retry, pair]) =>
        pair ? { ...retry, minBackoffSeconds: pair[0], maxBackoffSeconds: pair[1] } : retry,
      ),
  },
  { requiredKeys: ['url', 'schedule'] },
);

/** Valid cron.yaml jobs. */
export const cronArbitrary = fc.array(cronJob, { maxLength: 8 });

const queueName = fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/);
const rate = fc
  .tuple(fc.integer({ min: 0, max: 500 }), fc.constantFrom('s', 'm', 'h', 'd'), fc.boolean())
  .map(([n, unit, fraction]) => `${n}${fraction ? '.25' : ''}/${unit}`)
  .filter((r) => !r.startsWith('500.25/s'));

const pushQueue: fc.Arbitrary<Queue> = fc.record(
  {
    name: queueName,
    mode: fc.constant('push' as const),
    target: fc.oneof(
      id(20),
      fc.tuple(id(10), id(20)).map(([v, s]) => `${v}.${s}`),
    ),
    rate,
    bucketSize: fc.integer({ min: 0, max: 500 }),
    maxConcurrentRequests: fc.integer({ min: 1, max: 5000 }),
    retryParameters: fc
      .tuple(
        fc.record(
          {
            taskRetryLimit: fc.integer({ min: 0, max: 100 }),
            taskAgeLimit: ageLimit,
            maxDoublings: fc.integer({ min: 0, max: 20 }),
          },
          { requiredKeys: [] },
        ),
        fc.option(backoff, { nil: undefined }),
      )
      .map(([retry, pair]) =>
        pair ? { ...retry, minBackoffSeconds: pair[0], maxBackoffSeconds: pair[1] } : retry,
      ),
  },
  { requiredKeys: ['name', 'rate'] },
);

const pullQueue: fc.Arbitrary<Queue> = fc.record(
  {
    name: queueName,
    mode: fc.constant('pull' as const),
    retryParameters: fc.record({ taskRetryLimit: fc.integer({ min: 0, max: 100 }) }),
  },
  { requiredKeys: ['name', 'mode'] },
);

/** Valid queue.yaml contents. */
export const queueArbitrary: fc.Arbitrary<QueueConfig> = fc.record(
  {
    totalStorageLimit: fc
      .tuple(fc.integer({ min: 1, max: 999 }), fc.constantFrom('', 'B', 'K', 'M', 'G', 'T'))
      .map(([n, unit]) => `${n}${unit}`),
    queue: fc.uniqueArray(fc.oneof(pushQueue, pullQueue), {
      maxLength: 8,
      selector: (q) => q.name,
    }),
  },
  { requiredKeys: ['queue'] },
);
