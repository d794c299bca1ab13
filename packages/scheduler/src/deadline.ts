/**
 * Request deadlines come from `@gaekit/limits` (`createDeadline`, `DeadlineExceededError`).
 * This module keeps the scheduler's narrow view of a deadline, so a different one can still
 * be injected through {@link SchedulerOptions.deadline}, and the names it exported before.
 */
import { createDeadline, DEADLINE_EXCEEDED_MESSAGE, DeadlineExceededError } from '@gaekit/limits';

export { DeadlineExceededError };

/**
 * The message App Engine gives with `DeadlineExceededError`.
 * @deprecated Use `DEADLINE_EXCEEDED_MESSAGE` of `@gaekit/limits` (the same string).
 */
export const DEADLINE_MESSAGE: string = DEADLINE_EXCEEDED_MESSAGE;

/**
 * One request's deadline as the scheduler uses it: a signal at the deadline, a hard expiry
 * after the grace period. `createDeadline` of `@gaekit/limits` makes one.
 */
export interface Deadline {
  /** Aborts at the deadline with a {@link DeadlineExceededError} reason. */
  readonly signal: AbortSignal;
  /**
   * Optional: registers what to do at the deadline without reading `signal`. Creating an
   * `AbortSignal` costs more than the rest of a small request, so instances use this hook
   * when the deadline has it.
   */
  onDeadline?(listener: () => void): void;
  /** Registers what to do at the hard expiry (deadline + grace). Called at most once. */
  onHardExpiry(listener: () => void): void;
  /** Stops both timers (the request is answered). */
  dispose(): void;
}

/** Timing of one request's deadline, in milliseconds. */
export interface DeadlineTiming {
  /** Time from the start of the request to the deadline. */
  timeoutMs: number;
  /** Time after the deadline before the hard expiry. */
  graceMs: number;
}

/** Makes a {@link Deadline}. Inject your own through {@link SchedulerOptions.deadline}. */
export type DeadlineFactory = (timing: DeadlineTiming) => Deadline;

/**
 * The default {@link DeadlineFactory}: `createDeadline` of `@gaekit/limits`.
 * @deprecated Use `createDeadline` of `@gaekit/limits`; this is the same function.
 */
export const timerDeadline: DeadlineFactory = createDeadline;

/** Calls `listener` at the deadline, through `onDeadline` when the deadline has it. */
export function whenDeadline(deadline: Deadline, listener: () => void): void {
  if (deadline.onDeadline) {
    deadline.onDeadline(listener);
    return;
  }
  const { signal } = deadline;
  if (signal.aborted) listener();
  else signal.addEventListener('abort', listener, { once: true });
}
