import { GaeError } from '@gaekit/config';

/** Stable codes of the errors this package throws. */
export const EDGE_ERROR_CODES = {
  invalidOption: 'edge/invalid-option',
} as const;

/** An option passed to `createEdgeCache` or `createStaticFiles` that cannot be used. */
export function invalidOption(name: string, value: unknown, expected: string): GaeError {
  return new GaeError(
    EDGE_ERROR_CODES.invalidOption,
    `Option ${name} is ${JSON.stringify(value)}, but it must be ${expected}.`,
    { hint: `Pass ${expected} as ${name}.` },
  );
}
