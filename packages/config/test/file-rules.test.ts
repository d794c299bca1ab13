import { describe, expect, it } from 'vitest';
import {
  type ConfigResult,
  type Diagnostic,
  GaeError,
  parseDispatchUrl,
  validateCron,
  validateCronYaml,
  validateDispatch,
  validateDispatchYaml,
  validateQueues,
  validateQueueYaml,
} from '../src/index.js';

/** Every rule of dispatch.yaml, cron.yaml and queue.yaml, each with accepted and refused values. */

function problems(
  result: ConfigResult<unknown>,
  severity: 'error' | 'warning' = 'error',
): string[] {
  return result.diagnostics
    .filter((d: Diagnostic) => d.severity === severity)
    .map((d) => `${d.pathText}: ${d.message}`);
}

function accepted(result: ConfigResult<unknown>): void {
  expect(problems(result)).toEqual([]);
  expect(result.success).toBe(true);
}

const rule = (url: string, service = 'api') => [{ url, service }];
const job = (fields: Record<string, unknown>) => [
  { url: '/a', schedule: 'every day 09:00', ...fields },
];
const push = (fields: Record<string, unknown>) => [{ name: 'mail', rate: '5/s', ...fields }];
const pull = (fields: Record<string, unknown>) => [{ name: 'work', mode: 'pull', ...fields }];

describe('dispatch rules', () => {
  it.each([
    '*/api/*',
    '*/favicon.ico',
    'api.example.com/*',
    '*.example.com/api/*',
    '*example.com/',
    '*/*',
    '10.0.0.256/*',
    `${'a'.repeat(63)}.${'b'.repeat(36)}/${'p'.repeat(99)}`,
  ])('accepts the url %j', (url) => {
    accepted(validateDispatch(rule(url)));
  });

  it.each([
    ['/api/*', 'dispatch[0].url: "/api/*" is not a valid dispatch url: it must be HOST/PATH'],
    [
      'example.com',
      'dispatch[0].url: "example.com" is not a valid dispatch url: it must be HOST/PATH',
    ],
    ['API.example.com/*', 'dispatch[0].url: invalid host pattern "API.example.com"'],
    ['api.*.example.com/*', 'dispatch[0].url: invalid host pattern "api.*.example.com"'],
    ['**/x', 'dispatch[0].url: invalid host pattern "**"'],
    ['-api.example.com/*', 'dispatch[0].url: invalid host pattern "-api.example.com"'],
    ['10.0.0.1/*', 'dispatch[0].url: the host may not be an IPv4 address ("10.0.0.1")'],
    ['*/api/*/v1', 'dispatch[0].url: "*" may only end the path, not appear in "/api/*/v1"'],
    [
      `${'a'.repeat(63)}.${'b'.repeat(37)}/*`,
      'dispatch[0].url: the host part is 101 characters long; at most 100 are allowed',
    ],
    [
      `*/${'p'.repeat(100)}`,
      'dispatch[0].url: the path part is 101 characters long; at most 100 are allowed',
    ],
  ])('refuses the url %j', (url, problem) => {
    const result = validateDispatch(rule(url));
    expect(problems(result)).toEqual([problem]);
    expect(result.diagnostics[0]?.code).toBe('config/invalid-dispatch-url');
  });

  it('requires a valid service', () => {
    expect(problems(validateDispatch([{ url: '*/a' }]))).toEqual([
      'dispatch[0].service: is required',
    ]);
    expect(problems(validateDispatch(rule('*/a', 'Api')))).toEqual([
      'dispatch[0].service: "Api" is not a valid service id',
    ]);
    accepted(validateDispatch(rule('*/a', 'a'.repeat(63))));
    expect(problems(validateDispatch(rule('*/a', 'a'.repeat(64))))).toHaveLength(1);
  });

  it('allows at most 20 rules', () => {
    const rules = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ url: `*/r${i}`, service: 's' }));
    accepted(validateDispatch(rules(20)));
    const result = validateDispatch(rules(21));
    expect(problems(result)).toEqual(['dispatch: 21 dispatch rules; App Engine allows at most 20']);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'config/too-many',
      allowed: 'at most 20 rules',
    });
  });

  it('warns about -dot- hosts and /_ah/ paths, which never match', () => {
    const result = validateDispatch([
      { url: 'v2-dot-api.example.com/*', service: 'api' },
      { url: '*/_ah/warmup', service: 'api' },
    ]);
    expect(result.success).toBe(true);
    expect(problems(result, 'warning')).toEqual([
      'dispatch[0].url: "-dot-" host names are not supported in dispatch rules',
      'dispatch[1].url: paths under /_ah/ are never dispatched; this rule matches nothing there',
    ]);
  });

  it('reads the YAML shapes gcloud reads: empty file, module alias, no application', () => {
    expect(validateDispatchYaml('# nothing\n')).toMatchObject({ success: true, data: [] });
    expect(validateDispatchYaml('dispatch:\n')).toMatchObject({ success: true, data: [] });
    const alias = validateDispatchYaml('dispatch:\n- url: "*/a"\n  module: api\n');
    expect(alias).toMatchObject({ success: true, data: [{ url: '*/a', service: 'api' }] });
    expect(problems(alias, 'warning')).toEqual([
      'dispatch[0].module: module is the old name of service',
    ]);
    expect(
      problems(validateDispatchYaml('dispatch:\n- url: "*/a"\n  module: a\n  service: a\n')),
    ).toEqual([
      'dispatch[0].module: module and service cannot both be set; module is the old name of service',
    ]);
    const application = validateDispatchYaml('application: p\ndispatch: []\n', {
      fileName: 'dispatch.yaml',
    });
    expect(application.diagnostics[0]).toMatchObject({
      code: 'config/not-used',
      pathText: 'application',
      file: 'dispatch.yaml',
      line: 1,
      column: 1,
    });
    expect(validateDispatchYaml('- a\n').diagnostics[0]?.message).toBe(
      'dispatch.yaml must be a map with a "dispatch:" list',
    );
  });

  it('parseDispatchUrl splits a pattern, or says why it cannot', () => {
    expect(parseDispatchUrl('*.example.com/api/*')).toEqual({
      host: '.example.com',
      hostExact: false,
      path: '/api/',
      pathExact: false,
    });
    expect(parseDispatchUrl('example.com/')).toEqual({
      host: 'example.com',
      hostExact: true,
      path: '/',
      pathExact: true,
    });
    expect(() => parseDispatchUrl('/x')).toThrow(GaeError);
  });
});

