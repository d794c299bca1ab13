import { describe, expect, it } from 'vitest';
// Not part of the public API yet: the deploy tool's file collector will use it.
import { deployFileNameProblem } from '../src/formats.js';
import {
  type Diagnostic,
  GaeError,
  parseAgeLimit,
  parseExpiration,
  parseIdleTimeout,
  parsePendingLatency,
  parseQueueRate,
  validateAppYaml,
} from '../src/index.js';

/** Validates app.yaml text and returns its diagnostics. */
function check(yaml: string): { success: boolean; diagnostics: Diagnostic[] } {
  const result = validateAppYaml(yaml);
  return { success: result.success, diagnostics: result.diagnostics };
}

function errors(yaml: string): Diagnostic[] {
  return check(yaml).diagnostics.filter((d) => d.severity === 'error');
}

/** Returns the GaeError a function throws. */
function thrown(fn: () => unknown): GaeError {
  try {
    fn();
  } catch (error) {
    if (error instanceof GaeError) return error;
    throw error;
  }
  throw new Error('expected a GaeError');
}

describe('parseExpiration', () => {
  it.each([
    ['4d 5h', 363600],
    ['10', 10],
    ['0s', 0],
    ['0', 0],
    ['10m', 600],
    ['30s', 30],
    ['1h', 3600],
    ['1D 1H 1M 1S', 86400 + 3600 + 60 + 1],
    ['7d 7d 7d', 21 * 86400],
    ['  2h   30m  ', 9000],
    ['5 5', 10],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseExpiration(value)).toBe(seconds);
  });

  it.each(['', ' ', '4x', '1.5h', '-1d', 'd', '4d5h', '1 day', '10ms'])('rejects %j', (value) => {
    const error = thrown(() => parseExpiration(value));
    expect(error.code).toBe('config/invalid-format');
    expect(error.message).toContain('is not a valid expiration');
    expect(error.hint).toContain('4d 5h');
  });
});

describe('parsePendingLatency', () => {
  it.each([
    ['30ms', 30],
    ['0ms', 0],
    ['1s', 1000],
    ['1.5s', 1500],
    ['0.01s', 10],
    ['2.125s', 2125],
    ['automatic', 'automatic'],
  ])('reads %j as %j', (value, ms) => {
    expect(parsePendingLatency(value)).toBe(ms);
  });

  it.each(['30', '1.5555s', '1.5ms', '.5s', 'auto', '1m', '30 ms', ''])('rejects %j', (value) => {
    const error = thrown(() => parsePendingLatency(value));
    expect(error.code).toBe('config/invalid-format');
    expect(error.message).toContain('is not a valid pending latency');
  });
});

describe('parseIdleTimeout', () => {
  it.each([
    ['10m', 600],
    ['300s', 300],
    ['0s', 0],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseIdleTimeout(value)).toBe(seconds);
  });

  it.each(['10', '5h', '1.5m', '10 m', 'm'])('rejects %j', (value) => {
    const error = thrown(() => parseIdleTimeout(value));
    expect(error.code).toBe('config/invalid-format');
    expect(error.message).toContain('is not a valid idle timeout');
  });
});

describe('parseAgeLimit', () => {
  it.each([
    ['2d', 172800],
    ['30s', 30],
    ['1.5m', 90],
    ['3h', 10800],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseAgeLimit(value)).toBe(seconds);
  });

  it.each(['2', '2w', 'd', '1 d'])('rejects %j', (value) => {
    expect(thrown(() => parseAgeLimit(value)).code).toBe('config/invalid-format');
  });
});

describe('parseQueueRate', () => {
  it.each([
    ['0', 0],
    ['5/s', 5],
    ['60/m', 1],
    ['3600/h', 1],
    ['86400/d', 1],
    ['1.5/s', 1.5],
  ])('reads %j as %d per second', (value, rate) => {
    expect(parseQueueRate(value)).toBe(rate);
  });

  it.each(['5', '5/w', '/s', '-1/s'])('rejects %j', (value) => {
    expect(thrown(() => parseQueueRate(value)).code).toBe('config/invalid-format');
  });
});

/**
 * Every value format of spec §1.3 and §1.4, each with an accepted and a rejected value, as
 * written in app.yaml. `yaml` is the text after `runtime: nodejs22`.
 */
interface FormatCase {
  name: string;
  ok: string;
  bad: string;
  code: string;
  pathText: string;
  message: string;
  hint?: string;
}

const handler = (field: string) => `handlers:
- url: /s
  static_dir: s
  ${field}
- url: /.*
  script: auto
`;

