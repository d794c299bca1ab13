/**
 * Runs inside a worker instance: imports the app module once (app caching) and answers
 * requests posted by the scheduler. An uncaught exception or unhandled rejection ends the
 * worker, which the scheduler treats as a crash.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { DeadlineExceededError } from './deadline.js';
import { runFetch, toFetch } from './handler.js';
import type { FromWorker, ToWorker, WorkerBoot } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('@gaekit/scheduler worker-entry runs only as a worker thread');
const boot = workerData as WorkerBoot;

const namespace: unknown = await import(boot.moduleUrl);
const fetch = toFetch(namespace, boot.moduleUrl);
/** Per request: its controller once the app read `request.signal`, and whether it was aborted. */
const requests = new Map<number, { controller?: AbortController; reason?: Error }>();
const heap = () => getHeapStatistics().used_heap_size;
const send = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  if (message.t === 'abort') {
    const entry = requests.get(message.id);
    if (!entry) return;
    entry.reason = new DeadlineExceededError();
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
  runFetch(fetch, message, signal).then(
    (response) => {
      requests.delete(message.id);
      const body = response.body;
      const transferable = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      send(
        { t: 'res', id: message.id, ...response, heap: heap() },
        transferable ? [body.buffer as ArrayBuffer] : undefined,
      );
    },
    (error: unknown) => {
      requests.delete(message.id);
      const e = error instanceof Error ? error : new Error(String(error));
      send({
        t: 'fail',
        id: message.id,
        name: e.name,
        message: e.message,
        stack: e.stack,
        heap: heap(),
      });
    },
  );
});

send({ t: 'ready' });
