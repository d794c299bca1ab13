import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type AppConfig,
  GaeError,
  INSTANCE_CLASSES,
  parseIdleTimeout,
  parsePendingLatency,
} from '@gaekit/config';
import { createDeadline } from '@gaekit/limits';
import type { Deadline, DeadlineFactory } from './deadline.js';
import { isDeadlineError } from './deadline-error.js';
import type { Driver, DriverContext } from './driver.js';
import { type FetchHandler, headerPairs } from './handler.js';
import { InlineDriver, moduleUrl } from './inline.js';
import { pendingTimeout, serverError, unavailable } from './pages.js';
import { ProcessDriver } from './process.js';
import type {
  DispatchResult,
  InstanceInfo,
  InstanceKind,
  InstanceState,
  Outcome,
  RequestRecord,
  ResponseRecord,
  SchedulerEvent,
  StopReason,
} from './types.js';
import { WorkerDriver } from './worker.js';

/** The parts of an app config the scheduler reads. */
export type SchedulerAppConfig = Partial<
  Pick<
    AppConfig,
    | 'runtime'
    | 'service'
    | 'version'
    | 'threadsafe'
    | 'entrypoint'
    | 'instanceClass'
    | 'envVariables'
    | 'automaticScaling'
    | 'basicScaling'
    | 'manualScaling'
    | 'inboundServices'
  >
>;

/** The three scaling types of App Engine standard. */
export type ScalingType = 'automatic' | 'basic' | 'manual';

/** Identity of the deployment, as the `GAE_*` variables show it to the app. */
export interface EnvironmentOptions {
  /** `GOOGLE_CLOUD_PROJECT`. @default "gaekit-local" */
  project?: string;
  /** `GAE_APPLICATION`. @default `dev~${project}` (the development server's form) */
  application?: string;
  /** `GAE_VERSION` when the config has no `version`. @default "dev" */
  version?: string;
  /** `GAE_DEPLOYMENT_ID`. @default a number taken from the scheduler's start time */
  deploymentId?: string;
  /**
   * Also set the first-generation names `AUTH_DOMAIN`, `CURRENT_MODULE_ID`,
   * `CURRENT_VERSION_ID` (`VERSION.1`, as the development server), `INSTANCE_ID` and
   * `SERVER_SOFTWARE`. @default true
   */
  legacyVariables?: boolean;
  /** `SERVER_SOFTWARE`: `Development/X.Y` on a development server. @default "Development/2.0" */
  serverSoftware?: string;
}

/** Options of {@link createScheduler}. */
export interface SchedulerOptions {
  /**
   * How instances run the app. `process` starts the app's entrypoint; `worker` and `inline`
   * load `module` (or, inline only, `handler`).
   * @default "process"
   */
  kind?: InstanceKind;
  /** The app directory: the process kind's working directory, and the base of a relative `module`. @default process.cwd() */
  root?: string;
  /** `worker` / `inline`: path (absolute or relative to `root`) or URL of a module whose default export is a fetch handler. */
  module?: string;
  /** `inline` only: the fetch handler itself (a function, or an object with `fetch` such as a Hono app). */
  handler?: FetchHandler;
  /**
   * `worker` / `inline`: make the global `Response` a light one while instances run, so a
   * handler's `new Response(text)` is read back without undici building a stream for it
   * (about 20 µs per response on Node 20); see `LightResponse`. It is a `Response` to
   * `instanceof`, and becomes undici's own as soon as the app reads its body, clones it or
   * uses anything but `status`, `ok` and `headers`. For inline instances this is the global
   * of the calling thread (as @hono/node-server does in its process), restored when the
   * last inline instance stops; with several inline schedulers in one thread, one that keeps
   * the default makes it light for all of them.
   * @default true
   */
  lightResponse?: boolean;
  /** `process`: the command that starts the app. @default `config.entrypoint`, else `npm start` when package.json has a start script, else `node server.js` */
  entrypoint?: string;
  /** The app's config (scaling, threadsafe, instance class, env variables, inbound services). @default {} (automatic scaling, F1, nodejs22) */
  config?: SchedulerAppConfig;
  /** Identity shown in the `GAE_*` variables. @default {} */
  environment?: EnvironmentOptions;
  /** Requests one instance takes at once. @default `automatic_scaling.max_concurrent_requests`, else 10, or 1 when `threadsafe: false` */
  maxConcurrentRequests?: number;
  /** Longest wait in the pending queue before the 503. @default 10000 */
  pendingTimeoutMs?: number;
  /** Request deadline. @default 600000 (10 min) for automatic scaling, 86400000 (24 h) for basic and manual */
  requestTimeoutMs?: number;
  /** Time the app gets to answer after its signal aborted, before the instance is ended. @default 500 */
  graceMs?: number;
  /** Time between SIGTERM and SIGKILL when an instance shuts down. @default 2000 */
  shutdownGraceMs?: number;
  /** Budget of `/_ah/stop`, and of the in-flight requests when the scheduler closes. @default 30000 */
  stopTimeoutMs?: number;
  /** Longest an instance may take to load (process: until its port answers). @default 30000 */
  startTimeoutMs?: number;
  /** Idle time after which an instance is retired. @default 900000 (≈15 min) for automatic scaling; `basic_scaling.idle_timeout` (5 min) for basic */
  idleTimeoutMs?: number;
  /** Automatic scaling retires at most one idle instance per this interval. @default 60000 */
  scaleDownIntervalMs?: number;
  /** Pause before starting again after an instance failed to start. @default 1000 */
  restartDelayMs?: number;
  /** Memory limit in MB, enforced with V8's old-space limit; `false` reports it without enforcing. @default the instance class's memory (F1 384, B2 768, ...) */
  memoryLimitMb?: number | false;
  /** Makes each request's deadline. @default `createDeadline` of `@gaekit/limits` */
  deadline?: DeadlineFactory;
  /**
   * A request addressed to an instance that cannot take it now (full at
   * `max_concurrent_requests`, still starting, or stopping) gets 503 at once, as in
   * production (spec §12.2). `true` makes it wait in the pending queue for that instance
   * instead (a stopping or unknown instance still gets 503).
   * @default false
   */
  waitForAddressedInstance?: boolean;
  /** What the scheduler did or saw. @default problems (crashes, deadlines, app errors, pending timeouts) written to stderr */
  onEvent?: (event: SchedulerEvent) => void;
  /** The app's stdout and stderr: copied to this process's, only sent as `app-output` events, or dropped. @default "inherit" */
  output?: 'inherit' | 'events' | 'ignore';
}

