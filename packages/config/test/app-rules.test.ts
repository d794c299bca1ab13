import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  type Diagnostic,
  parseApp,
  type ValidateAppOptions,
  validateApp,
  validateAppYaml,
} from '../src/index.js';

type Config = Record<string, unknown>;

const node = (extra: Config = {}): Config => ({
  runtime: 'nodejs22',
  handlers: [{ url: '/.*', script: 'auto' }],
  ...extra,
});
const py27 = (extra: Config = {}): Config => ({
  runtime: 'python27',
  apiVersion: '1',
  threadsafe: true,
  handlers: [{ url: '/.*', script: 'main.app' }],
  ...extra,
});

function run(config: Config, options?: ValidateAppOptions) {
  return validateApp(config, options);
}

function errors(config: Config, options?: ValidateAppOptions): Diagnostic[] {
  return run(config, options).diagnostics.filter((d) => d.severity === 'error');
}

function warnings(config: Config): Diagnostic[] {
  return run(config).diagnostics.filter((d) => d.severity === 'warning');
}

/** Asserts that the config is valid with no diagnostics of `code` (warnings of other codes allowed). */
function expectValid(config: Config, options?: ValidateAppOptions): void {
  const result = run(config, options);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(result.success).toBe(true);
}

/** Asserts that the config has exactly one error, with this code, path and message part. */
function expectOneError(
  config: Config,
  code: string,
  pathText: string,
  message: string | RegExp,
  options?: ValidateAppOptions,
): Diagnostic {
  const found = errors(config, options);
  expect(found.map((d) => [d.code, d.pathText])).toEqual([[code, pathText]]);
  expect(found[0]?.message).toMatch(message);
  expect(run(config, options).success).toBe(false);
  return found[0] as Diagnostic;
}

describe('§1.14.1 runtime is required', () => {
  it('rejects a config without runtime', () => {
    expectOneError({}, 'config/required', 'runtime', 'is required');
  });

  it('accepts a runtime alone on a second-generation runtime (no handlers needed)', () => {
    expect(run({ runtime: 'nodejs22' })).toEqual({
      success: true,
      data: { runtime: 'nodejs22' },
      diagnostics: [],
    });
  });

  it('rejects a runtime that is not a string', () => {
    expectOneError(
      { runtime: 22 },
      'config/invalid-type',
      'runtime',
      'expected a string, found 22',
    );
  });
});

describe('§1.14.2 scaling blocks and instance classes', () => {
  it('accepts one scaling block', () => {
    expectValid(node({ automaticScaling: { maxInstances: 5 } }));
    expectValid(node({ instanceClass: 'B4', basicScaling: { maxInstances: 2 } }));
    expectValid(node({ instanceClass: 'B4_1G', manualScaling: { instances: 2 } }));
  });

  it('rejects two scaling blocks, at the second one', () => {
    expectOneError(
      node({ automaticScaling: {}, manualScaling: { instances: 1 } }),
      'config/scaling-conflict',
      'manualScaling',
      'only one scaling block is allowed, but both automaticScaling and manualScaling are set',
    );
  });

  it('rejects three scaling blocks with one error per extra block', () => {
    const found = errors(
      node({
        automaticScaling: {},
        basicScaling: { maxInstances: 1 },
        manualScaling: { instances: 1 },
      }),
    );
    expect(found.map((d) => [d.code, d.pathText])).toEqual([
      ['config/scaling-conflict', 'basicScaling'],
      ['config/scaling-conflict', 'manualScaling'],
    ]);
  });

  it('rejects a B class without a scaling block (automatic scaling)', () => {
    const d = expectOneError(
      node({ instanceClass: 'B2' }),
      'config/instance-class-scaling',
      'instanceClass',
      'B2 is a B class, which needs basicScaling or manualScaling (no scaling block means automatic scaling)',
    );
    expect(d.allowed).toBe('F1, F2, F4 or F4_1G with automatic scaling');
  });

  it('rejects a B class with automatic_scaling', () => {
    expectOneError(
      node({ instanceClass: 'B8', automaticScaling: { maxInstances: 1 } }),
      'config/instance-class-scaling',
      'instanceClass',
      'B8 is a B class',
    );
  });

  it('rejects an F class with basic or manual scaling', () => {
    expectOneError(
      node({ instanceClass: 'F2', basicScaling: { maxInstances: 1 } }),
      'config/instance-class-scaling',
      'instanceClass',
      'F2 is an F class, which works with automatic scaling only, not basicScaling',
    );
    expectOneError(
      node({ instanceClass: 'F4_1G', manualScaling: { instances: 1 } }),
      'config/instance-class-scaling',
      'instanceClass',
      'not manualScaling',
    );
  });

  it('accepts every F class with automatic scaling and every B class with basic scaling', () => {
    for (const instanceClass of ['F1', 'F2', 'F4', 'F4_1G']) expectValid(node({ instanceClass }));
    for (const instanceClass of ['B1', 'B2', 'B4', 'B4_1G', 'B8']) {
      expectValid(node({ instanceClass, basicScaling: { maxInstances: 1, idleTimeout: '5m' } }));
    }
  });

  it('requires basic_scaling.max_instances and manual_scaling.instances', () => {
    expectOneError(
      node({ instanceClass: 'B1', basicScaling: { idleTimeout: '5m' } }),
      'config/required',
      'basicScaling.maxInstances',
      'is required',
    );
    expectOneError(
      node({ instanceClass: 'B1', manualScaling: {} }),
      'config/required',
      'manualScaling.instances',
      'is required',
    );
  });
});