describe('cron rules', () => {
  it('needs a url starting with / and a schedule', () => {
    accepted(validateCron(job({ url: '/tasks/summary?full=1' })));
    expect(problems(validateCron(job({ url: 'tasks' })))).toEqual([
      'cron[0].url: "tasks" is not a valid cron url',
    ]);
    expect(problems(validateCron([{ url: '/a' }]))).toEqual(['cron[0].schedule: is required']);
    expect(problems(validateCron([{ schedule: 'every 5 minutes' }]))).toEqual([
      'cron[0].url: is required',
    ]);
  });

  it('parses the schedule', () => {
    accepted(validateCron(job({ schedule: '2nd,third mon,wed,thu of march 17:00' })));
    const result = validateCron(job({ schedule: 'every 6 hours mon,wed,fri' }));
    expect(problems(result)).toEqual([
      'cron[0].schedule: "every 6 hours mon,wed,fri" is not a valid schedule: expected the end of the schedule at column 15, found "mon"',
    ]);
    expect(result.diagnostics[0]?.code).toBe('config/invalid-schedule');
  });

  it('knows time zones', () => {
    accepted(validateCron(job({ timezone: 'Australia/NSW' })));
    accepted(validateCron(job({ timezone: 'UTC' })));
    const result = validateCron(job({ timezone: 'europe/berlinn' }));
    expect(problems(result)).toEqual([
      'cron[0].timezone: "europe/berlinn" is not a known time zone',
    ]);
    expect(result.diagnostics[0]?.hint).toBe('did you mean "Europe/Berlin"?');
    expect(problems(validateCron(job({ timezone: '+01:00' })))).toHaveLength(1);
    expect(problems(validateCron(job({ timezone: 'x'.repeat(101) })))).toEqual([
      'cron[0].timezone: timezone is 101 characters long',
    ]);
  });

  it('limits the description to one line of 499 characters', () => {
    accepted(validateCron(job({ description: 'd'.repeat(499) })));
    expect(problems(validateCron(job({ description: 'd'.repeat(500) })))).toEqual([
      'cron[0].description: description is 500 characters long',
    ]);
    expect(problems(validateCron(job({ description: 'two\nlines' })))).toEqual([
      'cron[0].description: description cannot contain a line break',
    ]);
  });

  it.each(['beta', 'api:v1', 'v-1'])('accepts the target %j', (target) => {
    accepted(validateCron(job({ target })));
  });

  it.each(['Beta', '-beta', 'api.v1', 'a:b:c'])('refuses the target %j', (target) => {
    expect(problems(validateCron(job({ target })))).toEqual([
      `cron[0].target: ${JSON.stringify(target)} is not a valid cron target`,
    ]);
  });

  it('retries at most 5 times', () => {
    accepted(validateCron(job({ retryParameters: { jobRetryLimit: 5 } })));
    accepted(validateCron(job({ retryParameters: { jobRetryLimit: 0 } })));
    expect(problems(validateCron(job({ retryParameters: { jobRetryLimit: 6 } })))).toEqual([
      'cron[0].retryParameters.jobRetryLimit: 6 is out of range',
    ]);
  });

  it('needs an age limit of at least one second', () => {
    accepted(validateCron(job({ retryParameters: { jobAgeLimit: '1s' } })));
    accepted(validateCron(job({ retryParameters: { jobAgeLimit: '.5m' } })));
    expect(problems(validateCron(job({ retryParameters: { jobAgeLimit: '0.5s' } })))).toEqual([
      'cron[0].retryParameters.jobAgeLimit: the age limit must be at least one second, not "0.5s"',
    ]);
    expect(problems(validateCron(job({ retryParameters: { jobAgeLimit: '2w' } })))).toEqual([
      'cron[0].retryParameters.jobAgeLimit: "2w" is not a valid age limit',
    ]);
  });

  it('needs backoffs of at least 0, the min not above the max, and whole doublings', () => {
    accepted(
      validateCron(
        job({
          retryParameters: { minBackoffSeconds: 2.5, maxBackoffSeconds: 2.5, maxDoublings: 0 },
        }),
      ),
    );
    expect(
      problems(
        validateCron(job({ retryParameters: { minBackoffSeconds: 20, maxBackoffSeconds: 10 } })),
      ),
    ).toEqual([
      'cron[0].retryParameters.minBackoffSeconds: minBackoffSeconds (20) must not be greater than maxBackoffSeconds (10)',
    ]);
    expect(problems(validateCron(job({ retryParameters: { maxBackoffSeconds: -1 } })))).toEqual([
      'cron[0].retryParameters.maxBackoffSeconds: -1 is out of range',
    ]);
    expect(problems(validateCron(job({ retryParameters: { maxDoublings: 1.5 } })))).toEqual([
      'cron[0].retryParameters.maxDoublings: 1.5 is not a whole number',
    ]);
  });

  it('allows at most 250 jobs', () => {
    const jobs = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ url: `/j${i}`, schedule: 'every 24 hours' }));
    accepted(validateCron(jobs(250)));
    expect(problems(validateCron(jobs(251)))).toEqual([
      'cron: 251 cron jobs; App Engine allows at most 250',
    ]);
  });

  it('refuses an empty cron.yaml but accepts "cron:" (delete every job)', () => {
    const empty = validateCronYaml('', { fileName: 'cron.yaml' });
    expect(empty.diagnostics).toEqual([
      expect.objectContaining({
        code: 'config/empty-file',
        message: 'cron.yaml is empty, and gcloud refuses an empty cron.yaml',
        line: 1,
      }),
    ]);
    expect(validateCronYaml('cron:\n')).toMatchObject({ success: true, data: [] });
  });

  it('reads YAML 1.1 values as gcloud does, with line and column in errors', () => {
    const result = validateCronYaml(
      'cron:\n- url: /a\n  schedule: every 5 minutes\n  description: yes\n  retry_parameters:\n    job_retry_limit: "2"\n    max_doublings: 7x\n',
    );
    expect(problems(result)).toEqual([
      'cron[0].retry_parameters.max_doublings: expected a number, found "7x"',
    ]);
    expect(result.diagnostics[0]).toMatchObject({ line: 7, column: 20 });
    expect(
      validateCronYaml(
        'cron:\n- url: /a\n  schedule: every 5 minutes\n  description: yes\n  retry_parameters:\n    job_retry_limit: "2"\n',
      ),
    ).toMatchObject({
      success: true,
      data: [
        {
          url: '/a',
          schedule: 'every 5 minutes',
          description: 'yes',
          retryParameters: { jobRetryLimit: 2 },
        },
      ],
    });
  });
});