const FORMAT_CASES: FormatCase[] = [
  {
    name: 'expiration',
    ok: handler('expiration: 4d 5h'),
    bad: handler('expiration: 4x'),
    code: 'config/invalid-format',
    pathText: 'handlers[0].expiration',
    message: '"4x" is not a valid expiration',
  },
  {
    name: 'expiration without unit (seconds)',
    ok: handler('expiration: 10'),
    bad: handler('expiration: 1.5h'),
    code: 'config/invalid-format',
    pathText: 'handlers[0].expiration',
    message: '"1.5h" is not a valid expiration',
  },
  {
    name: 'default_expiration',
    ok: 'default_expiration: 0s',
    bad: 'default_expiration: 1 day',
    code: 'config/invalid-format',
    pathText: 'default_expiration',
    message: '"1 day" is not a valid expiration',
  },
  {
    name: 'min_pending_latency',
    ok: 'automatic_scaling:\n  min_pending_latency: 30ms',
    bad: 'automatic_scaling:\n  min_pending_latency: 30',
    code: 'config/invalid-format',
    pathText: 'automatic_scaling.min_pending_latency',
    message: '"30" is not a valid pending latency',
  },
  {
    name: 'max_pending_latency',
    ok: 'automatic_scaling:\n  max_pending_latency: 1.5s',
    bad: 'automatic_scaling:\n  max_pending_latency: 1.5555s',
    code: 'config/invalid-format',
    pathText: 'automatic_scaling.max_pending_latency',
    message: '"1.5555s" is not a valid pending latency',
  },
  {
    name: 'max_pending_latency automatic',
    ok: 'automatic_scaling:\n  max_pending_latency: automatic',
    bad: 'automatic_scaling:\n  max_pending_latency: auto',
    code: 'config/invalid-format',
    pathText: 'automatic_scaling.max_pending_latency',
    message: '"auto" is not a valid pending latency',
  },
  {
    name: 'idle_timeout',
    ok: 'instance_class: B2\nbasic_scaling:\n  max_instances: 2\n  idle_timeout: 10m',
    bad: 'instance_class: B2\nbasic_scaling:\n  max_instances: 2\n  idle_timeout: 10h',
    code: 'config/invalid-format',
    pathText: 'basic_scaling.idle_timeout',
    message: '"10h" is not a valid idle timeout',
  },
  {
    name: 'min_idle_instances',
    ok: 'automatic_scaling:\n  min_idle_instances: 0',
    bad: 'automatic_scaling:\n  min_idle_instances: some',
    code: 'config/invalid-value',
    pathText: 'automatic_scaling.min_idle_instances',
    message: '"some" is not allowed',
  },
  {
    name: 'max_idle_instances',
    ok: 'automatic_scaling:\n  max_idle_instances: automatic',
    bad: 'automatic_scaling:\n  max_idle_instances: 0',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_idle_instances',
    message: '0 is out of range',
  },
  {
    name: 'max_idle_instances upper bound',
    ok: 'automatic_scaling:\n  max_idle_instances: 1000',
    bad: 'automatic_scaling:\n  max_idle_instances: 1001',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_idle_instances',
    message: '1001 is out of range',
  },
  {
    name: 'max_concurrent_requests',
    ok: 'automatic_scaling:\n  max_concurrent_requests: 1000',
    bad: 'automatic_scaling:\n  max_concurrent_requests: 0',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_concurrent_requests',
    message: '0 is out of range',
  },
  {
    name: 'max_concurrent_requests upper bound',
    ok: 'automatic_scaling:\n  max_concurrent_requests: 1',
    bad: 'automatic_scaling:\n  max_concurrent_requests: 1001',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_concurrent_requests',
    message: '1001 is out of range',
  },
  {
    name: 'max_concurrent_requests integer',
    ok: 'automatic_scaling:\n  max_concurrent_requests: 80',
    bad: 'automatic_scaling:\n  max_concurrent_requests: 2.5',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_concurrent_requests',
    message: '2.5 is out of range',
  },
  {
    name: 'target_cpu_utilization',
    ok: 'automatic_scaling:\n  target_cpu_utilization: 0.95',
    bad: 'automatic_scaling:\n  target_cpu_utilization: 0.4',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.target_cpu_utilization',
    message: '0.4 is out of range',
  },
  {
    name: 'target_throughput_utilization',
    ok: 'automatic_scaling:\n  target_throughput_utilization: 0.5',
    bad: 'automatic_scaling:\n  target_throughput_utilization: 0.96',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.target_throughput_utilization',
    message: '0.96 is out of range',
  },
  {
    name: 'min_instances',
    ok: 'automatic_scaling:\n  min_instances: 0',
    bad: 'automatic_scaling:\n  min_instances: 1001',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.min_instances',
    message: '1001 is out of range',
  },
  {
    name: 'automatic max_instances (0 = no limit)',
    ok: 'automatic_scaling:\n  max_instances: 0',
    bad: 'automatic_scaling:\n  max_instances: -1',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_instances',
    message: '-1 is out of range',
  },
  {
    name: 'automatic max_instances upper bound',
    ok: 'automatic_scaling:\n  max_instances: 2147483647',
    bad: 'automatic_scaling:\n  max_instances: 2147483648',
    code: 'config/out-of-range',
    pathText: 'automatic_scaling.max_instances',
    message: '2147483648 is out of range',
  },
  {
    name: 'basic_scaling.max_instances',
    ok: 'instance_class: B1\nbasic_scaling:\n  max_instances: 1',
    bad: 'instance_class: B1\nbasic_scaling:\n  max_instances: 0',
    code: 'config/out-of-range',
    pathText: 'basic_scaling.max_instances',
    message: '0 is out of range',
  },
  {
    name: 'manual_scaling.instances',
    ok: 'instance_class: B8\nmanual_scaling:\n  instances: 5',
    bad: 'instance_class: B8\nmanual_scaling:\n  instances: 0',
    code: 'config/out-of-range',
    pathText: 'manual_scaling.instances',
    message: '0 is out of range',
  },
  {
    name: 'manual_scaling.instances is an integer',
    ok: 'manual_scaling:\n  instances: 2147483647',
    bad: 'manual_scaling:\n  instances: many',
    code: 'config/invalid-type',
    pathText: 'manual_scaling.instances',
    message: 'expected a number, found "many"',
  },
  {
    name: 'service',
    ok: 'service: my-service-2',
    bad: 'service: -api',
    code: 'config/invalid-format',
    pathText: 'service',
    message: '"-api" is not a valid service id',
  },
  {
    name: 'service (uppercase)',
    ok: `service: ${'a'.repeat(63)}`,
    bad: 'service: Api',
    code: 'config/invalid-format',
    pathText: 'service',
    message: '"Api" is not a valid service id',
  },
  {
    name: 'service (length)',
    ok: 'service: a',
    bad: `service: ${'a'.repeat(64)}`,
    code: 'config/invalid-format',
    pathText: 'service',
    message: 'is not a valid service id',
  },
  {
    name: 'version',
    ok: 'version: v20240101t1200',
    bad: 'version: v1-',
    code: 'config/invalid-format',
    pathText: 'version',
    message: '"v1-" is not a valid version id',
  },
  {
    name: 'version (characters)',
    ok: 'version: 1-2-3',
    bad: 'version: v1_2',
    code: 'config/invalid-format',
    pathText: 'version',
    message: '"v1_2" is not a valid version id',
  },
  {
    name: 'redirect_http_response_code',
    ok: 'handlers:\n- url: /.*\n  script: auto\n  redirect_http_response_code: 307',
    bad: 'handlers:\n- url: /.*\n  script: auto\n  redirect_http_response_code: 308',
    code: 'config/invalid-value',
    pathText: 'handlers[0].redirect_http_response_code',
    message: '308 is not allowed',
  },
  {
    name: 'secure',
    ok: 'handlers:\n- url: /.*\n  script: auto\n  secure: always',
    bad: 'handlers:\n- url: /.*\n  script: auto\n  secure: sometimes',
    code: 'config/invalid-value',
    pathText: 'handlers[0].secure',
    message: '"sometimes" is not allowed',
  },
  {
    name: 'error_code',
    ok: 'error_handlers:\n- error_code: over_quota\n  file: over_quota.html',
    bad: 'error_handlers:\n- error_code: not_found\n  file: 404.html',
    code: 'config/invalid-value',
    pathText: 'error_handlers[0].error_code',
    message: '"not_found" is not allowed',
  },
  {
    name: 'inbound_services',
    ok: 'inbound_services:\n- warmup',
    bad: 'inbound_services:\n- warmpu',
    code: 'config/invalid-value',
    pathText: 'inbound_services[0]',
    message: '"warmpu" is not allowed',
    hint: 'did you mean "warmup"?',
  },
  {
    name: 'instance_class',
    ok: 'instance_class: F4_1G',
    bad: 'instance_class: F4-1G',
    code: 'config/invalid-value',
    pathText: 'instance_class',
    message: '"F4-1G" is not an instance class',
    hint: 'did you mean "F4_1G"?',
  },
  {
    name: 'vpc_access_connector.name',
    ok: 'vpc_access_connector:\n  name: projects/p/locations/us-central1/connectors/c',
    bad: 'vpc_access_connector:\n  name: My Connector',
    code: 'config/invalid-format',
    pathText: 'vpc_access_connector.name',
    message: '"My Connector" is not a valid connector name',
  },
  {
    name: 'vpc_access_connector.egress_setting',
    ok: 'vpc_access_connector:\n  name: projects/p/locations/r/connectors/c\n  egress_setting: all-traffic',
    bad: 'vpc_access_connector:\n  name: projects/p/locations/r/connectors/c\n  egress_setting: everything',
    code: 'config/invalid-value',
    pathText: 'vpc_access_connector.egress_setting',
    message: '"everything" is not allowed',
  },
  {
    name: 'service_account',
    ok: 'service_account: app@p.iam.gserviceaccount.com',
    bad: 'service_account: app',
    code: 'config/invalid-format',
    pathText: 'service_account',
    message: '"app" is not a valid service account',
  },
  {
    name: 'env_variables names',
    ok: 'env_variables:\n  _MY_VAR2: x',
    bad: 'env_variables:\n  2VAR: x',
    code: 'config/invalid-env-name',
    pathText: 'env_variables["2VAR"]',
    message: '"2VAR" is not a valid environment variable name',
  },
  {
    name: 'build_env_variables names',
    ok: 'build_env_variables:\n  GOOGLE_NODE_RUN_SCRIPTS: ""',
    bad: 'build_env_variables:\n  MY-VAR: x',
    code: 'config/invalid-env-name',
    pathText: 'build_env_variables.MY-VAR',
    message: '"MY-VAR" is not a valid environment variable name',
  },
];

