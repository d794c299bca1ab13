import { APP_ENGINE_LIMITS } from './constants.js';
import { DeadlineExceededError } from './errors.js';

/** Options of {@link createDeadline}. */
export interface DeadlineOptions {
  /**
   * Time from now to the deadline in milliseconds (`Infinity` for none). See
   * {@link requestTimeoutFor} for App Engine's values.
   */
  timeoutMs: number;
  /**
   * Time after the deadline before the hard expiry, in milliseconds: the handler's chance to
   * answer after catching {@link DeadlineExceededError}. App Engine allows "under one second".
   * @default 500
   */
  graceMs?: number;
}

/**
 * One request's deadline: at `timeoutMs` the signal aborts with a
 * {@link DeadlineExceededError}; `graceMs` later comes the hard expiry, at which the
 * scheduler ends the instance. Call its methods on it (`deadline.dispose()`); they are not
 * bound. Structurally compatible with `@gaekit/scheduler`'s `Deadline`, so `createDeadline`
 * can be passed as its deadline factory.
 */
export interface Deadline {
  /**
   * Aborts at the deadline; `signal.reason` is a {@link DeadlineExceededError}. Made on first
   * read (an `AbortSignal` costs more than the rest of a small request).
   */
  readonly signal: AbortSignal;
  /** Time to the deadline given at creation, in milliseconds. */
  readonly timeoutMs: number;
  /** Grace period after the deadline, in milliseconds. */
  readonly graceMs: number;
  /** True once the deadline has passed. */
  readonly expired: boolean;
  /** True once the grace period has passed too. */
  readonly hardExpired: boolean;
  /** Milliseconds left until the deadline (0 once passed; `Infinity` without one). */
  remainingMs(): number;
  /** Calls `listener` at the deadline (at once if it has passed). */
  onDeadline(listener: () => void): void;
  /** Calls `listener` at the hard expiry (at once if it has passed). */
  onHardExpiry(listener: () => void): void;
  /** Stops both timers and forgets the listeners (the request is answered). */
  dispose(): void;
}

/** Largest delay `setTimeout` takes (about 24.8 days); longer ones are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** An unref'd timer for `ms` (chained past {@link MAX_TIMER_MS}); undefined for `Infinity`. */
function later(ms: number, fn: () => void): NodeJS.Timeout | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const timer =
    ms > MAX_TIMER_MS
      ? setTimeout(() => {
          // The chained timer replaces this one; dispose() clears whichever is current.
          (timer as unknown as { next?: NodeJS.Timeout }).next = later(ms - MAX_TIMER_MS, fn);
        }, MAX_TIMER_MS)
      : setTimeout(fn, Math.max(0, ms));
  timer.unref();
  return timer;
}

function cancel(timer: NodeJS.Timeout | undefined): void {
  let current: NodeJS.Timeout | undefined = timer;
  while (current) {
    clearTimeout(current);
    current = (current as unknown as { next?: NodeJS.Timeout }).next;
  }
}

/**
 * The deadline behind {@link createDeadline}. A class rather than a closure per method: a
 * scheduler makes one per request, and fewer objects per request is less garbage.
 */
