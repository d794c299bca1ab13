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
const controllers = new Map<number, AbortController>();
const heap = () => getHeapStatistics().used_heap_size;
const send = (message: FromWorker, transfer?: ArrayBuffer[]) => port.postMessage(message, transfer);

port.on('message', (message: ToWorker) => {
  if (message.t === 'abort') {
    controllers.get(message.id)?.abort(new DeadlineExceededError());
    return;
  }
  const controller = new AbortController();
  controllers.set(message.id, controller);
  runFetch(fetch, message, controller.signal).then(
    (response) => {
      controllers.delete(message.id);
      const body = response.body;
      const transferable = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
      send(
        { t: 'res', id: message.id, ...response, heap: heap() },
        transferable ? [body.buffer as ArrayBuffer] : undefined,
      );
    },
    (error: unknown) => {
      controllers.delete(message.id);
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