describe('§1.14.3 at most 100 handlers', () => {
  const handlers = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ url: `/h${i}`, script: 'auto' }));

  it('accepts 100 handlers', () => {
    expectValid({ runtime: 'nodejs22', handlers: handlers(100) });
  });

  it('rejects 101 handlers', () => {
    const d = expectOneError(
      { runtime: 'nodejs22', handlers: handlers(101) },
      'config/too-many',
      'handlers',
      '101 handlers are defined',
    );
    expect(d.allowed).toBe('at most 100');
  });
});

describe('§1.14.4 handlers', () => {
  it('rejects a handler without a type', () => {
    const d = expectOneError(
      node({ handlers: [{ url: '/x', secure: 'always' }] }),
      'config/handler-type-missing',
      'handlers[0]',
      'handler for "/x" has no script, staticDir or staticFiles',
    );
    expect(d.allowed).toBe('exactly one of "script", "staticDir" or "staticFiles"');
  });

  it('rejects a handler with two types', () => {
    expectOneError(
      node({ handlers: [{ url: '/x', staticDir: 'x', staticFiles: 'y', upload: 'y' }] }),
      'config/handler-type-conflict',
      'handlers[0].staticFiles',
      'a handler has exactly one type, but this one has both staticDir and staticFiles',
    );
    expectOneError(
      node({ handlers: [{ url: '/x', script: 'auto', staticDir: 'x' }] }),
      'config/handler-type-conflict',
      'handlers[0].staticDir',
      'both script and staticDir',
    );
  });

  it.each([
    ['staticDir', { staticDir: 'x', upload: 'x/.*' }, 'upload', 'upload goes with staticFiles.'],
    [
      'script',
      { script: 'auto', expiration: '1d' },
      'expiration',
      'expiration applies to static handlers (staticDir, staticFiles) only.',
    ],
    [
      'script',
      { script: 'auto', mimeType: 'text/plain' },
      'mimeType',
      'mimeType applies to static handlers (staticDir, staticFiles) only.',
    ],
    [
      'script',
      { script: 'auto', requireMatchingFile: true },
      'requireMatchingFile',
      'requireMatchingFile applies to static handlers (staticDir, staticFiles) only.',
    ],
  ])('rejects a field that the %s type does not take (%j)', (type, fields, field, hint) => {
    const d = expectOneError(
      node({
        handlers: [
          { url: '/x', ...fields },
          { url: '/.*', script: 'auto' },
        ],
      }),
      'config/field-not-allowed',
      `handlers[0].${field}`,
      `${field} is not allowed on a ${type} handler`,
    );
    expect(d.hint).toBe(hint);
  });

  it('offers only what the runtime and the file allow, and reports position once', () => {
    const d = expectOneError(
      node({
        handlers: [
          { url: '/x', staticDir: 's', upload: 'x' },
          { url: '/.*', script: 'auto' },
        ],
      }),
      'config/field-not-allowed',
      'handlers[0].upload',
      'upload is not allowed on a staticDir handler',
    );
    // nodejs22: no login (no Users service), no application_readable (first generation only).
    expect(d.allowed).not.toMatch(/login|authFailAction|applicationReadable|position/);
    expect(d.allowed).toContain('requireMatchingFile');
    expectOneError(
      node({
        handlers: [
          { url: '/x', staticDir: 's', position: 'tail' },
          { url: '/.*', script: 'auto' },
        ],
      }),
      'config/position-outside-include',
      'handlers[0].position',
      'only allowed in handlers of an included file',
    );
  });

  it('accepts every field each type allows', () => {
    const common = {
      secure: 'always',
      redirectHttpResponseCode: 301,
    };
    const staticOptions = {
      mimeType: 'text/plain',
      expiration: '1h',
      requireMatchingFile: true,
      httpHeaders: { 'X-A': 'b' },
    };
    expectValid(
      node({
        handlers: [
          { url: '/a', staticDir: 'a', ...common, ...staticOptions },
          { url: '/b/(.*)', staticFiles: 'b/\\1', upload: 'b/.*', ...common, ...staticOptions },
          { url: '/.*', script: 'auto', ...common },
        ],
      }),
    );
  });

  it.each([
    [{ url: '/.*', script: '' }, 'handlers[0].script', '"" is not a valid script'],
    [{ url: '/s', staticDir: '' }, 'handlers[0].staticDir', '"" is not a valid directory'],
    [
      { url: '/s', staticFiles: '', upload: 's' },
      'handlers[0].staticFiles',
      '"" is not a valid file path',
    ],
    [
      { url: '/s', staticFiles: 's', upload: '' },
      'handlers[0].upload',
      '"" is not a valid upload pattern',
    ],
  ])('rejects an empty path (%j)', (handler, pathText, message) => {
    const handlers = [handler, { url: '/x', script: 'auto' }];
    expectOneError(node({ handlers }), 'config/invalid-format', pathText, message);
  });

  it('rejects an empty error page path', () => {
    expectOneError(
      node({ errorHandlers: [{ file: '' }] }),
      'config/invalid-format',
      'errorHandlers[0].file',
      '"" is not a valid file path',
    );
  });

  it('requires upload with static_files and suggests one', () => {
    const d = expectOneError(
      node({ handlers: [{ url: '/(.*)\\.html', staticFiles: 'www/\\1.html' }] }),
      'config/required',
      'handlers[0].upload',
      'a staticFiles handler needs upload',
    );
    expect(d.hint).toBe('For example upload: "www/.*\\\\.html".');
  });

  it('rejects position outside an included file', () => {
    expectOneError(
      py27({ handlers: [{ url: '/.*', script: 'main.app', position: 'tail' }] }),
      'config/position-outside-include',
      'handlers[0].position',
      'position is only allowed in handlers of an included file',
    );
  });

  it('rejects mime_type together with Content-Type in http_headers', () => {
    expectOneError(
      node({
        handlers: [
          {
            url: '/a',
            staticDir: 'a',
            mimeType: 'text/css',
            httpHeaders: { 'Content-Type': 'text/css' },
          },
          { url: '/.*', script: 'auto' },
        ],
      }),
      'config/conflict',
      'handlers[0].mimeType',
      'cannot both be set',
    );
  });

  describe('url patterns (spec §1.7)', () => {
    it.each(['/', '/.*', '/a/(.*)', '.*', '(/a|/b)', '/x$'])('accepts %j', (url) => {
      expectValid(node({ handlers: [{ url, script: 'auto' }] }));
    });

    it('rejects a pattern starting with ^', () => {
      const d = expectOneError(
        node({ handlers: [{ url: '^/api/.*', script: 'auto' }] }),
        'config/invalid-url-pattern',
        'handlers[0].url',
        'must not start with "^"',
      );
      expect(d.hint).toBe('Write "/api/.*".');
    });

    it('rejects a pattern that starts with a group and ends with $', () => {
      const d = expectOneError(
        node({ handlers: [{ url: '(/a|/b)$', script: 'auto' }] }),
        'config/invalid-url-pattern',
        'handlers[0].url',
        'starts with a group and so must not end with "$"',
      );
      expect(d.hint).toBe('Write "(/a|/b)".');
    });

    it('accepts secure: default, which means optional', () => {
      expectValid(node({ handlers: [{ url: '/.*', script: 'auto', secure: 'default' }] }));
    });

    it('rejects a pattern not starting with /', () => {
      const d = expectOneError(
        node({ handlers: [{ url: 'api', script: 'auto' }] }),
        'config/invalid-url-pattern',
        'handlers[0].url',
        'url pattern "api" must start with "/"',
      );
      expect(d.hint).toBe('Write "/api".');
    });

    it('rejects an invalid regular expression in url and upload', () => {
      const unclosed = expectOneError(
        node({ handlers: [{ url: '/(a', script: 'auto' }] }),
        'config/invalid-regex',
        'handlers[0].url',
        '"/(a" is not a valid regular expression',
      );
      // The reason only: the pattern is shown once, as written.
      expect(unclosed.message).toBe('"/(a" is not a valid regular expression (unterminated group)');
      expectOneError(
        node({
          handlers: [
            { url: '/a', staticFiles: 'a', upload: 'a[' },
            { url: '/.*', script: 'auto' },
          ],
        }),
        'config/invalid-regex',
        'handlers[0].upload',
        '"a[" is not a valid regular expression',
      );
    });

    it("reads patterns as Python's re does, as the router runs them", () => {
      expectValid(
        node({
          handlers: [
            { url: '/(?P<user>\\w+)/(?P=user)\\Z', script: 'auto' },
            {
              url: '/(?P<name>[^/]+)\\.png',
              staticFiles: 'img/\\1.png',
              upload: 'img/[]x]+\\.png',
            },
            { url: '/.*', script: 'auto' },
          ],
        }),
      );
      expectValid(node({ handlers: [{ url: '/(?P<a>x)(?P=a)', script: 'auto' }] }));
      expectOneError(
        node({ handlers: [{ url: '/(?P=a)', script: 'auto' }] }),
        'config/invalid-regex',
        'handlers[0].url',
        'unknown group name "a"',
      );
      expectOneError(
        node({ handlers: [{ url: '(?x)/a b', script: 'auto' }] }),
        'config/invalid-regex',
        'handlers[0].url',
        'verbose patterns',
      );
      expectOneError(
        node({
          handlers: [
            { url: '/(?P<dir>img)', staticDir: 'public' },
            { url: '/.*', script: 'auto' },
          ],
        }),
        'config/invalid-url-pattern',
        'handlers[0].url',
        'must not contain groups',
      );
      expectOneError(
        node({
          handlers: [
            { url: '/(?P<name>.+)', staticFiles: 'img/\\2', upload: 'img/.+' },
            { url: '/.*', script: 'auto' },
          ],
        }),
        'config/invalid-back-reference',
        'handlers[0].staticFiles',
        'it has 1',
      );
    });

    it('rejects groups in the url of a static_dir handler', () => {
      expectOneError(
        node({
          handlers: [
            { url: '/(img|css)', staticDir: 'public' },
            { url: '/.*', script: 'auto' },
          ],
        }),
        'config/invalid-url-pattern',
        'handlers[0].url',
        'the url of a staticDir handler is a prefix and must not contain groups',
      );
      expectValid(
        node({
          handlers: [
            { url: '/(?:img)', staticDir: 'public' },
            { url: '/.*', script: 'auto' },
          ],
        }),
      );
      expectValid(
        node({
          handlers: [
            { url: '/\\(x\\)[(]', staticDir: 'public' },
            { url: '/.*', script: 'auto' },
          ],
        }),
      );
    });

    it('rejects a back-reference to a group the url does not have', () => {
      expectValid(
        node({
          handlers: [
            { url: '/(a)/(b)', staticFiles: 's/\\1/\\2', upload: 's/.*' },
            { url: '/.*', script: 'auto' },
          ],
        }),
      );
      expectOneError(
        node({
          handlers: [
            { url: '/(a)/b', staticFiles: 's/\\1/\\2', upload: 's/.*' },
            { url: '/.*', script: 'auto' },
          ],
        }),
        'config/invalid-back-reference',
        'handlers[0].staticFiles',
        '\\2 refers to a group the url pattern does not have (it has 1)',
      );
    });
  });
});

