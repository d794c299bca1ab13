import { z } from 'zod';

/** Parameters gaekit attaches to its own zod issues, read back by the diagnostics mapper. */
export interface IssueParams {
  gae: string;
  allowed?: string;
  hint?: string;
}

/** A string that must match `pattern`; `what` names the value in messages ("expiration"). */
export function formatted(pattern: RegExp, what: string, allowed: string) {
  return z.string().superRefine((value, ctx) => {
    if (!pattern.test(value)) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(value)} is not a valid ${what}`,
        input: value,
        params: { gae: 'config/invalid-format', allowed } satisfies IssueParams,
      });
    }
  });
}

/** A number in `[min, max]`, an integer unless `fraction` is set. */
export function ranged(min: number, max: number, fraction = false) {
  const allowed = fraction ? `a number from ${min} to ${max}` : `an integer from ${min} to ${max}`;
  return z.number().superRefine((value, ctx) => {
    if ((!fraction && !Number.isInteger(value)) || value < min || value > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${value} is out of range`,
        input: value,
        params: { gae: 'config/out-of-range', allowed } satisfies IssueParams,
      });
    }
  });
}

/** A string of at most `max` characters. */
export function shortText(max: number, what: string) {
  return z.string().superRefine((value, ctx) => {
    if (value.length > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${what} is ${value.length} characters long`,
        input: value,
        params: {
          gae: 'config/too-long',
          allowed: `at most ${max} characters`,
        } satisfies IssueParams,
      });
    }
  });
}

/** `on` / `off`, the switch values of G1 `builtins` and `api_endpoint`. */
export const onOff = z.enum(['on', 'off']);

/** A number of at least `min`, an integer unless `fraction` is set (no upper bound). */
export function atLeast(min: number, fraction = false) {
  const allowed = fraction ? `a number ≥ ${min}` : `an integer ≥ ${min}`;
  return z.number().superRefine((value, ctx) => {
    if ((!fraction && !Number.isInteger(value)) || value < min) {
      ctx.addIssue({
        code: 'custom',
        message:
          !fraction && !Number.isInteger(value) && value >= min
            ? `${value} is not a whole number`
            : `${value} is out of range`,
        input: value,
        params: { gae: 'config/out-of-range', allowed } satisfies IssueParams,
      });
    }
  });
}

/**
 * A single line of at most `max` characters, as the SDK's `^.{0,max}$` patterns allow
 * (Python's `.` stops at a line feed; characters are counted as code points).
 */
export function singleLine(max: number, what: string) {
  return z.string().superRefine((value, ctx) => {
    const length = [...value].length;
    if (value.includes('\n') || length > max) {
      ctx.addIssue({
        code: 'custom',
        message: value.includes('\n')
          ? `${what} cannot contain a line break`
          : `${what} is ${length} characters long`,
        input: value,
        params: {
          gae: value.includes('\n') ? 'config/invalid-format' : 'config/too-long',
          allowed: `one line of at most ${max} characters`,
        } satisfies IssueParams,
      });
    }
  });
}
