/**
 * Deadline error helpers with no dependencies, so the worker bootstrap can use them without
 * loading @gaekit/limits (which takes about 0.3 s in each new worker).
 */

/**
 * True for an error that means "the deadline passed and the handler let it escape": a
 * `DeadlineExceededError`, or an `AbortError` whose cause is one (what `timers/promises`
 * and `events.once` reject with when the request's signal aborts). Matched by name, since
 * a worker's errors cross the thread boundary as name and message.
 */
export function isDeadlineError(error: unknown): boolean {
  const e = error as { name?: unknown; cause?: { name?: unknown } | null } | null | undefined;
  if (e?.name === 'DeadlineExceededError') return true;
  return e?.name === 'AbortError' && e.cause?.name === 'DeadlineExceededError';
}

/**
 * Stands in for @gaekit/limits' `DeadlineExceededError` in a worker whose app cannot import
 * that package (so could not test `instanceof` against it anyway): the same name, message,
 * `code` and `hint` (a test holds them equal).
 */
export class DeadlineExceededLookalike extends Error {
  /** As @gaekit/limits' class. */
  readonly code = 'deadline/exceeded';
  /** As @gaekit/limits' class. */
  readonly hint =
    'Answer within the grace period (well under a second) or the platform sends its 500; move long work to a task queue.';
  constructor() {
    super('The overall deadline for responding to the HTTP request was exceeded.');
    this.name = 'DeadlineExceededError';
  }
}