describe('§1.14.5 second-generation runtimes', () => {
  it('requires script: auto', () => {
    const d = expectOneError(
      node({ handlers: [{ url: '/.*', script: 'main.app' }] }),
      'config/script-not-auto',
      'handlers[0].script',
      'on nodejs22, script must be "auto"',
    );
    expect(d.found).toBe('main.app');
  });

  it.each(['login', 'authFailAction'])('rejects %s on Node.js even with appEngineApis', (field) => {
    const value = field === 'login' ? 'admin' : 'unauthorized';
    expectOneError(
      node({
        appEngineApis: true,
        handlers: [{ url: '/.*', script: 'auto', [field]: value }],
      }),
      'config/not-for-runtime',
      `handlers[0].${field}`,
      `${field} is not available on nodejs22`,
    );
  });

  it('accepts login on other second-generation runtimes only with appEngineApis', () => {
    const handlers = [
      { url: '/.*', script: 'auto', login: 'required', authFailAction: 'redirect' },
    ];
    expectValid({ runtime: 'python312', appEngineApis: true, handlers });
    const found = errors({ runtime: 'python312', handlers });
    expect(found.map((d) => [d.code, d.pathText])).toEqual([
      ['config/needs-app-engine-apis', 'handlers[0].login'],
      ['config/needs-app-engine-apis', 'handlers[0].authFailAction'],
    ]);
    expect(found[0]?.message).toBe('login on python312 needs appEngineApis: true');
  });

  it.each([
    ['threadsafe', true],
    ['apiVersion', '1'],
    ['builtins', [{ deferred: 'on' }]],
    ['libraries', [{ name: 'webapp2', version: 'latest' }]],
    ['skipFiles', '^tests/.*$'],
    ['includes', ['extra.yaml']],
  ])('rejects the first-generation element %s', (field, value) => {
    expectOneError(
      node({ [field]: value }),
      'config/not-for-runtime',
      field,
      `${field} exists only on first-generation runtimes (python27 and friends), not on nodejs22`,
    );
  });

  it('rejects application_readable on a second-generation static handler', () => {
    expectOneError(
      node({
        handlers: [
          { url: '/s', staticDir: 's', applicationReadable: true },
          { url: '/.*', script: 'auto' },
        ],
      }),
      'config/not-for-runtime',
      'handlers[0].applicationReadable',
      'applicationReadable exists only on first-generation runtimes, not on nodejs22',
    );
  });

  it('allows only the warmup inbound service without appEngineApis', () => {
    expectValid(node({ inboundServices: ['warmup'] }));
    expectOneError(
      node({ inboundServices: ['warmup', 'mail'] }),
      'config/needs-app-engine-apis',
      'inboundServices[1]',
      'inbound service "mail" on nodejs22 needs appEngineApis: true',
    );
    expectValid({ runtime: 'python312', appEngineApis: true, inboundServices: ['mail', 'warmup'] });
  });

  it('rejects the first-generation error codes default and dos_api_denial', () => {
    expectValid(
      node({
        errorHandlers: [
          { file: 'err.html' },
          { errorCode: 'over_quota', file: 'q.html' },
          { errorCode: 'timeout', file: 't.html', mimeType: 'text/html' },
        ],
      }),
    );
    const found = errors(
      node({
        errorHandlers: [
          { errorCode: 'default', file: 'err.html' },
          { errorCode: 'dos_api_denial', file: 'dos.html' },
        ],
      }),
    );
    expect(found.map((d) => [d.code, d.pathText, d.message])).toEqual([
      [
        'config/not-for-runtime',
        'errorHandlers[0].errorCode',
        'error code "default" exists only on first-generation runtimes',
      ],
      [
        'config/not-for-runtime',
        'errorHandlers[1].errorCode',
        'error code "dos_api_denial" exists only on first-generation runtimes',
      ],
    ]);
  });

  it('warns about elements second-generation runtimes ignore', () => {
    expect(
      warnings(
        node({ application: 'p', derivedFileType: ['python_precompiled'], autoIdPolicy: 'legacy' }),
      ).map((d) => [d.code, d.pathText]),
    ).toEqual([
      ['config/ignored-on-runtime', 'application'],
      ['config/ignored-on-runtime', 'derivedFileType'],
      ['config/ignored-on-runtime', 'autoIdPolicy'],
    ]);
    expect(run(node({ application: 'p' })).success).toBe(true);
  });

  it('warns that appEngineApis is not known to work on Node.js', () => {
    expect(warnings(node({ appEngineApis: true }))).toMatchObject([
      { code: 'config/app-engine-apis-node', pathText: 'appEngineApis' },
    ]);
    expect(warnings({ runtime: 'go122', appEngineApis: true })).toEqual([]);
  });

  it('warns when static handlers have no script handler and no entrypoint', () => {
    const staticOnly = { runtime: 'nodejs22', handlers: [{ url: '/s', staticDir: 's' }] };
    expect(warnings(staticOnly)).toMatchObject([
      {
        code: 'config/no-script-handler',
        pathText: 'handlers',
        message: 'no handler sends requests to the app (script: auto) and no entrypoint is set',
      },
    ]);
    expect(warnings({ ...staticOnly, entrypoint: 'node server.js' })).toEqual([]);
  });

  it('accepts entrypoint and build_env_variables', () => {
    expectValid(
      node({
        entrypoint: 'node dist/server.js',
        buildEnvVariables: { GOOGLE_NODE_RUN_SCRIPTS: '' },
      }),
    );
  });
});

