import fc from 'fast-check';
import type { AppConfig } from '../src/index.js';

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
export const id = (max: number) =>
  fc
    .tuple(
      fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split('')),
      fc.array(fc.oneof(lower, fc.constant('-')), { maxLength: max - 2 }),
      lower,
    )
    .map(([first, middle, last]) => `${first}${middle.join('')}${last}`)
    .filter(
      (v) => !v.includes('-dot-') && !v.startsWith('ah-') && v !== 'default' && v !== 'latest',
    );

/** Strings that YAML could misread if written carelessly. */
export const trickyText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom(
    'yes',
    'No',
    'on',
    'OFF',
    'true',
    '~',
    'null',
    '',
    ' ',
    '1:30',
    '010',
    '0x1F',
    '1e3',
    '.5',
    '-',
    '#x',
    'a: b',
    '- a',
    '[x]',
    '{y}',
    '@z',
    '`q`',
    '"quoted"',
    "'single'",
    'line\nbreak',
    'tab\there',
    'ünïcødé',
    '  padded  ',
    '-_',
    '+1_0',
    '0b1',
    '1e5',
    '2024-01-01',
    '+.inf',
    '_',
    '*alias',
    '&anchor',
    '=',
    '<<',
    '!tag',
    '%',
    '|',
    '>',
  ),
);
const envName = fc
  .stringMatching(/^[A-FH-Z_][A-Z0-9_]{0,12}$/)
  .filter((n) => !['PORT', 'GOOGLE_CLOUD_PROJECT'].includes(n));
const expiration = fc
  .array(fc.tuple(fc.nat(400), fc.constantFrom('d', 'h', 'm', 's', 'D', 'H', 'M', 'S', '')), {
    minLength: 1,
    maxLength: 3,
  })
  .map((terms) => terms.map(([n, unit]) => `${n}${unit}`).join(' '));
const urlPath = fc
  .array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 1, maxLength: 3 })
  .map((p) => `/${p.join('/')}`);
const headerName = fc
  .stringMatching(/^X-[A-Za-z0-9-]{1,20}$/)
  .filter((n) => !n.toLowerCase().startsWith('x-appengine'));
const headerValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);
const common = {
  secure: fc.constantFrom('optional', 'never', 'always') as fc.Arbitrary<
    'optional' | 'never' | 'always'
  >,
  redirectHttpResponseCode: fc.constantFrom(301, 302, 303, 307) as fc.Arbitrary<
    301 | 302 | 303 | 307
  >,
};
const staticOptions = {
  mimeType: fc.constantFrom('text/plain', 'image/png', 'application/json'),
  expiration,
  requireMatchingFile: fc.boolean(),
  httpHeaders: fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
};
const handler = fc.oneof(
  fc.record(
    { url: urlPath.map((u) => `${u}/.*`), script: fc.constant('auto'), ...common },
    { requiredKeys: ['url', 'script'] },
  ),
  fc.record(
    {
      url: urlPath,
      staticDir: fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8})?$/),
      ...common,
      ...staticOptions,
    },
    { requiredKeys: ['url', 'staticDir'] },
  ),
  fc.record(
    {
      url: urlPath.map((u) => `${u}/(.*)\\.(png|css)`),
      staticFiles: fc.constant('assets/\\1.\\2'),
      upload: fc.constant('assets/.*\\.(png|css)'),
      ...common,
      ...staticOptions,
    },
    { requiredKeys: ['url', 'staticFiles', 'upload'] },
  ),
);
const latency = fc.oneof(
  fc.constant('automatic'),
  fc.nat(5000).map((n) => `${n}ms`),
  fc.nat(15).map((n) => `${n}.5s`),
);
const scaling = fc.oneof(
  fc.record({
    instanceClass: fc.constantFrom('F1', 'F2', 'F4', 'F4_1G'),
    automaticScaling: fc.record(
      {
        targetCpuUtilization: fc.constantFrom(0.5, 0.6, 0.95),
        targetThroughputUtilization: fc.constantFrom(0.5, 0.75, 0.95),
        maxConcurrentRequests: fc.integer({ min: 1, max: 1000 }),
        minInstances: fc.integer({ min: 0, max: 1000 }),
        maxInstances: fc.integer({ min: 0, max: 2147483647 }),
        minIdleInstances: fc.oneof(
          fc.integer({ min: 0, max: 1000 }),
          fc.constant('automatic' as const),
        ),
        maxIdleInstances: fc.oneof(
          fc.integer({ min: 1, max: 1000 }),
          fc.constant('automatic' as const),
        ),
        minPendingLatency: latency,
        maxPendingLatency: latency,
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    instanceClass: fc.constantFrom('B1', 'B2', 'B4', 'B4_1G', 'B8'),
    basicScaling: fc.record(
      {
        maxInstances: fc.integer({ min: 1, max: 100 }),
        idleTimeout: fc.nat(100).map((n) => `${n}m`),
      },
      { requiredKeys: ['maxInstances'] },
    ),
  }),
  fc.record({ manualScaling: fc.record({ instances: fc.integer({ min: 1, max: 20 }) }) }),
);
/** Valid app configs of second-generation runtimes, with YAML-hostile strings in the values. */
export const appArbitrary: fc.Arbitrary<AppConfig> = fc
  .tuple(
    fc.record(
      {
        runtime: fc.constantFrom(
          'nodejs20',
          'nodejs22',
          'nodejs24',
          'python312',
          'go122',
          'java21',
        ),
        service: id(20),
        version: id(20),
        entrypoint: fc.constantFrom('node server.js', 'npm run start -- --port $PORT'),
        envVariables: fc.dictionary(envName, trickyText, { maxKeys: 5 }),
        buildEnvVariables: fc.dictionary(envName, trickyText, { maxKeys: 2 }),
        defaultExpiration: expiration,
        handlers: fc
          .array(handler, { maxLength: 6 })
          .map((hs) => [...hs, { url: '/.*', script: 'auto' }]),
        inboundServices: fc.constant(['warmup' as const]),
        errorHandlers: fc.constant([
          { file: 'errors/default.html' },
          { errorCode: 'timeout' as const, file: 'errors/timeout.html', mimeType: 'text/html' },
        ]),
        serviceAccount: fc.constant('app@my-project.iam.gserviceaccount.com'),
        vpcAccessConnector: fc.record(
          {
            name: fc.constant('projects/p/locations/us-central1/connectors/c'),
            egressSetting: fc.constantFrom('private-ranges-only', 'all-traffic'),
          },
          { requiredKeys: ['name'] },
        ),
      },
      { requiredKeys: ['runtime'] },
    ),
    fc.option(scaling, { nil: undefined }),
  )
  .map(([base, scale]) => ({ ...base, ...(scale ?? {}) }) as AppConfig);