/** Per-request options of {@link Scheduler.dispatch}. */
export interface DispatchOptions {
  /** Send the request to this instance (basic and manual scaling; ignored under automatic scaling, where instances are not addressable). */
  instance?: string;
  /**
   * The request's log id: named in crash and deadline events, and, on worker and inline
   * instances, the request that the app's console output and `log.*` lines written while it
   * runs belong to (`app-output` events carry it).
   */
  requestId?: string;
}

/** Runs instances of one app version and dispatches requests to them. */
export interface Scheduler {
  /** The scaling type taken from the config. */
  readonly scaling: ScalingType;
  /** The instance kind. */
  readonly kind: InstanceKind;
  /** Starts the instances that run before any request (manual instances, `min_instances`); resolves when they are ready. */
  start(): Promise<void>;
  /** Runs one buffered request on an instance; always resolves, with the platform's error responses where needed. */
  dispatch(request: RequestRecord, options?: DispatchOptions): Promise<DispatchResult>;
  /**
   * {@link Scheduler.dispatch}, answering in the same tick when it can: an inline instance
   * with room whose handler returns a `Response` (not a promise) gives the result itself, as
   * does a request refused at once; anything else gives the promise.
   */
  dispatchNow(
    request: RequestRecord,
    options?: DispatchOptions,
  ): DispatchResult | Promise<DispatchResult>;
  /** {@link Scheduler.dispatch} for Web `Request`/`Response` (buffers both). */
  fetch(request: Request, options?: DispatchOptions): Promise<Response>;
  /** Snapshots of the instances that are not stopped. */
  instances(): InstanceInfo[];
  /** Requests waiting in the pending queue. */
  readonly pending: number;
  /** Answers queued requests with 503, drains and stops every instance; nothing is left running. */
  close(): Promise<void>;
}

interface Job {
  request: RequestRecord;
  target: string | undefined;
  requestId: string | undefined;
  enqueuedAt: number;
  startedAt: number;
  resolve: (result: DispatchResult) => void;
  done: boolean;
  timer: NodeJS.Timeout | undefined;
  instance: Instance | undefined;
  deadline: Deadline | undefined;
  loading: boolean;
  /** Counted in `#awaited`: its answer is awaited across turns. */
  awaited: boolean;
}

interface Instance {
  id: string;
  driver: Driver;
  state: InstanceState;
  startTime: Date;
  requestsServed: number;
  loadingTaken: boolean;
  jobs: Set<Job>;
  idleSince: number;
  stopReason: StopReason | undefined;
  /** Resolves when the instance has left `starting` (ready or stopped). */
  started: Promise<void>;
  stopped: Promise<void>;
  markStopped: () => void;
}

const AUTOMATIC_TIMEOUT_MS = 10 * 60 * 1000;
const LONG_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** The development server's values for `automatic` pending latencies (spec §10.5). */
const AUTOMATIC_MIN_PENDING_MS = 100;
const AUTOMATIC_MAX_PENDING_MS = 500;

/** App Engine style instance id: `00` and 62 hex digits. */
function instanceId(): string {
  return `00${randomBytes(31).toString('hex')}`;
}

/** The scaling type of a config: manual, basic, else automatic. */
export function scalingType(config: SchedulerAppConfig): ScalingType {
  if (config.manualScaling) return 'manual';
  if (config.basicScaling) return 'basic';
  return 'automatic';
}

/** The command that starts a second-generation Node.js app (spec §12.1). */
export function defaultEntrypoint(root: string, config: SchedulerAppConfig = {}): string {
  if (config.entrypoint) return config.entrypoint;
  try {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    };
    if (pkg.scripts?.start) return 'npm start';
  } catch {
    // No package.json: fall through.
  }
  return 'node server.js';
}

function isStartOk(status: number | undefined): boolean {
  return status !== undefined && ((status >= 200 && status < 300) || status === 404);
}