class TimerDeadline implements Deadline {
  readonly timeoutMs: number;
  readonly graceMs: number;
  #start = performance.now();
  #controller: AbortController | undefined;
  #reason: DeadlineExceededError | undefined;
  #hardExpired = false;
  #disposed = false;
  #deadlineListeners: Array<() => void> | undefined;
  #hardListeners: Array<() => void> | undefined;
  #softTimer: NodeJS.Timeout | undefined;
  #hardTimer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, graceMs: number) {
    this.timeoutMs = timeoutMs;
    this.graceMs = graceMs;
    this.#softTimer = later(timeoutMs, () => this.#soft());
  }

  #soft(): void {
    this.#reason = new DeadlineExceededError();
    this.#controller?.abort(this.#reason);
    const listeners = this.#deadlineListeners;
    this.#deadlineListeners = undefined;
    this.#hardTimer = later(this.graceMs, () => this.#hard());
    if (listeners) for (const listener of listeners) listener();
  }

  #hard(): void {
    this.#hardExpired = true;
    const listeners = this.#hardListeners;
    this.#hardListeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#reason) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get expired(): boolean {
    return this.#reason !== undefined;
  }

  get hardExpired(): boolean {
    return this.#hardExpired;
  }

  remainingMs(): number {
    if (!Number.isFinite(this.timeoutMs)) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.timeoutMs - (performance.now() - this.#start));
  }

  onDeadline(listener: () => void): void {
    if (this.#disposed) return;
    if (this.#reason) listener();
    else {
      this.#deadlineListeners ??= [];
      this.#deadlineListeners.push(listener);
    }
  }

  onHardExpiry(listener: () => void): void {
    if (this.#disposed) return;
    if (this.#hardExpired) listener();
    else {
      this.#hardListeners ??= [];
      this.#hardListeners.push(listener);
    }
  }

  dispose(): void {
    this.#disposed = true;
    cancel(this.#softTimer);
    cancel(this.#hardTimer);
    this.#deadlineListeners = undefined;
    this.#hardListeners = undefined;
  }
}

/**
 * Creates a request deadline: an `AbortSignal` that aborts at `timeoutMs` with a
 * {@link DeadlineExceededError} (name and message as App Engine's), then a hard expiry
 * `graceMs` later. Timers are unref'd, so a pending deadline never keeps the process alive.
 *
 * @example
 * const deadline = createDeadline({ timeoutMs: requestTimeoutFor({ scaling: 'automatic' }) });
 * deadline.onHardExpiry(() => instance.kill());
 * const response = await app.fetch(new Request(url, { signal: deadline.signal }));
 * deadline.dispose();
 */
export function createDeadline(options: DeadlineOptions): Deadline {
  const timeoutMs = options.timeoutMs;
  const graceMs = options.graceMs ?? APP_ENGINE_LIMITS.graceMs;
  if (!(timeoutMs >= 0)) throw new RangeError(`timeoutMs must be >= 0, got ${timeoutMs}`);
  if (!(graceMs >= 0)) throw new RangeError(`graceMs must be >= 0, got ${graceMs}`);
  return new TimerDeadline(timeoutMs, graceMs);
}

/** How a handler run under a deadline ended (see {@link runWithDeadline}). */
export type DeadlineOutcome<T> =
  /** Answered before the deadline. */
  | { outcome: 'answered'; value: T }
  /** Caught the deadline error and answered within the grace period: use this answer. */
  | { outcome: 'answered-in-grace'; value: T }
  /** Let the {@link DeadlineExceededError} escape: the platform's 500, and end the instance. */
  | { outcome: 'deadline-uncaught'; error: DeadlineExceededError }
  /** Threw something else (before or after the deadline): the platform's 500. */
  | { outcome: 'error'; error: unknown }
  /** Neither answered nor threw by the hard expiry: the platform's 500, and end the instance. */
  | { outcome: 'hard-expired' };

/** Options of {@link runWithDeadline}. */
export interface RunWithDeadlineOptions extends DeadlineOptions {
  /**
   * Use this deadline instead of creating one (`timeoutMs`/`graceMs` are then ignored); it is
   * not disposed.
   * @default undefined (a new deadline from timeoutMs and graceMs, disposed at the end)
   */
  deadline?: Deadline;
}

/**
 * Runs `handler` under a deadline and tells how it ended. The handler gets the signal (abort
 * reason: {@link DeadlineExceededError}); an answer given before the hard expiry is used —
 * also one given in the grace period after catching the error. At the hard expiry the
 * promise settles with `hard-expired` without waiting for the handler.
 */
export function runWithDeadline<T>(
  handler: (signal: AbortSignal, deadline: Deadline) => T | Promise<T>,
  options: RunWithDeadlineOptions,
): Promise<DeadlineOutcome<T>> {
  const own = options.deadline === undefined;
  const deadline = options.deadline ?? createDeadline(options);
  return new Promise<DeadlineOutcome<T>>((resolve) => {
    let settled = false;
    const settle = (outcome: DeadlineOutcome<T>) => {
      if (settled) return;
      settled = true;
      if (own) deadline.dispose();
      resolve(outcome);
    };
    deadline.onHardExpiry(() => settle({ outcome: 'hard-expired' }));
    let result: T | Promise<T>;
    try {
      result = handler(deadline.signal, deadline);
    } catch (error) {
      settle(errorOutcome(error, deadline));
      return;
    }
    Promise.resolve(result).then(
      (value) =>
        settle(
          deadline.expired
            ? { outcome: 'answered-in-grace', value }
            : { outcome: 'answered', value },
        ),
      (error: unknown) => settle(errorOutcome(error, deadline)),
    );
  });
}

function errorOutcome<T>(error: unknown, deadline: Deadline): DeadlineOutcome<T> {
  if (error instanceof DeadlineExceededError && deadline.expired) {
    return { outcome: 'deadline-uncaught', error };
  }
  return { outcome: 'error', error };
}

/** App Engine scaling types. */
export type Scaling = 'automatic' | 'basic' | 'manual';

/** Options of {@link requestTimeoutFor}. */
export interface RequestTimeoutOptions {
  /**
   * The service's scaling type.
   * @default 'automatic'
   */
  scaling?: Scaling;
  /**
   * Runtime generation (`runtimeGeneration(runtime)` of `@gaekit/config`).
   * @default 'second'
   */
  generation?: 'first' | 'second';
  /**
   * What sent the request: first-generation automatic scaling gives user requests 60 s and
   * task-queue and cron requests 10 min.
   * @default 'http'
   */
  source?: 'http' | 'task' | 'cron' | 'warmup';
  /**
   * `production` gives App Engine's values; `development` caps them at
   * {@link RequestTimeoutOptions.developmentTimeoutMs} so tests and the dev server see
   * deadlines quickly.
   * @default 'production'
   */
  mode?: 'production' | 'development';
  /**
   * The cap in `development` mode, in milliseconds.
   * @default 60000
   */
  developmentTimeoutMs?: number;
}

/**
 * App Engine's request timeout in milliseconds (spec §0.6–§0.8, §9.1): automatic scaling
 * 10 min (first generation: 60 s for user requests, 10 min for tasks and cron), basic and
 * manual scaling 24 h. In `development` mode the value is capped at `developmentTimeoutMs`.
 */
export function requestTimeoutFor(options: RequestTimeoutOptions = {}): number {
  const scaling = options.scaling ?? 'automatic';
  const generation = options.generation ?? 'second';
  const source = options.source ?? 'http';
  let timeoutMs: number;
  if (scaling === 'basic' || scaling === 'manual') {
    timeoutMs = APP_ENGINE_LIMITS.basicManualScalingTimeoutMs;
  } else if (generation === 'first' && (source === 'http' || source === 'warmup')) {
    timeoutMs = APP_ENGINE_LIMITS.firstGenerationUserTimeoutMs;
  } else {
    timeoutMs = APP_ENGINE_LIMITS.automaticScalingTimeoutMs;
  }
  if (options.mode === 'development') {
    timeoutMs = Math.min(timeoutMs, options.developmentTimeoutMs ?? 60_000);
  }
  return timeoutMs;
}
