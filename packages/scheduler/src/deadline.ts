/**
 * The deadline of one request. Until `@gaekit/limits` lands, the scheduler uses this small
 * timer-based implementation; a different one can be injected through
 * {@link SchedulerOptions.deadline}.
 */

/** The message App Engine gives with `DeadlineExceededError`. */
export const DEADLINE_MESSAGE =
  'The overall deadline for responding to the HTTP request was exceeded.';

/**
 * The reason of a request's `signal` when the request passes its deadline. The app gets a
 * short grace period to answer after it; then the instance is ended.
 */
export class DeadlineExceededError extends Error {
  /** Stable code, as every gaekit error has. */
  readonly code = 'deadline/exceeded';
  constructor(message = DEADLINE_MESSAGE) {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

/** One request's deadline: a signal at the deadline, a hard expiry after the grace period. */
export interface Deadline {
  /** Aborts at the deadline with a {@link DeadlineExceededError} reason. */
  readonly signal: AbortSignal;
  /**
   * Optional: registers what to do at the deadline without reading `signal`. Creating an
   * `AbortSignal` costs more than the rest of a small request, so the built-in deadline makes
   * its signal only when someone reads it, and instances use this hook instead.
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

/** The built-in {@link DeadlineFactory}: two unref'd timers and a signal made on first use. */
export const timerDeadline: DeadlineFactory = ({ timeoutMs, graceMs }) => {
  let controller: AbortController | undefined;
  let reason: DeadlineExceededError | undefined;
  let onDeadline: (() => void) | undefined;
  let onHard: (() => void) | undefined;
  let hard: NodeJS.Timeout | undefined;
  const soft = setTimeout(() => {
    reason = new DeadlineExceededError();
    controller?.abort(reason);
    onDeadline?.();
    hard = setTimeout(() => onHard?.(), graceMs);
    hard.unref();
  }, timeoutMs);
  soft.unref();
  return {
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (reason) controller.abort(reason);
      }
      return controller.signal;
    },
    onDeadline(fn) {
      onDeadline = fn;
    },
    onHardExpiry(fn) {
      onHard = fn;
    },
    dispose() {
      clearTimeout(soft);
      if (hard) clearTimeout(hard);
      onDeadline = undefined;
      onHard = undefined;
    },
  };
};

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