function describe(event: SchedulerEvent): string | undefined {
  switch (event.type) {
    case 'instance-stopped':
      if (event.reason === 'idle' || event.reason === 'shutdown') return undefined;
      return `instance ${event.instanceId} stopped (${event.reason})${event.error ? `: ${event.error.message}` : ''}${event.requestIds.length ? `; requests answered with 500: ${event.requestIds.join(', ')}` : ''}`;
    case 'deadline':
      return `request ${event.requestId ?? '(no id)'} passed its deadline on instance ${event.instanceId}`;
    case 'app-error':
      return `request ${event.requestId ?? '(no id)'} failed on instance ${event.instanceId}: ${event.error.stack ?? event.error.message}`;
    case 'pending-timeout':
      return `request ${event.requestId ?? '(no id)'} waited ${event.waitedMs} ms in the pending queue: 503`;
    default:
      return undefined;
  }
}

function defaultOnEvent(event: SchedulerEvent): void {
  const line = describe(event);
  if (line) process.stderr.write(`[gaekit/scheduler] ${line}\n`);
}

/**
 * Creates a scheduler for one version of one service: it starts instances of the app
 * (process, worker or inline), queues requests, scales as the config says, and recovers
 * from crashes and deadlines.
 * @throws {GaeError} `scheduler/invalid-options` when the options cannot work together.
 */
export function createScheduler(options: SchedulerOptions = {}): Scheduler {
  return new SchedulerImpl(options);
}

class SchedulerImpl implements Scheduler {
  readonly scaling: ScalingType;
  readonly kind: InstanceKind;
  #o: SchedulerOptions;
  #config: SchedulerAppConfig;
  #root: string;
  #mcr: number;
  #pendingTimeoutMs: number;
  #requestTimeoutMs: number;
  #graceMs: number;
  #shutdownGraceMs: number;
  #stopTimeoutMs: number;
  #idleTimeoutMs: number;
  #scaleDownIntervalMs: number;
  #restartDelayMs: number;
  #minPendingMs: number;
  #maxPendingMs: number;
  #memoryLimitMb: number;
  #enforceMemory: boolean;
  #deadline: DeadlineFactory;
  #emit: (event: SchedulerEvent) => void;
  #deploymentId: string;
  #instances: Instance[] = [];
  #queue: Job[] = [];
  #pumping = false;
  #pumpAgain = false;
  #scaleAfterPump = false;
  #closed = false;
  #closing: Promise<void> | undefined;
  #startBlockedUntil = 0;
  #lastRetire = 0;
  #scaleTimer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #started = false;
  #background = new Set<Promise<unknown>>();
  /**
   * Requests whose answer is awaited across turns. While there are any, the scheduler's tick
   * keeps the event loop alive: an inline handler that never answers still gets its deadline
   * 500 in a script that only awaits `fetch` (deadline timers are unref'd).
   */
  #awaited = 0;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#config = options.config ?? {};
    this.kind = options.kind ?? 'process';
    this.#root = options.root ?? process.cwd();
    this.scaling = scalingType(this.#config);
    if (this.kind !== 'process' && !options.module && !options.handler) {
      throw new GaeError(
        'scheduler/invalid-options',
        `A ${this.kind} instance needs the app's module: no "module" option was given.`,
        { hint: 'Pass module: "./app.js" (a module whose default export is a fetch handler).' },
      );
    }
    if (this.kind === 'worker' && !options.module) {
      throw new GaeError(
        'scheduler/invalid-options',
        'A worker instance loads its handler from a module; a handler function cannot cross into a worker thread.',
        { hint: 'Pass module: "./app.js", or use kind: "inline" with handler.' },
      );
    }
    const automatic = this.#config.automaticScaling ?? {};
    this.#mcr =
      options.maxConcurrentRequests ??
      automatic.maxConcurrentRequests ??
      (this.#config.threadsafe === false ? 1 : 10);
    this.#pendingTimeoutMs = options.pendingTimeoutMs ?? 10_000;
    this.#requestTimeoutMs =
      options.requestTimeoutMs ??
      (this.scaling === 'automatic' ? AUTOMATIC_TIMEOUT_MS : LONG_TIMEOUT_MS);
    this.#graceMs = options.graceMs ?? 500;
    this.#shutdownGraceMs = options.shutdownGraceMs ?? 2000;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 30_000;
    const basicIdle = this.#config.basicScaling?.idleTimeout;
    this.#idleTimeoutMs =
      options.idleTimeoutMs ??
      (this.scaling === 'basic'
        ? (basicIdle ? parseIdleTimeout(basicIdle) : 300) * 1000
        : 15 * 60 * 1000);
    this.#scaleDownIntervalMs = options.scaleDownIntervalMs ?? 60_000;
    this.#restartDelayMs = options.restartDelayMs ?? 1000;
    const minPending = automatic.minPendingLatency
      ? parsePendingLatency(automatic.minPendingLatency)
      : 'automatic';
    const maxPending = automatic.maxPendingLatency
      ? parsePendingLatency(automatic.maxPendingLatency)
      : 'automatic';
    this.#minPendingMs = minPending === 'automatic' ? AUTOMATIC_MIN_PENDING_MS : minPending;
    this.#maxPendingMs = maxPending === 'automatic' ? AUTOMATIC_MAX_PENDING_MS : maxPending;
    const className = this.#config.instanceClass ?? (this.scaling === 'automatic' ? 'F1' : 'B2');
    const classMemory =
      INSTANCE_CLASSES[className as keyof typeof INSTANCE_CLASSES]?.memoryMb ?? 384;
    this.#memoryLimitMb =
      typeof options.memoryLimitMb === 'number' ? options.memoryLimitMb : classMemory;
    this.#enforceMemory = options.memoryLimitMb !== false;
    this.#deadline = options.deadline ?? createDeadline;
    const onEvent = options.onEvent ?? defaultOnEvent;
    this.#emit = (event) => {
      try {
        onEvent(event);
      } catch {
        // An observer's mistake never breaks scheduling.
      }
    };
    this.#deploymentId = String(Date.now() * 1000 + Math.floor(Math.random() * 1000));
  }