describe('value formats (spec §1.3, §1.4) in app.yaml', () => {
  it.each(FORMAT_CASES)('$name: accepts the good value', ({ ok }) => {
    const result = check(`runtime: nodejs22\n${ok}\n`);
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.success).toBe(true);
  });

  it.each(FORMAT_CASES)(
    '$name: rejects the bad value',
    ({ bad, code, pathText, message, hint }) => {
      const found = errors(`runtime: nodejs22\n${bad}\n`);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ code, pathText, message: expect.stringContaining(message) });
      if (hint !== undefined) expect(found[0]?.hint).toBe(hint);
      expect(found[0]?.line).toBeGreaterThan(1);
    },
  );
});

describe('vpc_access_connector.name', () => {
  it('accepts a short connector name with a warning, as the deploy tool does', () => {
    const result = check('runtime: nodejs22\nvpc_access_connector:\n  name: my-connector\n');
    expect(result.success).toBe(true);
    expect(result.diagnostics).toMatchObject([
      {
        severity: 'warning',
        code: 'config/connector-name',
        pathText: 'vpc_access_connector.name',
        message: '"my-connector" is not a full connector name',
        line: 3,
      },
    ]);
  });
});

describe('value formats of the first-generation elements', () => {
  const base = 'runtime: python27\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n';

  it('api_version: letters, digits, "_" and "." up to 32 characters', () => {
    expect(check(`${base}api_version: 1`).success).toBe(true);
    expect(check(`${base}api_version: go1.x_2`).success).toBe(true);
    const found = errors(`${base}api_version: v-1`);
    expect(found).toMatchObject([
      {
        code: 'config/invalid-format',
        pathText: 'api_version',
        message: '"v-1" is not a valid api version',
      },
    ]);
    expect(errors(`${base}api_version: ${'a'.repeat(33)}`)[0]?.code).toBe('config/invalid-format');
  });

  it('runtime: a lowercase name of at most 30 characters, or a gs:// builder', () => {
    expect(check('runtime: nodejs22').success).toBe(true);
    expect(check(`runtime: ${'a'.repeat(30)}`).success).toBe(true);
    expect(check('runtime: gs://bucket/builder.yaml').success).toBe(true);
    for (const bad of ['Nodejs22', '22node', `${'a'.repeat(31)}`, 'node_js']) {
      expect(errors(`runtime: ${bad}`)).toMatchObject([
        { code: 'config/invalid-format', pathText: 'runtime', message: /is not a valid runtime/ },
      ]);
    }
  });
});

describe('deployFileNameProblem (spec §1.14.12)', () => {
  it.each([
    'app.js',
    'static/css/site.css',
    'a b/c d.txt',
    '.gcloudignore',
    'dir/.hidden',
    'a-b_c/_ah',
    'x'.repeat(256),
  ])('accepts %j', (name) => {
    expect(deployFileNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'cannot be empty'],
    ['x'.repeat(257), 'longer than 256 characters'],
    ['a/../b', 'cannot contain ".."'],
    ['..', 'cannot contain ".."'],
    ['./a', '"." path segment'],
    ['a/./b', '"." path segment'],
    ['a.', 'end with "."'],
    ['-rf', 'cannot start with "-"'],
    ['_ah/warmup', 'cannot start with "_ah/"'],
    ['/etc/passwd', 'not start with "/"'],
    ['a//b', 'cannot contain "//"'],
    ['dir/', 'end with "/"'],
    [' a', 'space'],
    ['a ', 'space'],
    ['a/ b', 'space'],
    ['a /b', 'space'],
  ])('rejects %j', (name, message) => {
    expect(deployFileNameProblem(name)).toContain(message);
  });
});