describe('§1.14.6 python27', () => {
  it('accepts a complete python27 app', () => {
    expectValid(py27({ libraries: [{ name: 'webapp2', version: 'latest' }] }));
  });

  it('requires threadsafe', () => {
    const config = py27();
    delete config.threadsafe;
    const d = expectOneError(
      config,
      'config/required',
      'threadsafe',
      'threadsafe is required for python27',
    );
    expect(d.allowed).toBe('true or false');
  });

  it('requires api_version', () => {
    const config = py27();
    delete config.apiVersion;
    expectOneError(config, 'config/required', 'apiVersion', 'apiVersion is required for python27');
  });

  it('warns, without failing, when there is no handler, builtin or include', () => {
    // The old SDK refused this; Google's current validator accepts it.
    const config = py27();
    delete config.handlers;
    expect(errors(config)).toEqual([]);
    expect(warnings(config)).toMatchObject([
      {
        code: 'config/no-handlers',
        pathText: 'handlers',
        message: 'a python27 app without "handlers", "builtins" or "includes" serves nothing',
      },
    ]);
    expect(warnings({ ...config, builtins: [{ deferred: 'on' }] })).toEqual([]);
  });

  it.each(['main.py', 'scripts/main', 'app/main.py'])(
    'rejects the CGI script %j with threadsafe: true',
    (script) => {
      expectOneError(
        py27({ handlers: [{ url: '/.*', script }] }),
        'config/cgi-script-threadsafe',
        'handlers[0].script',
        `${JSON.stringify(script)} is a CGI script, which threadsafe: true does not allow`,
      );
      expectValid(py27({ threadsafe: false, handlers: [{ url: '/.*', script }] }));
    },
  );

  it('accepts WSGI module paths with threadsafe: true', () => {
    expectValid(py27({ handlers: [{ url: '/.*', script: 'app.main.application' }] }));
  });

  it('allows login and auth_fail_action', () => {
    expectValid(
      py27({
        handlers: [
          { url: '/admin/.*', script: 'admin.app', login: 'admin', authFailAction: 'unauthorized' },
        ],
      }),
    );
  });

  it('allows libraries only on python27 among first-generation runtimes', () => {
    expectOneError(
      {
        runtime: 'php55',
        apiVersion: '1',
        handlers: [{ url: '/.*', script: 'index.php' }],
        libraries: [{ name: 'webapp2', version: 'latest' }],
      },
      'config/not-for-runtime',
      'libraries',
      'libraries exists only for python27',
    );
  });

  it('rejects a library listed twice', () => {
    expectOneError(
      py27({
        libraries: [
          { name: 'jinja2', version: '2.6' },
          { name: 'webapp2', version: 'latest' },
          { name: 'jinja2', version: 'latest' },
        ],
      }),
      'config/duplicate',
      'libraries[2].name',
      'library "jinja2" is listed twice',
    );
  });

  it('accepts only the libraries python27 bundles, in their versions or latest', () => {
    expectValid(
      py27({
        libraries: [
          { name: 'django', version: '1.11' },
          { name: 'MySQLdb', version: '1.2.5' },
          { name: 'ssl', version: '2.7.current' },
          { name: 'numpy', version: 'latest' },
        ],
      }),
    );
    const unknown = expectOneError(
      py27({ libraries: [{ name: 'Flask', version: 'latest' }] }),
      'config/unknown-library',
      'libraries[0].name',
      'python27 does not bundle a library named "Flask"',
    );
    expect(unknown.hint).toBe('did you mean "flask"?');
    const version = expectOneError(
      py27({ libraries: [{ name: 'jinja2', version: '2.7' }] }),
      'config/unsupported-library-version',
      'libraries[0].version',
      'python27 does not bundle version "2.7" of jinja2',
    );
    expect(version.allowed).toBe('"2.6" or "latest"');
  });

  it('reads yes/no, true/false and 1/0 in builtins as on/off', () => {
    const result = run(
      py27({ builtins: [{ deferred: 'yes' }, { appstats: 'false' }, { remote_api: '1' }] }),
    );
    expect(result.success).toBe(true);
    expect(result.data?.builtins).toEqual([
      { deferred: 'on' },
      { appstats: 'off' },
      { remote_api: 'on' },
    ]);
  });

  it('requires name and version of a library', () => {
    expectOneError(
      py27({ libraries: [{ name: 'jinja2' }] }),
      'config/required',
      'libraries[0].version',
      'is required',
    );
  });

  it('rejects a builtins entry with two names, and a builtin listed twice', () => {
    expectOneError(
      py27({ builtins: [{ deferred: 'on', appstats: 'on' }] }),
      'config/invalid-builtin',
      'builtins[0]',
      'each builtins entry names exactly one builtin, this one names 2',
    );
    expectOneError(
      py27({ builtins: [{ deferred: 'on' }, { deferred: 'off' }] }),
      'config/duplicate',
      'builtins[1].deferred',
      'builtin "deferred" is listed twice',
    );
  });

  it('rejects a builtin value other than on/off', () => {
    expectOneError(
      py27({ builtins: [{ deferred: 'maybe' }] }),
      'config/invalid-value',
      'builtins[0].deferred',
      '"maybe" is not allowed',
    );
  });

  it('rejects invalid skip_files regular expressions, one or in a list', () => {
    expectValid(py27({ skipFiles: '^(.*/)?\\.git/.*$' }));
    expectValid(py27({ skipFiles: ['^(?P<dot>\\.)git/.*\\Z'] }));
    // gcloud joins the list with | into one pattern.
    expectValid(py27({ skipFiles: ['(?i)^secret', '^b'] }));
    expectOneError(
      py27({ skipFiles: ['^a', '(?i)^b'] }),
      'config/invalid-regex',
      'skipFiles',
      'patterns joined with "|", as gcloud reads them, are not a valid regular expression',
    );
    expectOneError(
      py27({ skipFiles: ['(?P<x>a)', '(?P<x>b)'] }),
      'config/invalid-regex',
      'skipFiles',
      'joined with "|"',
    );
    expectOneError(
      py27({ skipFiles: '(' }),
      'config/invalid-regex',
      'skipFiles',
      'is not a valid regular expression',
    );
    expectOneError(
      py27({ skipFiles: ['^a$', '[b'] }),
      'config/invalid-regex',
      'skipFiles[1]',
      '"[b" is not a valid regular expression',
    );
  });

  it('warns about second-generation elements it ignores', () => {
    expect(
      warnings(
        py27({ entrypoint: 'x', buildEnvVariables: { A: 'b' }, runtimeChannel: 'beta' }),
      ).map((d) => d.pathText),
    ).toEqual(['entrypoint', 'buildEnvVariables', 'runtimeChannel']);
  });

  it('allows the runtime variables of §12.1 in env_variables (they are second-generation ones)', () => {
    expectValid(py27({ envVariables: { PORT: '8080' } }));
  });
});

