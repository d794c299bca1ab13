import { GaeError, type GaeErrorOptions } from '@gaekit/config';

/** The message App Engine gives with `DeadlineExceededError` (python27's runtime). */
export const DEADLINE_EXCEEDED_MESSAGE =
  'The overall deadline for responding to the HTTP request was exceeded.';

/**
 * The reason of a request's `signal` when the request passes its deadline, as App Engine's
 * `google.appengine.runtime.DeadlineExceededError`. Catch it (or watch the signal) to answer
 * within the grace period; after it the instance is ended. `code` is `deadline/exceeded`.
 */
export class DeadlineExceededError extends GaeError {
  constructor(message: string = DEADLINE_EXCEEDED_MESSAGE, options: GaeErrorOptions = {}) {
    super('deadline/exceeded', message, {
      hint:
        options.hint ??
        'Answer within the grace period (well under a second) or the platform sends its 500; move long work to a task queue.',
      cause: options.cause,
    });
    this.name = 'DeadlineExceededError';
  }
}

/**
 * A body larger than the limit. Thrown by {@link readBodyWithLimit} as soon as the limit is
 * passed (or at once when the announced length passes it); `code` is `limits/body-too-large`.
 */
export class BodyTooLargeError extends GaeError {
  /** The limit in bytes. */
  readonly limit: number;
  /** Bytes seen when reading stopped, or the announced `Content-Length`. */
  readonly received: number;

  constructor(limit: number, received: number, options: GaeErrorOptions = {}) {
    super(
      'limits/body-too-large',
      `The body is larger than ${limit} bytes (at least ${received} bytes arrived or were announced).`,
      {
        hint:
          options.hint ??
          'App Engine accepts request and response bodies up to 32 MB; move larger files through Cloud Storage (signed URLs) instead.',
        cause: options.cause,
      },
    );
    this.name = 'BodyTooLargeError';
    this.limit = limit;
    this.received = received;
  }
}