describe('queue rules', () => {
  it.each(['default', 'mail-2', 'A'.repeat(499)])('accepts the name %j', (name) => {
    accepted(validateQueues([{ name, rate: '1/s' }]));
  });

  it.each(['mail_queue', 'mail.queue', '', 'A'.repeat(500)])('refuses the name %j', (name) => {
    expect(problems(validateQueues([{ name, rate: '1/s' }]))).toEqual([
      `queue[0].name: ${JSON.stringify(name)} is not a valid queue name`,
    ]);
  });

  it.each(['5/s', '1.5/s', '60/m', '100/h', '10/d', '0/s', '500/s', '30000/m'])(
    'accepts the rate %j',
    (rate) => {
      accepted(validateQueues(push({ rate })));
    },
  );

  it.each([
    ['5', 'queue[0].rate: "5" is not a valid queue rate'],
    ['5/w', 'queue[0].rate: "5/w" is not a valid queue rate'],
    ['0', 'queue[0].rate: gcloud cannot deploy a rate of "0"'],
    ['501/s', 'queue[0].rate: "501/s" is more than 500 tasks per second'],
    ['30060/m', 'queue[0].rate: "30060/m" is more than 500 tasks per second'],
  ])('refuses the rate %j', (rate, problem) => {
    expect(problems(validateQueues(push({ rate })))).toEqual([problem]);
  });

  it('needs a rate on push queues, and none on pull queues', () => {
    expect(problems(validateQueues([{ name: 'mail' }]))).toEqual([
      'queue[0].rate: a push queue needs a rate; gcloud refuses one without it',
    ]);
    accepted(validateQueues(pull({})));
    expect(problems(validateQueues(pull({ rate: '1/s' })))).toEqual([
      'queue[0].rate: rate cannot be set on a pull queue',
    ]);
  });

  it('takes mode push or pull', () => {
    accepted(validateQueues(push({ mode: 'push' })));
    const result = validateQueues(push({ mode: 'poll' }));
    expect(problems(result)).toEqual(['queue[0].mode: "poll" is not allowed']);
    expect(result.diagnostics[0]?.hint).toBe('did you mean "pull"?');
  });

  it('limits bucket_size to 0–500 and warns when gcloud clamps max_concurrent_requests', () => {
    accepted(validateQueues(push({ bucketSize: 0 })));
    accepted(validateQueues(push({ bucketSize: 500 })));
    expect(problems(validateQueues(push({ bucketSize: 501 })))).toEqual([
      'queue[0].bucketSize: 501 is out of range',
    ]);
    expect(problems(validateQueues(push({ bucketSize: -1 })))).toEqual([
      'queue[0].bucketSize: -1 is out of range',
    ]);
    accepted(validateQueues(push({ maxConcurrentRequests: 5000 })));
    const clamped = validateQueues(push({ maxConcurrentRequests: 6000 }));
    expect(clamped.success).toBe(true);
    expect(problems(clamped, 'warning')).toEqual([
      'queue[0].maxConcurrentRequests: gcloud deploys 6000 as 5000',
    ]);
  });

  it.each(['mailer', 'v2.mailer'])('accepts the target %j', (target) => {
    accepted(validateQueues(push({ target })));
  });

  it.each(['Mailer', 'a.b.c', 'v2:mailer'])('refuses the target %j', (target) => {
    expect(problems(validateQueues(push({ target })))).toEqual([
      `queue[0].target: ${JSON.stringify(target)} is not a valid queue target`,
    ]);
  });

  it('checks retry parameters as gcloud does', () => {
    accepted(
      validateQueues(
        push({
          retryParameters: {
            taskRetryLimit: 0,
            taskAgeLimit: '2d',
            minBackoffSeconds: 10,
            maxBackoffSeconds: 200,
            maxDoublings: 3,
          },
        }),
      ),
    );
    expect(
      problems(
        validateQueues(
          push({
            retryParameters: {
              taskRetryLimit: -1,
              taskAgeLimit: '0s',
              minBackoffSeconds: 3,
              maxBackoffSeconds: 1,
            },
          }),
        ),
      ).sort(),
    ).toEqual([
      'queue[0].retryParameters.minBackoffSeconds: minBackoffSeconds (3) must not be greater than maxBackoffSeconds (1)',
      'queue[0].retryParameters.taskAgeLimit: the age limit must be at least one second, not "0s"',
      'queue[0].retryParameters.taskRetryLimit: -1 is out of range',
    ]);
  });

  it('keeps pull queues to what they take', () => {
    accepted(validateQueues(pull({ retryParameters: { taskRetryLimit: 3 } })));
    expect(
      problems(
        validateQueues(
          pull({
            bucketSize: 5,
            maxConcurrentRequests: 2,
            target: 'worker',
            retryParameters: {
              taskAgeLimit: '1d',
              minBackoffSeconds: 1,
              maxBackoffSeconds: 2,
              maxDoublings: 1,
            },
          }),
        ),
      ),
    ).toEqual([
      'queue[0].bucketSize: bucketSize cannot be set on a pull queue',
      'queue[0].maxConcurrentRequests: maxConcurrentRequests cannot be set on a pull queue',
      'queue[0].target: target cannot be set on a pull queue',
      'queue[0].retryParameters.taskAgeLimit: taskAgeLimit cannot be set on a pull queue',
      'queue[0].retryParameters.minBackoffSeconds: minBackoffSeconds cannot be set on a pull queue',
      'queue[0].retryParameters.maxBackoffSeconds: maxBackoffSeconds cannot be set on a pull queue',
      'queue[0].retryParameters.maxDoublings: maxDoublings cannot be set on a pull queue',
    ]);
  });

  it('reads total_storage_limit, and says that gcloud ignores it', () => {
    const result = validateQueues({ totalStorageLimit: '120M', queue: push({}) });
    expect(result.success).toBe(true);
    expect(problems(result, 'warning')).toEqual([
      'totalStorageLimit: ignored by gcloud: Cloud Tasks, which runs the queues now, has no storage limit',
    ]);
    expect(problems(validateQueues({ totalStorageLimit: '120MB', queue: [] }))).toEqual([
      'totalStorageLimit: "120MB" is not a valid storage limit',
    ]);
  });

  it('warns about a queue defined twice and about acl', () => {
    const result = validateQueues([
      { name: 'mail', rate: '1/s' },
      { name: 'work', mode: 'pull', acl: [{ userEmail: 'a@example.com' }] },
      { name: 'mail', rate: '2/s' },
    ]);
    expect(result.success).toBe(true);
    expect(problems(result, 'warning')).toEqual([
      'queue[1].acl: ignored by gcloud: Cloud Tasks controls access with IAM',
      'queue[2].name: queue "mail" is also defined at queue[0]; the later definition wins',
    ]);
  });

  it('refuses an empty queue.yaml, and names fields in snake_case for YAML', () => {
    expect(validateQueueYaml('\n').diagnostics[0]?.code).toBe('config/empty-file');
    expect(validateQueueYaml('queue:\n')).toMatchObject({ success: true, data: { queue: [] } });
    const result = validateQueueYaml('queue:\n- name: work\n  mode: pull\n  bucket_size: 5\n');
    expect(result.diagnostics[0]).toMatchObject({
      pathText: 'queue[0].bucket_size',
      message: 'bucket_size cannot be set on a pull queue',
      line: 4,
      column: 3,
    });
  });
});