describe('§1.14.7 reserved versions', () => {
  it.each([
    ['v1-dot-x', 'a version id must not contain "-dot-"'],
    ['ah-builtin', 'version ids starting with "ah-" are reserved'],
    ['default', '"default" is a reserved version id'],
    ['latest', '"latest" is a reserved version id'],
  ])('rejects %j', (version, message) => {
    expectOneError(node({ version }), 'config/reserved-version', 'version', message);
  });

  it.each(['v1', 'dot', 'ah', 'v1-ah-2', 'latest2', '20240101t120000'])('accepts %j', (version) => {
    expectValid(node({ version }));
  });
});

describe('§1.14.8 VERSION-dot-SERVICE-dot-PROJECT_ID fits in 63 characters', () => {
  it('checks the label against the project id when given', () => {
    // 20 + 5 + 20 + 5 + 13 = 63
    const config = node({ version: 'v'.repeat(20), service: 's'.repeat(20) });
    expectValid(config, { projectId: 'p'.repeat(13) });
    const d = expectOneError(
      config,
      'config/host-label-too-long',
      'version',
      `"${'v'.repeat(20)}-dot-${'s'.repeat(20)}-dot-${'p'.repeat(14)}" is 64 characters long`,
      { projectId: 'p'.repeat(14) },
    );
    expect(d.hint).toBe('Use a shorter version id.');
  });

  it('uses application as the project id when no project id is given', () => {
    const config = node({ version: 'v'.repeat(20), service: 's'.repeat(20) });
    expect(errors({ ...config, application: 'p'.repeat(14) }).map((d) => d.code)).toEqual([
      'config/host-label-too-long',
    ]);
  });

  it('assumes the shortest project id (6 characters) otherwise', () => {
    // 41 + 5 + 6 + 5 + 6 = 63
    expectValid(node({ version: 'v'.repeat(41), service: 's'.repeat(6) }));
    expectOneError(
      node({ version: 'v'.repeat(42), service: 's'.repeat(6) }),
      'config/host-label-too-long',
      'version',
      'is longer than 63 characters even for the shortest project id',
    );
  });

  it('uses "default" when no service is given', () => {
    // 45 + 5 + 7 + 5 + 6 = 68 > 63
    expectOneError(
      node({ version: 'v'.repeat(45) }),
      'config/host-label-too-long',
      'version',
      'v-dot-default-dot-PROJECT_ID',
    );
  });
});

