/**
 * Runs inside a worker instance: imports the app module once (app caching) and answers
 * requests posted by the scheduler. An uncaught exception or unhandled rejection ends the
 * worker, which the scheduler treats as a crash.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type * as Limits from '@gaekit/limits';
import { captureConsole, createLogging } from '@gaekit/logging';
import { attributionSink } from './attribution.js';
import { DeadlineExceededLookalike, isDeadlineError } from './deadline-error.js';
import { runFetch, toFetch } from './handler.js';
import { installLightResponse } from './light-response.js';
import {
  ABORT,
  type Batch,
  Outbox,
  readToWorker,
  type ToWorker,
  type WorkerBoot,
  writeFailure,
  writeLog,
  writeReady,
  writeResponse,
} from './protocol.js';

const port = parentPort;
if (!port) throw new Error('@gaekit/scheduler worker-entry runs only as a worker thread');
const boot = workerData as WorkerBoot;
const LIMITS = '@gaekit/limits';

/**
 * True when the app declares @gaekit/limits in its package.json and resolves the same
 * installed copy as this file. Only then can its `instanceof DeadlineExceededError` hold, so
 * only then is the package loaded here (about 0.3 s per worker, for @gaekit/config's
 * schemas); otherwise the signal's reason is a look-alike with the same name, message and
 * code.
 */
function appSharesLimits(appUrl: string): boolean {
  if (!appUrl.startsWith('file:')) return false;
  try {
    let dir = dirname(fileURLToPath(appUrl));
    for (;;) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
        const fields = [
          'dependencies',
          'devDependencies',
          'peerDependencies',
          'optionalDependencies',
        ];
        if (!fields.some((field) => LIMITS in ((pkg[field] as object | undefined) ?? {}))) {
          return false;
        }
        break;
      }
      const parent = dirname(dir);
      if (parent === dir) return false;
      dir = parent;
    }
    const id = `${LIMITS}/package.json`;
    const mine = realpathSync(createRequire(import.meta.url).resolve(id));
    return realpathSync(createRequire(appUrl).resolve(id)) === mine;
  } catch {
    return false;
  }
}

// Before the app loads, so a module that keeps `Response` at import time keeps the light one.
if (boot.lightResponse) installLightResponse();
const [namespace, limits] = await Promise.all([
  import(boot.moduleUrl) as Promise<unknown>,
  appSharesLimits(boot.moduleUrl)
    ? (import(LIMITS) as Promise<typeof Limits>)
    : Promise.resolve(undefined),
]);
const fetch = toFetch(namespace, boot.moduleUrl);
// Heap use rides along with each batch; reading it costs about 1 µs, so at most every 100 ms.
let heapUsed = getHeapStatistics().used_heap_size;
let heapRead = performance.now();
const heap = () => {
  const now = performance.now();
  if (now - heapRead >= 100) {
    heapUsed = getHeapStatistics().used_heap_size;
    heapRead = now;
  }
  return heapUsed;
};
const outbox = new Outbox((batch, transfer) => port.postMessage(batch, transfer), heap);
// Answers already made are sent before the worker dies of another request's uncaught error
// (or the app's own process.exit): only the requests still running get the crash 500.
process.on('uncaughtExceptionMonitor', () => outbox.flush());
process.on('exit', () => outbox.flush());

// Requests with a log id run in a request context: console output and `log.*` lines written
// while they run go to the scheduler as that request's lines (issue 6). An app that already
// captured the console keeps its capture, which files into the same context.
const logging = createLogging({
  sinks: [
    attributionSink(process.env.GOOGLE_CLOUD_PROJECT, (line) => {
      writeLog(outbox, line);
      // Sent at once (after what is queued): a line is not held back in case the app crashes.
      outbox.flush();
    }),
  ],
  instanceId: boot.instanceId,
});
try {
  captureConsole();
} catch {
  // Captured already (by the app): that capture serves.
}

const deadlineError = (): Error =>
  limits ? new limits.DeadlineExceededError() : new DeadlineExceededLookalike();

/** Per request: its controller once the app read `request.signal`, and whether it was aborted. */
const requests = new Map<number, { controller?: AbortController; reason?: Error }>();
port.on('message', (batch: Batch) => readToWorker(batch, receive));

function receive(message: ToWorker): void {
  if (message.t === ABORT) {
    const entry = requests.get(message.id);
    if (!entry) return;
    entry.reason = deadlineError();
    entry.controller?.abort(entry.reason);
    return;
  }
  const entry: { controller?: AbortController; reason?: Error } = {};
  requests.set(message.id, entry);
  const signal = () => {
    if (!entry.controller) {
      entry.controller = new AbortController();
      if (entry.reason) entry.controller.abort(entry.reason);
    }
    return entry.controller.signal;
  };
  const record = message.request;
  const request =
    message.requestId === undefined
      ? undefined
      : logging.startRequest({
          requestId: message.requestId,
          method: record.method,
          url: record.url,
          headers: record.headers,
        });
  const served = request
    ? request.run(() => runFetch(fetch, record, signal))
    : runFetch(fetch, record, signal);
  served.then(
    (response) => {
      requests.delete(message.id);
      // Ending the request flushes an unfinished console line before the response goes.
      request?.end({ status: response.status, responseSize: response.body.byteLength });
      writeResponse(outbox, message.id, response);
    },
    (error: unknown) => {
      requests.delete(message.id);
      request?.end({ status: 500 });
      const e = error instanceof Error ? error : new Error(String(error));
      writeFailure(outbox, message.id, {
        // An AbortError caused by the deadline is the deadline error escaping.
        name: isDeadlineError(e) ? 'DeadlineExceededError' : e.name,
        message: e.message,
        stack: e.stack,
      });
    },
  );
}

writeReady(outbox);
outbox.flush();
