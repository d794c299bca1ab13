import { GaeError, type GaeErrorOptions } from '@gaekit/config';

/**
 * A handler's `url` (or `upload`) pattern that JavaScript's `RegExp` cannot compile, thrown by
 * `createRouter`. `code` is `router/invalid-pattern`.
 */
export class InvalidPatternError extends GaeError {
  /** Index of the handler in the list given to `createRouter`. */
  readonly handlerIndex: number;
  /** The field holding the pattern. */
  readonly field: 'url' | 'upload';
  /** The pattern as written. */
  readonly pattern: string;

  constructor(
    handlerIndex: number,
    field: 'url' | 'upload',
    pattern: string,
    options: GaeErrorOptions = {},
  ) {
    const why = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(
      'router/invalid-pattern',
      `handlers[${handlerIndex}].${field} "${pattern}" is not a regular expression gaekit can compile${why}.`,
      {
        hint:
          options.hint ??
          'App Engine patterns are Python regular expressions; gaekit reads the common syntax ((?P<name>...), \\A, \\Z, leading (?i)). Rewrite the pattern without other Python-only syntax.',
        cause: options.cause,
      },
    );
    this.name = 'InvalidPatternError';
    this.handlerIndex = handlerIndex;
    this.field = field;
    this.pattern = pattern;
  }
}

/** Reasons given with `{ kind: 'not-found' }` and `{ kind: 'error' }`, one place to search. */
export const REASONS = {
  noHandler: 'no handler matches the path',
  invalidUtf8: 'the path is not valid UTF-8 once percent-decoded',
  nulByte: 'the path contains a NUL byte',
  notUploaded: 'the static file does not match the handler’s upload pattern',
  noDefaultService: 'the app has no default service',
} as const;