describe('§1.14.9 environment variables', () => {
  it('accepts ordinary names and NODE_ENV', () => {
    expectValid(node({ envVariables: { NODE_ENV: 'production', _x: '1', A1_B: '' } }));
  });

  it('rejects invalid names', () => {
    expectOneError(
      node({ envVariables: { 'MY-VAR': 'x' } }),
      'config/invalid-env-name',
      'envVariables.MY-VAR',
      '"MY-VAR" is not a valid environment variable name',
    );
    expectOneError(
      node({ envVariables: { '1A': 'x' } }),
      'config/invalid-env-name',
      'envVariables["1A"]',
      'is not a valid environment variable name',
    );
  });

  it('rejects names starting with GAE on every runtime', () => {
    expectOneError(
      node({ envVariables: { GAE_FOO: 'x' } }),
      'config/reserved-env-name',
      'envVariables.GAE_FOO',
      'environment variable names starting with "GAE" are reserved for App Engine',
    );
    expectOneError(
      py27({ envVariables: { GAEX: 'x' } }),
      'config/reserved-env-name',
      'envVariables.GAEX',
      'reserved',
    );
  });

  it.each(['PORT', 'GOOGLE_CLOUD_PROJECT'])(
    'rejects the runtime variable %s on second-generation runtimes',
    (name) => {
      const d = expectOneError(
        node({ envVariables: { [name]: 'x' } }),
        'config/reserved-env-name',
        `envVariables.${name}`,
        `${name} is set by the runtime and cannot be overridden`,
      );
      expect(d.hint).toBe('Only NODE_ENV may be overridden among the runtime variables.');
    },
  );

  it('rejects values that are not strings', () => {
    expectOneError(
      node({ envVariables: { A: 1 } }),
      'config/invalid-type',
      'envVariables.A',
      'expected a string, found 1',
    );
  });
});

