/** Which generation of App Engine standard a runtime belongs to. */
export type RuntimeGeneration = 'first' | 'second';

/** First-generation ("legacy bundled services") runtimes; every other runtime is second generation. */
const FIRST_GENERATION = new Set([
  'python25',
  'python27',
  'java',
  'java7',
  'java8',
  'php',
  'php55',
  'go',
]);

/**
 * `runtimeGeneration('python27') === 'first'`, `runtimeGeneration('nodejs22') === 'second'`.
 * Unknown runtimes are treated as second generation, as every runtime added since 2018 is.
 */
export function runtimeGeneration(runtime: string): RuntimeGeneration {
  return FIRST_GENERATION.has(runtime) ? 'first' : 'second';
}

/** True for the Node.js runtimes (`nodejs20`, `nodejs22`, `nodejs24`, ...). */
export function isNodeRuntime(runtime: string): boolean {
  return /^nodejs\d*$/.test(runtime);
}

/** Instance classes of App Engine standard, with their memory (second generation) and scaling. */
export const INSTANCE_CLASSES = {
  F1: { memoryMb: 384, scaling: 'automatic' },
  F2: { memoryMb: 768, scaling: 'automatic' },
  F4: { memoryMb: 1536, scaling: 'automatic' },
  F4_1G: { memoryMb: 3072, scaling: 'automatic' },
  B1: { memoryMb: 384, scaling: 'basic-or-manual' },
  B2: { memoryMb: 768, scaling: 'basic-or-manual' },
  B4: { memoryMb: 1536, scaling: 'basic-or-manual' },
  B4_1G: { memoryMb: 3072, scaling: 'basic-or-manual' },
  B8: { memoryMb: 3072, scaling: 'basic-or-manual' },
} as const;

/** A known instance class name. */
export type InstanceClass = keyof typeof INSTANCE_CLASSES;

/**
 * The third-party libraries python27 bundles (`libraries:` entries) and the versions of each
 * that App Engine accepts besides `latest`. Names are case-sensitive.
 */
export const PYTHON27_LIBRARIES: Readonly<Record<string, readonly string[]>> = {
  clearsilver: ['0.10.5'],
  click: ['6.6'],
  crcmod: ['1.7'],
  django: ['1.2', '1.3', '1.4', '1.5', '1.9', '1.11'],
  endpoints: ['1.0'],
  enum: ['0.9.23'],
  flask: ['0.12'],
  futures: ['3.0.5'],
  grpcio: ['1.0.0'],
  itsdangerous: ['0.24'],
  jinja2: ['2.6'],
  lxml: ['2.3', '2.3.5', '3.7.3'],
  markupsafe: ['0.15', '0.23'],
  matplotlib: ['1.2.0'],
  mysqlclient: ['1.4.4'],
  MySQLdb: ['1.2.4b4', '1.2.4', '1.2.5'],
  numpy: ['1.6.1'],
  PIL: ['1.1.7'],
  protobuf: ['3.0.0'],
  protorpc: ['1.0'],
  psycopg2: ['2.8.3'],
  PyAMF: ['0.6.1', '0.7.2'],
  pycrypto: ['2.3', '2.6', '2.6.1'],
  pytz: ['2016.4', '2017.2', '2017.3'],
  setuptools: ['0.6c11', '36.6.0'],
  six: ['1.9.0', '1.12.0'],
  ssl: ['2.7', '2.7.11', '2.7.16', '2.7.current'],
  ujson: ['1.35'],
  webapp2: ['2.3', '2.5.1', '2.5.2'],
  webob: ['1.1.1', '1.2.3'],
  werkzeug: ['0.11.10'],
  yaml: ['3.10'],
};
