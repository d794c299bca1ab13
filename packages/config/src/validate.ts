import type { z } from 'zod';
import { type Diagnostic, type Problem, showValue, toDiagnostic } from './diagnostics.js';
import { ConfigError } from './errors.js';
import { fieldName, type PathStyle } from './keys.js';
import type { IssueParams } from './schema/common.js';
import { findUnknownKeys } from './schema/walk.js';
import { didYouMean, listOf } from './suggest.js';

/** The outcome of validating a config: the typed value, or every problem found. */
export type ConfigResult<T> =
  | { success: true; data: T; diagnostics: Diagnostic[] }
  | { success: false; data?: undefined; diagnostics: Diagnostic[] };

/** Where a config came from, for messages. */
export interface SourceInfo {
  /** How paths and field names are written: `camel` for app.config.ts, `snake` for YAML. */
  style: PathStyle;
  /** File name shown in diagnostics. */
  file?: string | undefined;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  array: 'a list',
  record: 'a map',
};

function issueToProblem(issue: z.core.$ZodIssue): Problem {
  const path = issue.path.map((segment) =>
    typeof segment === 'symbol' ? String(segment) : segment,
  );
  const found = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
      if (found === undefined) {
        return { code: 'config/required', path, message: 'is required', allowed: expected };
      }
      return {
        code: 'config/invalid-type',
        path,
        message: `expected ${expected}, found ${showValue(found)}`,
        found,
        allowed: expected,
      };
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v));
      return {
        code: 'config/invalid-value',
        path,
        message: `${showValue(found)} is not allowed`,
        found,
        allowed: listOf(issue.values),
        hint: typeof found === 'string' ? didYouMean(found, values) : undefined,
      };
    }
    case 'invalid_union':
      return {
        code: 'config/invalid-value',
        path,
        message: `${showValue(found)} is not allowed`,
        found,
        allowed: issue.message,
      };
    case 'custom': {
      const params = (issue.params ?? {}) as Partial<IssueParams>;
      return {
        code: params.gae ?? 'config/invalid',
        path,
        message: issue.message,
        found,
        allowed: params.allowed,
        hint: params.hint,
      };
    }
    default:
      return { code: 'config/invalid', path, message: issue.message, found };
  }
}

function unknownFieldProblems(
  schema: z.core.$ZodType,
  input: unknown,
  style: PathStyle,
  skip: (key: string) => boolean,
): Problem[] {
  const problems: Problem[] = [];
  findUnknownKeys(schema, input, (path, key, known) => {
    if (path.length === 0 && skip(key)) return;
    const shown = known.map((k) => fieldName(k, style));
    const hint = didYouMean(fieldName(key, style), shown);
    problems.push({
      code: 'config/unknown-field',
      path: [...path, key],
      message: `unknown field ${JSON.stringify(fieldName(key, style))}`,
      // A likely fix says more than the whole list of fields.
      ...(hint ? { hint } : { allowed: listOf(shown) }),
    });
  });
  return problems;
}

/** Validates a value with a schema plus cross-field rules and returns every problem at once. */
export function runValidation<T>(
  schema: z.ZodType<T>,
  input: unknown,
  rules: (input: unknown) => Problem[],
  source: SourceInfo,
  options: { skipUnknown?: (key: string) => boolean } = {},
): ConfigResult<T> {
  const parsed = schema.safeParse(input, { reportInput: true });
  const problems: Problem[] = [
    ...(parsed.success ? [] : parsed.error.issues.map((issue) => issueToProblem(issue))),
    ...unknownFieldProblems(schema, input, source.style, options.skipUnknown ?? (() => false)),
    ...rules(input),
  ];
  const diagnostics = dedupe(problems).map((p) =>
    toDiagnostic(stripUndefined(p), source.style, source.file),
  );
  const failed = diagnostics.some((d) => d.severity === 'error');
  if (failed || !parsed.success) return { success: false, diagnostics };
  return { success: true, data: parsed.data, diagnostics };
}

function stripUndefined(problem: Problem): Problem {
  return Object.fromEntries(
    Object.entries(problem).filter(([, v]) => v !== undefined),
  ) as unknown as Problem;
}

/** One problem per path and code: the rules and the schema sometimes see the same thing. */
function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path.join('\u0000')}\u0001${p.code}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Returns the data of a successful result, or throws {@link ConfigError} with every diagnostic. */
export function unwrapResult<T>(result: ConfigResult<T>): T {
  if (!result.success) throw new ConfigError(result.diagnostics);
  return result.data;
}