describe('§1.14.10 redirect_http_response_code', () => {
  it.each([301, 302, 303, 307])('accepts %i', (code) => {
    expectValid(
      node({ handlers: [{ url: '/.*', script: 'auto', redirectHttpResponseCode: code }] }),
    );
  });

  it.each([300, 304, 308, 200])('rejects %i', (code) => {
    expectOneError(
      node({ handlers: [{ url: '/.*', script: 'auto', redirectHttpResponseCode: code }] }),
      'config/invalid-value',
      'handlers[0].redirectHttpResponseCode',
      `${code} is not allowed`,
    );
  });
});

describe('the flexible environment is rejected', () => {
  it.each(['flex', 'flexible', '2'])('rejects env: %s', (env) => {
    const d = expectOneError(
      node({ env }),
      'config/unsupported-environment',
      'env',
      'the flexible environment is not supported',
    );
    expect(d.hint).toBe('Remove env to use the standard environment.');
  });

  it('rejects vm: true', () => {
    const result = validateAppYaml('runtime: nodejs22\nvm: true\n');
    expect(result.success).toBe(false);
    expect(result.diagnostics).toMatchObject([
      {
        code: 'config/unsupported-environment',
        pathText: 'vm',
        message: expect.stringContaining('the flexible environment is not supported'),
        hint: 'Remove vm to use the standard environment.',
        line: 2,
      },
    ]);
  });

  it.each(['standard', '1'])('accepts env: %s', (env) => {
    expectValid(node({ env }));
  });

  it('rejects any other env', () => {
    expectOneError(
      node({ env: 'cloud' }),
      'config/invalid-value',
      'env',
      '"cloud" is not an environment',
    );
  });
});

