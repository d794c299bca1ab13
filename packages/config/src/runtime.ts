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
