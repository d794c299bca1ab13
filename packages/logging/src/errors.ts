/** The stable codes of {@link LoggingError}. */
export type LoggingErrorCode =
  | 'LOG_UNKNOWN_SEVERITY'
  | 'LOG_BAD_CAPACITY'
  | 'LOG_BAD_REQUEST_ID'
  | 'LOG_CONSOLE_ALREADY_CAPTURED';

/**
 * A mistake in how `@gaekit/logging` is used (an unknown severity, a bad option). Logging
 * itself never throws while writing lines: a sink that fails is the sink's problem.
 */
export class LoggingError extends Error {
  /** A permanent name for this kind of mistake, safe to match on and to search for. */
  readonly code: LoggingErrorCode;
  /** What to do about it. */
  readonly hint: string | undefined;

  constructor(code: LoggingErrorCode, message: string, hint?: string, options?: ErrorOptions) {
    super(hint ? `${message}; ${hint}` : message, options);
    this.name = 'LoggingError';
    this.code = code;
    this.hint = hint;
  }
}
