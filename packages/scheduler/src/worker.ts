import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Deadline, whenDeadline } from './deadline.js';
import type { CrashInfo, Driver, DriverContext } from './driver.js';
import { forwardLines } from './lines.js';
import {
  type Batch,
  LOG,
  Outbox,
  READY,
  RESPONSE,
  readFromWorker,
  type WorkerBoot,
  writeAbort,
  writeRequest,
} from './protocol.js';
import type { RequestRecord, ResponseRecord } from './types.js';

interface Pending {
  resolve(response: ResponseRecord): void;
  reject(error: Error): void;
}

/**
 * How to start the bootstrap script. From `dist` it is `worker-entry.js` next to this
 * bundle. From source (tests run on `src`) it is `worker-entry.ts`, loaded through tsx.
 */
function bootstrap(): { script: string | URL; eval: boolean } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { script: new URL('./worker-entry.js', here), eval: false };
  const require = createRequire(here);
  const tsx = pathToFileURL(require.resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL('./worker-entry.ts', here).href;
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return { script: code, eval: true };
}

function isOutOfMemory(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** The worker kind: the app module loaded once in a `worker_threads` worker. */
export class WorkerDriver implements Driver {
  readonly kind = 'worker' as const;
  readonly pid = undefined;
  onCrash: (info: CrashInfo) => void = () => {};
  #worker: Worker | undefined;
  #pending = new Map<number, Pending>();
  /** Requests and aborts for the worker, posted in batches (see protocol.ts). */
  #outbox = new Outbox((batch) => {
    // Request bodies are copied, not transferred: the caller may still hold them.
    if (!this.#ending) this.#worker?.postMessage(batch);
  });
  #nextId = 1;
  #heap: number | undefined;
  #ending = false;
  #exited: Promise<void> | undefined;

  constructor(
    private readonly moduleUrl: string,
    private readonly ctx: DriverContext,
  ) {}

  get threadId(): number | undefined {
    return this.#worker?.threadId;
  }

  start(): Promise<void> {
    const { script, eval: isEval } = bootstrap();
    const boot: WorkerBoot = {
      moduleUrl: this.moduleUrl,
      instanceId: this.ctx.instanceId,
      lightResponse: this.ctx.lightResponse,
    };
    const worker = new Worker(script, {
      eval: isEval,
      workerData: boot,
      env: { ...process.env, ...this.ctx.env },
      stdout: true,
      stderr: true,
      ...(this.ctx.enforceMemory
        ? { resourceLimits: { maxOldGenerationSizeMb: this.ctx.memoryLimitMb } }
        : {}),
    });
    this.#worker = worker;
    forwardLines(worker.stdout, (line) => this.ctx.output('stdout', line));
    forwardLines(worker.stderr, (line) => this.ctx.output('stderr', line));
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      let lastError: unknown;
      worker.on('message', (batch: Batch) => {
        this.#heap = readFromWorker(batch, (message) => {
          if (message.t === READY) {
            ready = true;
            resolve();
            return;
          }
          if (message.t === LOG) {
            this.ctx.output(message.stream, message.json, {
              requestId: message.requestId,
              text: message.text,
            });
            return;
          }
          const pending = this.#pending.get(message.id);
          if (!pending) return;
          this.#pending.delete(message.id);
          if (message.t === RESPONSE) {
            pending.resolve(message.response);
          } else {
            const error = new Error(message.message);
            error.name = message.name;
            if (message.stack) error.stack = message.stack;
            pending.reject(error);
          }
        });
      });
      worker.on('error', (error) => {
        lastError = error;
      });
      worker.on('exit', (code) => {
        const error =
          lastError instanceof Error ? lastError : new Error(`the worker exited with code ${code}`);
        this.#pending.clear();
        if (!ready) {
          reject(error);
          return;
        }
        if (!this.#ending) this.onCrash({ error, memory: isOutOfMemory(lastError) });
      });
    });
  }

  handle(request: RequestRecord, deadline: Deadline, requestId?: string): Promise<ResponseRecord> {
    const worker = this.#worker;
    if (!worker || this.#ending) return Promise.reject(new Error('instance is not running'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      writeRequest(this.#outbox, id, request, requestId);
      whenDeadline(deadline, () => {
        if (this.#pending.has(id)) writeAbort(this.#outbox, id);
      });
    });
  }

  async kill(): Promise<void> {
    this.#ending = true;
    await this.#worker?.terminate();
    await this.#exited;
  }

  async stop(): Promise<void> {
    // A worker has no signals: requests have drained by now, so it is simply terminated.
    await this.kill();
  }

  memoryBytes(): number | undefined {
    return this.#heap;
  }
}
