import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type Diagnostic,
  formatDiagnostics,
  fromYaml,
  toYaml,
  validateAppYaml,
} from '../src/index.js';

const fixtures = fileURLToPath(new URL('./fixtures/app/', import.meta.url));

function yamlFiles(dir: string): string[] {
  return readdirSync(join(fixtures, dir))
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

function errorsOf(result: { diagnostics: Diagnostic[] }): Diagnostic[] {
  return result.diagnostics.filter((d) => d.severity === 'error');
}

/** The codes an invalid fixture declares on its first line: `# expect: config/a config/b`. */
function expectedCodes(text: string): string[] {
  const match = /^# expect: (.+)$/m.exec(text);
  if (!match?.[1]) throw new Error('invalid fixture without "# expect:" line');
  return match[1].trim().split(/\s+/).sort();
}

describe('valid fixtures', () => {
  const files = yamlFiles('valid');

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('%s is valid', (name) => {
    const path = join(fixtures, 'valid', name);
    const result = validateAppYaml(readFileSync(path, 'utf8'), { fileName: path });
    expect(errorsOf(result)).toEqual([]);
    expect(result.success).toBe(true);
  });

  it.each(files)('%s survives toYaml and fromYaml unchanged', (name) => {
    const path = join(fixtures, 'valid', name);
    const config = fromYaml(readFileSync(path, 'utf8'), { fileName: path });
    const emitted = toYaml(config);
    const again = fromYaml(emitted);
    expect(again).toEqual(config);
    // Writing is deterministic, and a second round trip writes the same text.
    expect(toYaml(again)).toBe(emitted);
  });

  it('the python27 fixture has every first-generation element', () => {
    const text = readFileSync(join(fixtures, 'valid', 'python27-full.yaml'), 'utf8');
    for (const element of [
      'api_version',
      'threadsafe',
      'libraries',
      'builtins',
      'includes',
      'skip_files',
      'application_readable',
      'login',
      'auth_fail_action',
      'error_code: default',
      'error_code: over_quota',
      'error_code: dos_api_denial',
      'error_code: timeout',
    ]) {
      expect(text).toContain(`${element}`);
    }
  });

  it('the nodejs22 fixture has every second-generation element', () => {
    const config = fromYaml(readFileSync(join(fixtures, 'valid', 'nodejs22-full.yaml'), 'utf8'));
    expect(Object.keys(config).sort()).toEqual(
      [
        'runtime',
        'service',
        'version',
        'env',
        'entrypoint',
        'runtimeChannel',
        'instanceClass',
        'automaticScaling',
        'inboundServices',
        'serviceAccount',
        'vpcAccessConnector',
        'envVariables',
        'buildEnvVariables',
        'defaultExpiration',
        'errorHandlers',
        'handlers',
      ].sort(),
    );
    expect(Object.keys(config.automaticScaling ?? {})).toHaveLength(9);
  });
});

describe('invalid fixtures', () => {
  const files = yamlFiles('invalid');

  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
  });

  it.each(files)('%s fails with the expected codes', (name) => {
    const path = join(fixtures, 'invalid', name);
    const text = readFileSync(path, 'utf8');
    const result = validateAppYaml(text, { fileName: path });
    expect(result.success).toBe(false);
    const codes = [...new Set(errorsOf(result).map((d) => d.code))].sort();
    expect(codes).toEqual([...new Set(expectedCodes(text))].sort());
    for (const d of errorsOf(result)) {
      expect(d.file).toBe(path);
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('YAML 1.1 readings', () => {
  it.each([
    ['yes', true],
    ['Yes', true],
    ['on', true],
    ['ON', true],
    ['y', true],
    ['true', true],
    ['no', false],
    ['off', false],
    ['Off', false],
    ['n', false],
    ['false', false],
  ])('reads threadsafe: %s as %s', (text, value) => {
    const config = fromYaml(
      `runtime: python27\napi_version: 1\nthreadsafe: ${text}\nhandlers:\n- url: /.*\n  script: main.app\n`,
    );
    expect(config.threadsafe).toBe(value);
  });

  it('reads yes/on as booleans in boolean handler fields', () => {
    const config = fromYaml(`runtime: nodejs22
app_engine_apis: off
handlers:
- url: /s
  static_dir: s
  require_matching_file: yes
- url: /.*
  script: auto
`);
    expect(config.appEngineApis).toBe(false);
    expect(config.handlers?.[0]?.requireMatchingFile).toBe(true);
  });

  it('keeps numbers as written where strings are expected', () => {
    const config = fromYaml(`runtime: nodejs22
service: 123
version: 1
env_variables:
  RATIO: 1.0
  VERSION: 1.10
  OCTAL: 010
  BIG: 1e3
  FLAG: yes
  EMPTY: ""
handlers:
- url: /s
  static_dir: s
  expiration: 10
- url: /.*
  script: auto
`);
    expect(config.service).toBe('123');
    expect(config.version).toBe('1');
    expect(config.envVariables).toEqual({
      RATIO: '1.0',
      VERSION: '1.10',
      OCTAL: '010',
      BIG: '1e3',
      FLAG: 'yes',
      EMPTY: '',
    });
    expect(config.handlers?.[0]?.expiration).toBe('10');
  });

  it('reads api_version: 1 as the string "1" and keeps 1.0 as "1.0"', () => {
    const base = 'runtime: python27\nthreadsafe: true\nhandlers:\n- url: /.*\n  script: main.app\n';
    expect(fromYaml(`${base}api_version: 1\n`).apiVersion).toBe('1');
    expect(fromYaml(`${base}api_version: 1.0\n`).apiVersion).toBe('1.0');
  });

  it('reads numbers where numbers are expected, quoted or not', () => {
    const config = fromYaml(`runtime: nodejs22
automatic_scaling:
  target_cpu_utilization: 0.6
  max_concurrent_requests: "50"
  max_instances: 1_000
  min_idle_instances: 2
  max_idle_instances: automatic
handlers:
- url: /.*
  script: auto
  redirect_http_response_code: 301
`);
    expect(config.automaticScaling).toEqual({
      targetCpuUtilization: 0.6,
      maxConcurrentRequests: 50,
      maxInstances: 1000,
      minIdleInstances: 2,
      maxIdleInstances: 'automatic',
    });
    expect(config.handlers?.[0]?.redirectHttpResponseCode).toBe(301);
  });

  it('reads yes/true/1 and no/false/0 in switches as on and off', () => {
    const config = fromYaml(`runtime: python27
api_version: 1
threadsafe: true
builtins:
- deferred: yes
- appstats: False
- remote_api: 1
- datastore_admin: n
handlers:
- url: /_ah/spi/.*
  script: api.app
  api_endpoint: true
`);
    expect(config.builtins).toEqual([
      { deferred: 'on' },
      { appstats: 'off' },
      { remote_api: 'on' },
      { datastore_admin: 'off' },
    ]);
    expect(config.handlers?.[0]?.apiEndpoint).toBe('on');
    expect(toYaml(config)).toContain('- deferred: "on"');
  });

  it('reads on/off of builtins as the words on and off', () => {
    const config = fromYaml(
      'runtime: python27\napi_version: 1\nthreadsafe: true\nbuiltins:\n- deferred: on\n- appstats: off\n',
    );
    expect(config.builtins).toEqual([{ deferred: 'on' }, { appstats: 'off' }]);
  });

  it('writes strings that YAML 1.1 would read as something else in quotes', () => {
    const yaml = toYaml({
      runtime: 'nodejs22',
      envVariables: { A: 'yes', B: '1.0', C: '1:30', D: 'off', E: '010', F: 'null', G: '' },
    });
    expect(yaml).toContain('A: "yes"');
    expect(yaml).toContain('B: "1.0"');
    expect(yaml).toContain('C: "1:30"');
    expect(yaml).toContain('D: "off"');
    expect(fromYaml(yaml).envVariables).toEqual({
      A: 'yes',
      B: '1.0',
      C: '1:30',
      D: 'off',
      E: '010',
      F: 'null',
      G: '',
    });
  });

  it('rejects a word where a boolean is expected', () => {
    const result = validateAppYaml(
      'runtime: python27\napi_version: 1\nthreadsafe: maybe\nhandlers:\n- url: /.*\n  script: main.app\n',
    );
    expect(errorsOf(result)).toMatchObject([
      {
        code: 'config/invalid-type',
        pathText: 'threadsafe',
        message: 'expected true or false, found "maybe"',
        line: 3,
        column: 13,
      },
    ]);
  });

  it('rejects a word where a number is expected', () => {
    const result = validateAppYaml('runtime: nodejs22\nautomatic_scaling:\n  max_instances: ten\n');
    expect(errorsOf(result)).toMatchObject([
      {
        code: 'config/invalid-type',
        pathText: 'automatic_scaling.max_instances',
        message: 'expected a number, found "ten"',
        line: 3,
        column: 18,
      },
    ]);
  });
});

describe('line and column', () => {
  it('points at the value of a bad field', () => {
    const result = validateAppYaml(`runtime: nodejs22
handlers:
- url: /static
  static_dir: public
  expiration: 4x
- url: /.*
  script: auto
`);
    expect(result.diagnostics).toMatchObject([
      {
        code: 'config/invalid-format',
        pathText: 'handlers[0].expiration',
        file: 'app.yaml',
        line: 5,
        column: 15,
      },
    ]);
  });

  it('points at the key of an unknown or misplaced field', () => {
    const result = validateAppYaml(`runtime: nodejs22
handlers:
- url: /.*
  script: auto
  expiration: 1d
threadsafe: true
`);
    expect(errorsOf(result).map((d) => [d.code, d.line, d.column])).toEqual([
      ['config/field-not-allowed', 5, 3],
      ['config/not-for-runtime', 6, 1],
    ]);
  });

  it('gives syntax errors a line and column', () => {
    const result = validateAppYaml(
      'runtime: nodejs22\nhandlers:\n- url: /.*\n  script: auto\n   secure: always\n',
    );
    expect(result.success).toBe(false);
    expect(result.diagnostics[0]).toMatchObject({
      code: 'config/yaml-syntax',
      pathText: '',
      file: 'app.yaml',
      // the value whose mapping the over-indented line would nest into
      line: 4,
      column: 11,
    });
  });

  it('reports a duplicated key at the second one', () => {
    const result = validateAppYaml('runtime: nodejs22\nservice: a\nservice: b\n');
    expect(result.diagnostics).toMatchObject([
      { code: 'config/duplicate-key', line: 3, column: 1, file: 'app.yaml' },
    ]);
  });

  it('names the field of a duplicated key and still reports every other problem', () => {
    const result = validateAppYaml(
      'runtime: nodejs22\nservice: Bad_Name\nhandlers:\n- url: /a\n  static_dir: a\n  static_dir: b\n  expiration: 4x\n',
    );
    expect(result.success).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.pathText, d.line])).toEqual(
      expect.arrayContaining([
        ['config/duplicate-key', 'handlers[0].static_dir', 6],
        [expect.any(String), 'service', 2],
        [expect.any(String), 'handlers[0].expiration', 7],
      ]),
    );
    expect(result.diagnostics.find((d) => d.code === 'config/duplicate-key')?.path).toEqual([
      'handlers',
      0,
      'staticDir',
    ]);
  });

  it('keeps user names in the path of a duplicate, places the later value, allows repeated <<', () => {
    const result = validateAppYaml(
      'runtime: nodejs22\nenv_variables:\n  my_var: a\n  my_var: b\nhandlers:\n- url: /a\n  static_dir: a\n  expiration: 1d\n  expiration: 4x\n',
    );
    const duplicate = result.diagnostics.find((d) => d.pathText === 'env_variables.my_var');
    expect(duplicate).toMatchObject({ code: 'config/duplicate-key', line: 4 });
    expect(duplicate?.path).toEqual(['envVariables', 'my_var']);
    // The value read is the later one, and its problem is placed there.
    const expiration = result.diagnostics.find(
      (d) => d.pathText === 'handlers[0].expiration' && d.code !== 'config/duplicate-key',
    );
    expect(expiration?.line).toBe(9);
    const merged = validateAppYaml(
      'base: &base\n  threadsafe: true\nother: &other\n  api_version: 1\nruntime: python27\n<<: *base\n<<: *other\nhandlers:\n- url: /.*\n  script: main.app\n',
    );
    expect(merged.diagnostics.filter((d) => d.code === 'config/duplicate-key')).toEqual([]);
  });

  it('uses the file name given', () => {
    const result = validateAppYaml('runtime: nodejs22\nversion: ah-1\n', {
      fileName: 'services/api/app.yaml',
    });
    expect(formatDiagnostics(result.diagnostics)).toBe(
      'services/api/app.yaml:2:10: error version: version ids starting with "ah-" are reserved [config/reserved-version]\n    found: "ah-1"',
    );
  });

  it('formats a ConfigError message with file, line and column of every error', () => {
    let error: ConfigError | undefined;
    try {
      fromYaml('runtime: nodejs22\ninstance_class: B1\nhandlers:\n- url: api\n  script: auto\n');
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('Invalid configuration (2 errors)');
    expect(error?.message).toContain('app.yaml:2:17: error instance_class: B1 is a B class');
    expect(error?.message).toContain(
      'app.yaml:4:8: error handlers[0].url: url pattern "api" must start with "/"',
    );
  });
});

describe('unknown fields in app.yaml', () => {
  it('suggests the snake_case name', () => {
    const result = validateAppYaml(`runtime: nodejs22
entry_point: node server.js
automatic_scaling:
  max_instance: 2
handlers:
- url: /s
  static_dirs: s
- url: /.*
  script: auto
  secure_: always
`);
    expect(errorsOf(result).map((d) => [d.code, d.pathText, d.message, d.hint, d.line])).toEqual([
      [
        'config/unknown-field',
        'entry_point',
        'unknown field "entry_point"',
        'did you mean "entrypoint"?',
        2,
      ],
      [
        'config/unknown-field',
        'automatic_scaling.max_instance',
        'unknown field "max_instance"',
        'did you mean "max_instances"?',
        4,
      ],
      [
        'config/handler-type-missing',
        'handlers[0]',
        'handler for "/s" has no script, static_dir or static_files',
        undefined,
        6,
      ],
      [
        'config/unknown-field',
        'handlers[0].static_dirs',
        'unknown field "static_dirs"',
        'did you mean "static_dir"?',
        7,
      ],
      [
        'config/unknown-field',
        'handlers[1].secure_',
        'unknown field "secure_"',
        'did you mean "secure"?',
        10,
      ],
    ]);
  });

  it('keeps camelCase keys as written and suggests the snake_case name', () => {
    const result = validateAppYaml('runtime: nodejs22\ninstanceClass: F2\n');
    expect(errorsOf(result)).toMatchObject([
      {
        code: 'config/unknown-field',
        pathText: 'instanceClass',
        message: 'unknown field "instanceClass"',
        hint: 'did you mean "instance_class"?',
        line: 2,
        column: 1,
      },
    ]);
  });

  it('suggests the closest field in snake_case, or lists them all when none is close', () => {
    const close = validateAppYaml('runtime: nodejs22\nvpc_access_connector:\n  nam: x\n');
    const typo = errorsOf(close).find((d) => d.code === 'config/unknown-field');
    expect(typo?.hint).toBe('did you mean "name"?');
    expect(typo?.allowed).toBeUndefined();
    const far = validateAppYaml(
      'runtime: nodejs22\nvpc_access_connector:\n  name: x\n  zzzzzz: y\n',
    );
    const unknown = errorsOf(far).find((d) => d.code === 'config/unknown-field');
    expect(unknown?.allowed).toBe('"name" or "egress_setting"');
    expect(unknown?.hint).toBeUndefined();
  });
});

describe('every problem is reported at once', () => {
  it('reports five different mistakes as five diagnostics, in line order', () => {
    const result = validateAppYaml(`runtime: nodejs22
version: ah-v1
instance_class: B2
default_expiration: 5 minutes
handlers:
- url: /.*
  script: main.app
  secur: always
`);
    expect(result.success).toBe(false);
    expect(result.diagnostics.map((d) => [d.code, d.pathText, d.line])).toEqual([
      ['config/reserved-version', 'version', 2],
      ['config/instance-class-scaling', 'instance_class', 3],
      ['config/invalid-format', 'default_expiration', 4],
      ['config/script-not-auto', 'handlers[0].script', 7],
      ['config/unknown-field', 'handlers[0].secur', 8],
    ]);
  });

  it('reports the same mistake in every handler', () => {
    const handlers = Array.from(
      { length: 5 },
      (_, i) => `- url: /h${i}\n  script: auto\n  expiration: ${i}d\n`,
    ).join('');
    const result = validateAppYaml(`runtime: nodejs22\nhandlers:\n${handlers}`);
    expect(result.diagnostics.map((d) => d.pathText)).toEqual([
      'handlers[0].expiration',
      'handlers[1].expiration',
      'handlers[2].expiration',
      'handlers[3].expiration',
      'handlers[4].expiration',
    ]);
  });
});

describe('module, the old name of service', () => {
  it('is read as service, with a warning', () => {
    const result = validateAppYaml('runtime: nodejs22\nmodule: api\n');
    expect(result.success).toBe(true);
    expect(result.data).toEqual({ runtime: 'nodejs22', service: 'api' });
    expect(result.diagnostics).toMatchObject([
      {
        severity: 'warning',
        code: 'config/deprecated',
        pathText: 'module',
        message: 'module is the old name of service',
        hint: 'Rename it to service.',
        line: 2,
        column: 9,
      },
    ]);
    expect(toYaml(result.data ?? { runtime: '' })).toBe('runtime: nodejs22\nservice: api\n');
  });

  it('cannot be used together with service', () => {
    const result = validateAppYaml('runtime: nodejs22\nservice: api\nmodule: api\n');
    expect(result.success).toBe(false);
    expect(result.diagnostics).toMatchObject([
      {
        severity: 'error',
        code: 'config/conflict',
        pathText: 'module',
        message: 'module and service cannot both be set; module is the old name of service',
        line: 3,
      },
    ]);
  });

  it('is checked like service', () => {
    const result = validateAppYaml('runtime: nodejs22\nmodule: My_Api\n');
    expect(errorsOf(result)).toMatchObject([
      { code: 'config/invalid-format', message: '"My_Api" is not a valid service id' },
    ]);
  });
});

describe('includes (first generation)', () => {
  const dir = join(fixtures, 'includes');
  const read = (name: string) => {
    const path = join(dir, name);
    return validateAppYaml(readFileSync(path, 'utf8'), { fileName: path });
  };

  it('puts included handlers at the head and position: tail ones at the end', () => {
    const result = read('app.yaml');
    expect(errorsOf(result)).toEqual([]);
    const urls = result.data?.handlers?.map((h) => h.url) ?? [];
    expect(urls.filter((url) => url !== '/dir')).toEqual(['/head', '/head2', '/main', '/tail']);
    expect(urls.indexOf('/dir')).toBeLessThan(urls.indexOf('/main'));
    // position is consumed by the merge and never reaches the config.
    expect(result.data?.handlers?.some((h) => h.position !== undefined)).toBe(false);
  });

  it('lets included env_variables override the includer, ORs skip_files, takes the larger instances', () => {
    const result = read('app.yaml');
    expect(result.data?.envVariables).toEqual({
      SHARED: 'from-include',
      OWN: 'from-app',
      INCLUDED: 'yes',
    });
    expect(result.data?.skipFiles).toEqual(['^app-only/.*$', '^common-only/.*$']);
    expect(result.data?.manualScaling).toEqual({ instances: 5 });
    expect(result.data?.builtins).toEqual([{ deferred: 'on' }]);
    expect(result.data?.includes).toBeUndefined();
  });

  it('reads include.yaml when an entry names a directory', () => {
    expect(read('app.yaml').data?.handlers?.find((h) => h.url === '/dir')?.script).toBe('dir.app');
  });

  it('detects a cycle', () => {
    const result = read('cycle-a.yaml');
    expect(result.success).toBe(false);
    const cycle = errorsOf(result).find((d) => d.code === 'config/include-cycle');
    expect(cycle?.message).toContain('includes itself');
    expect(cycle?.message).toContain('cycle-a.yaml');
  });

  it('reports a missing file at its includes entry', () => {
    const result = read('missing.yaml');
    expect(result.success).toBe(false);
    expect(errorsOf(result)).toMatchObject([
      {
        code: 'config/include-not-found',
        path: ['includes', 1],
        message: expect.stringContaining('cannot read included file "does-not-exist.yaml"'),
        file: join(dir, 'missing.yaml'),
        line: 6,
        column: 3,
      },
    ]);
  });

  it('reports problems of an included file in that file, with its lines', () => {
    const result = read('bad-include.yaml');
    const bad = join(dir, 'bad.yaml');
    expect(errorsOf(result).map((d) => [d.code, d.pathText, d.file, d.line])).toEqual([
      ['config/not-in-include', 'runtime', bad, 2],
      ['config/invalid-format', 'handlers[0].expiration', bad, 6],
    ]);
  });

  it('reads included files through readFile when given', () => {
    const files: Record<string, string> = {
      '/app/extra.yaml': 'handlers:\n- url: /extra\n  script: extra.app\n',
    };
    const result = validateAppYaml(
      'runtime: python27\napi_version: 1\nthreadsafe: true\nincludes:\n- extra.yaml\n',
      {
        fileName: '/app/app.yaml',
        readFile: (path) => {
          const text = files[path];
          if (text === undefined) throw new Error(`ENOENT: ${path}`);
          return text;
        },
      },
    );
    expect(errorsOf(result)).toEqual([]);
    expect(result.data?.handlers).toEqual([{ url: '/extra', script: 'extra.app' }]);
  });

  it('keeps includes unresolved with resolveIncludes: false', () => {
    const result = validateAppYaml(
      'runtime: python27\napi_version: 1\nthreadsafe: true\nincludes:\n- nowhere.yaml\n',
      { resolveIncludes: false },
    );
    expect(result.success).toBe(true);
    expect(result.data?.includes).toEqual(['nowhere.yaml']);
  });
});
