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

/** The built-in {@link DeadlineFactory}: two unref'd timers. */
export const timerDeadline: DeadlineFactory = ({ timeoutMs, graceMs }) => {
  const controller = new AbortController();
  let listener: (() => void) | undefined;
  let hard: NodeJS.Timeout | undefined;
  const soft = setTimeout(() => {
    controller.abort(new DeadlineExceededError());
    hard = setTimeout(() => listener?.(), graceMs);
    hard.unref();
  }, timeoutMs);
  soft.unref();
  return {
    signal: controller.signal,
    onHardExpiry(fn) {
      listener = fn;
    },
    dispose() {
      clearTimeout(soft);
      if (hard) clearTimeout(hard);
      listener = undefined;
    },
  };
};