  get pending(): number {
    return this.#queue.length;
  }

  // ---------------------------------------------------------------- public API

  async start(): Promise<void> {
    this.#ensureStarted();
    await Promise.all(this.#instances.map((instance) => instance.started));
  }

  dispatch(request: RequestRecord, options: DispatchOptions = {}): Promise<DispatchResult> {
    try {
      const answer = this.dispatchNow(request, options);
      return answer instanceof Promise ? answer : Promise.resolve(answer);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  dispatchNow(
    request: RequestRecord,
    options: DispatchOptions = {},
  ): DispatchResult | Promise<DispatchResult> {
    let settled: DispatchResult | undefined;
    const now = Date.now();
    const job: Job = {
      request,
      target: this.scaling === 'automatic' ? undefined : options.instance,
      requestId: options.requestId,
      enqueuedAt: now,
      startedAt: now,
      resolve: (result) => {
        settled = result;
      },
      done: false,
      timer: undefined,
      instance: undefined,
      deadline: undefined,
      loading: false,
      awaited: false,
    };
    this.#submit(job);
    if (settled) return settled;
    // Not answered in this tick: whoever answers it later resolves the promise.
    return new Promise((resolve) => {
      job.resolve = resolve;
    });
  }

  #submit(job: Job): void {
    if (this.#closed) {
      this.#finish(job, unavailable(), 'unavailable');
      return;
    }
    this.#ensureStarted();
    if (job.target !== undefined) {
      const target = this.#instances.find((instance) => instance.id === job.target);
      const waits = this.#o.waitForAddressedInstance === true;
      if (
        !target ||
        target.state === 'draining' ||
        target.state === 'stopped' ||
        (!waits && !this.#canTake(target))
      ) {
        this.#finish(job, unavailable(), 'unavailable');
        return;
      }
    }
    this.#queue.push(job);
    this.#pump();
    if (job.done || job.instance) {
      this.#scale();
      return;
    }
    job.timer = setTimeout(() => {
      const index = this.#queue.indexOf(job);
      if (index === -1) return;
      this.#queue.splice(index, 1);
      const waitedMs = Date.now() - job.enqueuedAt;
      this.#emit({ type: 'pending-timeout', requestId: job.requestId, waitedMs });
      this.#finish(job, pendingTimeout(), 'pending-timeout');
    }, this.#pendingTimeoutMs);
    this.#scale();
  }

  async fetch(request: Request, options?: DispatchOptions): Promise<Response> {
    const body = new Uint8Array(await request.arrayBuffer());
    const result = await this.dispatch(
      { method: request.method, url: request.url, headers: headerPairs(request.headers), body },
      options,
    );
    const { status, headers, body: responseBody } = result.response;
    const nullBody =
      status === 204 || status === 205 || status === 304 || request.method === 'HEAD';
    return new Response(nullBody ? null : responseBody, { status, headers });
  }

  instances(): InstanceInfo[] {
    return this.#instances
      .filter((instance) => instance.state !== 'stopped')
      .map((instance) => this.#info(instance));
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  // ---------------------------------------------------------------- internals

  #info(instance: Instance): InstanceInfo {
    return {
      id: instance.id,
      kind: instance.driver.kind,
      state: instance.state,
      startTime: instance.startTime,
      requestsServed: instance.requestsServed,
      inFlight: instance.jobs.size,
      maxConcurrentRequests: this.#mcr,
      memoryBytes: instance.state === 'stopped' ? undefined : instance.driver.memoryBytes(),
      memoryLimitMb: this.#memoryLimitMb,
      pid: instance.driver.pid,
      threadId: instance.driver.threadId,
      stopReason: instance.stopReason,
    };
  }

  #ensureStarted(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    const period = Math.max(
      10,
      Math.min(1000, Math.floor(Math.min(this.#idleTimeoutMs, this.#scaleDownIntervalMs) / 4)),
    );
    this.#tick = setInterval(() => this.#scaleDown(), period);
    this.#tick.unref();
    this.#scale();
  }

  #live(): Instance[] {
    return this.#instances.filter(
      (instance) => instance.state !== 'stopped' && instance.state !== 'draining',
    );
  }

  #liveCount(): number {
    let count = 0;
    for (const instance of this.#instances) {
      if (instance.state !== 'stopped' && instance.state !== 'draining') count++;
    }
    return count;
  }

  #canTake(instance: Instance): boolean {
    return (
      (instance.state === 'ready' || instance.state === 'busy') && instance.jobs.size < this.#mcr
    );
  }

  /** The busiest instance that still has room (the development server's choice), oldest first on ties. */
  #pick(): Instance | undefined {
    let best: Instance | undefined;
    for (const instance of this.#instances) {
      if (!this.#canTake(instance)) continue;
      if (!best || instance.jobs.size > best.jobs.size) best = instance;
    }
    return best;
  }

  /**
   * Hands queued requests to instances with room, in FIFO order. An inline request answered
   * in the same tick frees its slot from inside this loop: that asks for another pass instead
   * of a nested one, so a long queue does not grow the stack.
   */
  #pump(): void {
    if (this.#pumping) {
      this.#pumpAgain = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#pumpAgain = false;
        this.#pumpOnce();
      } while (this.#pumpAgain);
    } finally {
      this.#pumping = false;
    }
    if (this.#scaleAfterPump) {
      this.#scaleAfterPump = false;
      this.#scale();
    }
  }

  #pumpOnce(): void {
    let untargetedBlocked = false;
    for (let i = 0; i < this.#queue.length; ) {
      const job = this.#queue[i] as Job;
      let instance: Instance | undefined;
      if (job.target !== undefined) {
        const target = this.#instances.find((candidate) => candidate.id === job.target);
        if (!target || target.state === 'draining' || target.state === 'stopped') {
          this.#queue.splice(i, 1);
          this.#finish(job, unavailable(), 'unavailable');
          continue;
        }
        if (this.#canTake(target)) instance = target;
      } else if (!untargetedBlocked) {
        instance = this.#pick();
        if (!instance) untargetedBlocked = true;
      }
      if (!instance) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      this.#run(job, instance);
    }
  }

  #run(job: Job, instance: Instance): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = undefined;
    job.instance = instance;
    job.startedAt = Date.now();
    job.loading = !instance.loadingTaken;
    instance.loadingTaken = true;
    instance.jobs.add(job);
    instance.state = 'busy';
    let handled: ResponseRecord | Promise<ResponseRecord>;
    try {
      // In the try: a deadline factory that throws (a user option) costs this request a 500,
      // not its slot.
      const deadline = this.#deadline({
        timeoutMs: this.#requestTimeoutMs,
        graceMs: this.#graceMs,
      });
      job.deadline = deadline;
      deadline.onHardExpiry(() => {
        if (job.done) return;
        this.#emit({ type: 'deadline', instanceId: instance.id, requestId: job.requestId });
        this.#finish(job, serverError(), 'deadline');
        this.#end(instance, 'deadline');
      });
      handled = instance.driver.handle(job.request, deadline, job.requestId);
    } catch (error) {
      this.#failed(job, instance, error);
      return;
    }
    if (!(handled instanceof Promise)) {
      // An inline handler answered in the same tick.
      this.#answered(job, instance, handled);
      return;
    }
    // A deadline that had passed already (a custom factory) may have finished the job.
    if (!job.done) {
      job.awaited = true;
      if (this.#awaited++ === 0) this.#tick?.ref();
    }
    handled.then(
      (response) => this.#answered(job, instance, response),
      (error: unknown) => this.#failed(job, instance, error),
    );
  }

  #answered(job: Job, instance: Instance, response: ResponseRecord): void {
    if (job.done) return;
    instance.requestsServed++;
    this.#finish(job, response, 'ok');
  }

  #failed(job: Job, instance: Instance, error: unknown): void {
    if (job.done) return;
    const err = error instanceof Error ? error : new Error(String(error));
    if (isDeadlineError(err) && job.deadline?.signal.aborted) {
      // The handler let DeadlineExceededError escape: the platform's 500, and the instance
      // is ended (spec §9.1: both deadline errors kill it, with its other requests).
      this.#emit({ type: 'deadline', instanceId: instance.id, requestId: job.requestId });
      this.#finish(job, serverError(), 'deadline');
      this.#end(instance, 'deadline');
      return;
    }
    this.#emit({
      type: 'app-error',
      instanceId: instance.id,
      requestId: job.requestId,
      error: err,
    });
    this.#finish(job, serverError(), 'app-error');
  }

  /** Answers a request exactly once and frees its slot. */
  #finish(job: Job, response: ResponseRecord, outcome: Outcome): void {
    if (job.done) return;
    job.done = true;
    if (job.timer) clearTimeout(job.timer);
    job.deadline?.dispose();
    const instance = job.instance;
    const now = Date.now();
    job.resolve({
      response,
      outcome,
      instanceId: instance?.id,
      loadingRequest: job.loading,
      pendingMs: job.startedAt - job.enqueuedAt,
    });
    if (job.awaited) {
      job.awaited = false;
      if (--this.#awaited === 0) this.#tick?.unref();
    }
    if (!instance) return;
    instance.jobs.delete(job);
    if (instance.state === 'busy' && instance.jobs.size === 0) {
      instance.state = 'ready';
      instance.idleSince = now;
    }
    this.#pump();
    this.#scale();
  }

  #track<T>(promise: Promise<T>): void {
    const tracked = promise.then(
      () => {},
      () => {},
    );
    this.#background.add(tracked);
    void tracked.then(() => this.#background.delete(tracked));
  }

  #context(id: string): DriverContext {
    const config = this.#config;
    const env = this.#o.environment ?? {};
    const project = env.project ?? 'gaekit-local';
    const output = this.#o.output ?? 'inherit';
    return {
      instanceId: id,
      root: this.#root,
      env: {
        NODE_ENV: 'production',
        ...config.envVariables,
        GAE_APPLICATION: env.application ?? `dev~${project}`,
        GAE_DEPLOYMENT_ID: env.deploymentId ?? this.#deploymentId,
        GAE_ENV: 'standard',
        GAE_INSTANCE: id,
        GAE_MEMORY_MB: String(this.#memoryLimitMb),
        GAE_RUNTIME: config.runtime ?? 'nodejs22',
        GAE_SERVICE: config.service ?? 'default',
        GAE_VERSION: config.version ?? env.version ?? 'dev',
        GOOGLE_CLOUD_PROJECT: project,
        ...(env.legacyVariables === false
          ? {}
          : {
              // First-generation names many apps still read, e.g. SERVER_SOFTWARE to detect dev.
              AUTH_DOMAIN: 'gmail.com',
              CURRENT_MODULE_ID: config.service ?? 'default',
              CURRENT_VERSION_ID: `${config.version ?? env.version ?? 'dev'}.1`,
              INSTANCE_ID: id,
              SERVER_SOFTWARE: env.serverSoftware ?? 'Development/2.0',
            }),
      },
      memoryLimitMb: this.#memoryLimitMb,
      enforceMemory: this.#enforceMemory,
      startTimeoutMs: this.#o.startTimeoutMs ?? 30_000,
      maxConcurrentRequests: this.#mcr,
      lightResponse: this.#o.lightResponse ?? true,
      output: (stream, line, attributed) => {
        if (output === 'ignore') return;
        if (output === 'inherit') process[stream].write(`${attributed?.text ?? line}\n`);
        this.#emit(
          attributed
            ? { type: 'app-output', instanceId: id, stream, line, requestId: attributed.requestId }
            : { type: 'app-output', instanceId: id, stream, line },
        );
      },
    };
  }

  #driver(id: string): Driver {
    const ctx = this.#context(id);
    const o = this.#o;
    switch (this.kind) {
      case 'inline':
        return new InlineDriver(
          o.handler ? { handler: o.handler } : { module: o.module as string },
          ctx,
        );
      case 'worker':
        return new WorkerDriver(moduleUrl(o.module as string, this.#root), ctx);
      default:
        return new ProcessDriver(o.entrypoint ?? defaultEntrypoint(this.#root, this.#config), ctx);
    }
  }

  /** Starts one instance; it takes requests once loaded (and warmed up or started). */
  #startInstance(reason: string): Instance {
    const id = instanceId();
    const driver = this.#driver(id);
    let markStarted = () => {};
    let markStopped = () => {};
    const instance: Instance = {
      id,
      driver,
      state: 'starting',
      startTime: new Date(),
      requestsServed: 0,
      loadingTaken: false,
      jobs: new Set(),
      idleSince: Date.now(),
      stopReason: undefined,
      started: new Promise<void>((resolve) => {
        markStarted = resolve;
      }),
      stopped: new Promise<void>((resolve) => {
        markStopped = resolve;
      }),
      markStopped: () => markStopped(),
    };
    this.#instances.push(instance);
    driver.onCrash = ({ error, memory }) => this.#end(instance, memory ? 'memory' : 'crash', error);
    this.#emit({ type: 'instance-starting', instanceId: id, kind: driver.kind, reason });
    this.#track(
      this.#boot(instance).finally(() => {
        markStarted();
      }),
    );
    return instance;
  }

  async #boot(instance: Instance): Promise<void> {
    try {
      await instance.driver.start();
    } catch (error) {
      this.#startBlockedUntil = Date.now() + this.#restartDelayMs;
      this.#end(
        instance,
        'start-failed',
        error instanceof Error ? error : new Error(String(error)),
      );
      this.#scheduleScale(this.#restartDelayMs);
      return;
    }
    if (instance.state !== 'starting') return;
    if (this.scaling === 'automatic' && this.#config.inboundServices?.includes('warmup')) {
      const status = await this.#internal(instance, '/_ah/warmup', this.#requestTimeoutMs);
      this.#emit({ type: 'warmup', instanceId: instance.id, status: status ?? 500 });
    } else if (this.scaling !== 'automatic') {
      const status = await this.#internal(instance, '/_ah/start', this.#requestTimeoutMs);
      this.#emit({
        type: 'start-handler',
        instanceId: instance.id,
        path: '/_ah/start',
        status: status ?? 500,
      });
      if (instance.state !== 'starting') return;
      if (!isStartOk(status)) {
        this.#startBlockedUntil = Date.now() + this.#restartDelayMs;
        await this.#stop(instance, 'start-handler-failed', false);
        this.#scheduleScale(this.#restartDelayMs);
        return;
      }
    }
    if (instance.state !== 'starting') return;
    instance.state = 'ready';
    instance.idleSince = Date.now();
    this.#emit({ type: 'instance-ready', instanceId: instance.id });
    this.#pump();
    this.#scale();
  }

  /** Sends `/_ah/start`, `/_ah/stop` or `/_ah/warmup`; the status, or undefined when it failed. */
  async #internal(
    instance: Instance,
    path: string,
    timeoutMs: number,
  ): Promise<number | undefined> {
    const deadline = this.#deadline({ timeoutMs, graceMs: this.#graceMs });
    try {
      return await new Promise<number | undefined>((resolve) => {
        deadline.onHardExpiry(() => resolve(undefined));
        let answer: ResponseRecord | Promise<ResponseRecord>;
        try {
          answer = instance.driver.handle(
            {
              method: 'GET',
              url: `http://localhost${path}`,
              headers: [['host', 'localhost']],
              body: new Uint8Array(),
            },
            deadline,
          );
        } catch {
          resolve(undefined);
          return;
        }
        Promise.resolve(answer).then(
          (response) => resolve(response.status),
          () => resolve(undefined),
        );
      });
    } finally {
      deadline.dispose();
    }
  }

  /** An instance ended on its own or must end now: answer its requests, kill it, replace it. */
  #end(instance: Instance, reason: StopReason, error?: Error): void {
    if (instance.state === 'stopped') return;
    instance.state = 'stopped';
    instance.stopReason = reason;
    const requestIds: string[] = [];
    for (const job of [...instance.jobs]) {
      if (job.requestId) requestIds.push(job.requestId);
      this.#finish(job, serverError(), 'crash');
    }
    this.#emit({
      type: 'instance-stopped',
      instanceId: instance.id,
      reason,
      requestIds,
      ...(error ? { error } : {}),
    });
    this.#track(
      instance.driver.kill().finally(() => {
        this.#forget(instance);
      }),
    );
    if (reason !== 'start-failed') this.#replace();
  }

  #forget(instance: Instance): void {
    const index = this.#instances.indexOf(instance);
    if (index !== -1) this.#instances.splice(index, 1);
    instance.markStopped();
  }

  /** A crashed, killed or out-of-memory instance is replaced at once (within the limits). */
  #replace(): void {
    if (this.#closed) return;
    const max = this.#maxInstances();
    if (this.#live().length < max) this.#startInstance('replacement');
    this.#pump();
  }

  #maxInstances(): number {
    if (this.scaling === 'manual') return this.#config.manualScaling?.instances ?? 1;
    if (this.scaling === 'basic') return this.#config.basicScaling?.maxInstances ?? 1;
    const max = this.#config.automaticScaling?.maxInstances;
    return max === undefined || max === 0 ? Number.POSITIVE_INFINITY : max;
  }

  #scheduleScale(delayMs: number): void {
    if (this.#scaleTimer || this.#closed) return;
    this.#scaleTimer = setTimeout(() => {
      this.#scaleTimer = undefined;
      this.#scale();
    }, delayMs);
    this.#scaleTimer.unref();
  }

  /** Starts the instances the config and the load call for. */
  #scale(): void {
    // Inside a pump pass the queue still holds jobs the pass is about to serve: scale after it.
    if (this.#pumping) {
      this.#scaleAfterPump = true;
      return;
    }
    if (this.#closed || !this.#started) return;
    const now = Date.now();
    if (now < this.#startBlockedUntil) {
      this.#scheduleScale(this.#startBlockedUntil - now);
      return;
    }
    const max = this.#maxInstances();
    if (this.scaling === 'manual') {
      // Runs after every request: no allocation unless an instance is missing.
      while (this.#liveCount() < max) this.#startInstance('manual');
      return;
    }
    // Runs after every request too: counts in one pass, no arrays, unless instances start.
    let queued = 0;
    let oldest: Job | undefined;
    for (const job of this.#queue) {
      if (job.target !== undefined) continue;
      queued++;
      oldest ??= job;
    }
    const count = this.#counts();
    // Starts instances until the ones starting can take every queued request.
    const cover = (reason: string) => {
      while (queued > count.starting * this.#mcr && count.live < max) {
        this.#startInstance(reason);
        count.live++;
        count.starting++;
      }
    };
    if (this.scaling === 'basic') {
      cover('demand');
      return;
    }
    const automatic = this.#config.automaticScaling ?? {};
    while (count.live < Math.min(automatic.minInstances ?? 0, max)) {
      this.#startInstance('min-instances');
      count.live++;
      count.starting++;
    }
    if (oldest) {
      const waited = now - oldest.enqueuedAt;
      // A max_pending_latency below min_pending_latency cannot hold: the later one wins.
      const maxPending = Math.max(this.#minPendingMs, this.#maxPendingMs);
      if (count.live === 0) {
        // Nothing to reuse (scaling from zero): start what the queue needs now.
        cover('pending');
      } else if (waited >= maxPending) {
        cover('max-pending-latency');
      } else {
        // Younger than min_pending_latency: never a new instance; between min and max the
        // scheduler prefers reusing a running one (spec §10.3). Look again at max.
        this.#scheduleScale(maxPending - waited);
      }
    } else if (count.starting === 0 && count.live > 0 && count.live < max) {
      const utilization = automatic.targetThroughputUtilization ?? 0.6;
      const threshold = Math.max(1, Math.ceil(this.#mcr * utilization));
      if (this.#minJobs() >= threshold) {
        this.#startInstance('throughput');
        count.live++;
        count.starting++;
      }
    }
    const minIdle = automatic.minIdleInstances;
    if (typeof minIdle === 'number' && minIdle > 0) {
      let idle = this.#counts().idle;
      while (idle < minIdle && count.live < max) {
        this.#startInstance('min-idle');
        count.live++;
        idle++;
      }
    }
  }

  /** Live, starting, and idle-or-starting instances, counted in one pass. */
  #counts(): { live: number; starting: number; idle: number } {
    let live = 0;
    let starting = 0;
    let idle = 0;
    for (const instance of this.#instances) {
      if (instance.state === 'stopped' || instance.state === 'draining') continue;
      live++;
      if (instance.state === 'starting') starting++;
      if (instance.state === 'starting' || instance.jobs.size === 0) idle++;
    }
    return { live, starting, idle };
  }

  /** The fewest requests any live instance has in flight (Infinity when none is live). */
  #minJobs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const instance of this.#instances) {
      if (instance.state === 'stopped' || instance.state === 'draining') continue;
      if (instance.jobs.size < min) min = instance.jobs.size;
    }
    return min;
  }

  /** Retires idle instances (basic: after `idle_timeout`; automatic: one per interval). */
  #scaleDown(): void {
    if (this.#closed) return;
    const now = Date.now();
    if (this.scaling === 'manual') return;
    const idle = this.#live().filter(
      (instance) => instance.state === 'ready' && instance.jobs.size === 0,
    );
    if (this.scaling === 'basic') {
      for (const instance of idle) {
        if (now - instance.idleSince >= this.#idleTimeoutMs) this.#retire(instance);
      }
      return;
    }
    if (now - this.#lastRetire < this.#scaleDownIntervalMs || idle.length === 0) return;
    const automatic = this.#config.automaticScaling ?? {};
    const minInstances = automatic.minInstances ?? 0;
    const minIdle = typeof automatic.minIdleInstances === 'number' ? automatic.minIdleInstances : 0;
    const maxIdle =
      typeof automatic.maxIdleInstances === 'number'
        ? automatic.maxIdleInstances
        : Number.POSITIVE_INFINITY;
    if (this.#live().length <= minInstances || idle.length <= minIdle) return;
    idle.sort((a, b) => a.idleSince - b.idleSince);
    const longest = idle[0] as Instance;
    if (now - longest.idleSince >= this.#idleTimeoutMs || idle.length > maxIdle) {
      this.#lastRetire = now;
      this.#retire(longest);
    }
  }

  #retire(instance: Instance): void {
    this.#track(this.#stop(instance, 'idle', true));
  }

  /**
   * Stops an instance politely: no new requests, in-flight ones get `stopTimeoutMs`,
   * `/_ah/stop` for basic and manual scaling, then SIGTERM, `shutdownGraceMs`, SIGKILL.
   */
  async #stop(instance: Instance, reason: StopReason, sendStop: boolean): Promise<void> {
    if (instance.state === 'stopped' || instance.state === 'draining') {
      await instance.stopped;
      return;
    }
    const wasStarting = instance.state === 'starting';
    instance.state = 'draining';
    instance.stopReason = reason;
    this.#pump();
    if (instance.jobs.size > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (instance.jobs.size === 0 || instance.state === 'stopped') {
              clearInterval(check);
              resolve();
            }
          }, 10);
        }),
        new Promise<void>((resolve) => setTimeout(resolve, this.#stopTimeoutMs).unref()),
      ]);
    }
    if (
      sendStop &&
      !wasStarting &&
      this.scaling !== 'automatic' &&
      (instance.state as InstanceState) === 'draining'
    ) {
      const status = await this.#internal(instance, '/_ah/stop', this.#stopTimeoutMs);
      this.#emit({
        type: 'start-handler',
        instanceId: instance.id,
        path: '/_ah/stop',
        status: status ?? 500,
      });
    }
    if ((instance.state as InstanceState) === 'stopped') {
      await instance.stopped;
      return;
    }
    await instance.driver.stop(this.#shutdownGraceMs);
    if ((instance.state as InstanceState) === 'stopped') return;
    instance.state = 'stopped';
    const requestIds: string[] = [];
    for (const job of [...instance.jobs]) {
      if (job.requestId) requestIds.push(job.requestId);
      this.#finish(job, unavailable(), 'unavailable');
    }
    this.#emit({ type: 'instance-stopped', instanceId: instance.id, reason, requestIds });
    this.#forget(instance);
  }

  async #close(): Promise<void> {
    this.#closed = true;
    if (this.#tick) clearInterval(this.#tick);
    if (this.#scaleTimer) clearTimeout(this.#scaleTimer);
    for (const job of this.#queue.splice(0)) this.#finish(job, unavailable(), 'unavailable');
    // Instances still loading are ended at once; the others drain and stop politely.
    for (const instance of [...this.#instances]) {
      if (instance.state === 'starting') this.#end(instance, 'shutdown');
    }
    await Promise.all(
      [...this.#instances].map((instance) => this.#stop(instance, 'shutdown', true)),
    );
    while (this.#background.size > 0) await Promise.all([...this.#background]);
  }
}