describe('unknown fields (camelCase config)', () => {
  it('reports unknown fields at every level with a did-you-mean hint', () => {
    const found = errors(
      node({
        entryPoint: 'node server.js',
        automaticScaling: { maxInstance: 3 },
        handlers: [{ url: '/.*', script: 'auto', secur: 'always' }],
        errorHandlers: [{ file: 'e.html', errorcode: 'timeout' }],
        vpcAccessConnector: { name: 'projects/p/locations/r/connectors/c', egress: 'all-traffic' },
      }),
    );
    const shown = found.map((d) => [d.code, d.pathText, d.message, d.hint]);
    expect(shown.sort()).toEqual(
      [
        [
          'config/unknown-field',
          'entryPoint',
          'unknown field "entryPoint"',
          'did you mean "entrypoint"?',
        ],
        [
          'config/unknown-field',
          'automaticScaling.maxInstance',
          'unknown field "maxInstance"',
          'did you mean "maxInstances"?',
        ],
        [
          'config/unknown-field',
          'handlers[0].secur',
          'unknown field "secur"',
          'did you mean "secure"?',
        ],
        [
          'config/unknown-field',
          'errorHandlers[0].errorcode',
          'unknown field "errorcode"',
          'did you mean "errorCode"?',
        ],
        ['config/unknown-field', 'vpcAccessConnector.egress', 'unknown field "egress"', undefined],
      ].sort(),
    );
  });

  it('gives no hint when nothing is close', () => {
    const found = errors(node({ somethingElse: 1 }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ code: 'config/unknown-field', pathText: 'somethingElse' });
    expect(found[0]?.hint).toBeUndefined();
    expect(found[0]?.allowed).toContain('"runtime"');
  });
});

describe('every problem is reported at once', () => {
  it('reports six different mistakes as six diagnostics', () => {
    const found = errors({
      runtime: 'nodejs22',
      version: 'ah-v1',
      instanceClass: 'B1',
      envVariables: { GAE_X: '1' },
      automaticScaling: { maxConcurrentRequests: 0 },
      handlers: [{ url: '/.*', script: 'main.app' }],
      threadsafe: true,
    });
    expect(found.map((d) => d.code).sort()).toEqual([
      'config/instance-class-scaling',
      'config/not-for-runtime',
      'config/out-of-range',
      'config/reserved-env-name',
      'config/reserved-version',
      'config/script-not-auto',
    ]);
  });

  it('parseApp throws a ConfigError carrying every diagnostic', () => {
    let error: unknown;
    try {
      parseApp({ runtime: 'nodejs22', version: 'default', handlers: [{ url: 'x', script: 'y' }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.code).toBe('config/invalid');
    expect(config.diagnostics.map((d) => d.code)).toEqual([
      'config/reserved-version',
      'config/invalid-url-pattern',
      'config/script-not-auto',
    ]);
    expect(config.message).toContain('Invalid configuration (3 errors)');
    expect(config.message).toContain('handlers[0].url: url pattern "x" must start with "/"');
  });
});
