import type { HeaderPairs, RequestRecord, ResponseRecord } from './types.js';

/*
 * Messages between the scheduler and a worker instance.
 *
 * Each side gathers its messages until the event loop's next check phase and posts them as
 * one batch: a `postMessage` costs a structured clone, a wake-up of the other thread and an
 * event there, and a busy front hands over several requests per turn. A batch is one flat
 * array of numbers, strings and byte arrays, which clones at about half the cost of the
 * same messages as objects (no property names, no nested arrays for header pairs):
 *
 * to the worker:   REQUEST id method url body requestId n name1 value1 ... namen valuen
 *                  ABORT id
 * from the worker: heap, then any of
 *                  RESPONSE id status body n name1 value1 ...
 *                  FAILURE id name message stack
 *                  LOG stream json text requestId
 *                  READY
 *
 * An empty body or a missing request id is `null`.
 */

export const REQUEST = 0;
export const ABORT = 1;
export const RESPONSE = 0;
export const FAILURE = 1;
export const LOG = 2;
export const READY = 3;

/** One batch on the wire. */
export type Batch = unknown[];

/** Answers smaller than this are copied into the batch; larger ones are transferred. */
const TRANSFER_BYTES = 64 * 1024;

/**
 * Messages gathered for the next batch. `post` sends a batch; it runs at the next check
 * phase after the first message, or at once through `flush()`.
 */
export class Outbox {
  items: Batch;
  #transfer: ArrayBuffer[] = [];
  #scheduled = false;
  readonly #post: (batch: Batch, transfer: ArrayBuffer[]) => void;
  readonly #header: (() => unknown) | undefined;

  /** `header` is written first in every batch (the worker's heap figure). */
  constructor(post: (batch: Batch, transfer: ArrayBuffer[]) => void, header?: () => unknown) {
    this.#post = post;
    this.#header = header;
    this.items = this.#fresh();
  }

  #fresh(): Batch {
    return this.#header ? [undefined] : [];
  }

  /** Call after writing a message. */
  written(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(this.flush);
  }

  /** Byte array for the wire: transferred when large and alone in its buffer, else copied. */
  body(body: Uint8Array, transfer: boolean): Uint8Array | null {
    if (body.byteLength === 0) return null;
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    if (whole && transfer && body.byteLength >= TRANSFER_BYTES) {
      this.#transfer.push(body.buffer as ArrayBuffer);
      return body;
    }
    // A view of a larger buffer (Buffer's 8 KB pool) would clone the whole buffer.
    return whole ? body : Uint8Array.prototype.slice.call(body);
  }

  flush = (): void => {
    this.#scheduled = false;
    const start = this.#header ? 1 : 0;
    if (this.items.length <= start) return;
    const batch = this.items;
    const transfer = this.#transfer;
    this.items = this.#fresh();
    this.#transfer = [];
    if (this.#header) batch[0] = this.#header();
    this.#post(batch, transfer);
  };
}

function writeHeaders(out: Batch, headers: HeaderPairs): void {
  out.push(headers.length);
  for (const [name, value] of headers) out.push(name, value);
}

/** Reads `n name value ...` at `at`; returns the pairs and the index after them. */
function readHeaders(batch: Batch, at: number): [HeaderPairs, number] {
  const count = batch[at] as number;
  const headers: HeaderPairs = new Array(count);
  let i = at + 1;
  for (let h = 0; h < count; h++, i += 2) {
    headers[h] = [batch[i] as string, batch[i + 1] as string];
  }
  return [headers, i];
}

const bytes = (value: unknown): Uint8Array =>
  value === null ? new Uint8Array() : (value as Uint8Array);

export function writeRequest(
  outbox: Outbox,
  id: number,
  request: RequestRecord,
  requestId: string | undefined,
): void {
  const out = outbox.items;
  out.push(
    REQUEST,
    id,
    request.method,
    request.url,
    outbox.body(request.body, false),
    requestId ?? null,
  );
  writeHeaders(out, request.headers);
  outbox.written();
}

export function writeAbort(outbox: Outbox, id: number): void {
  outbox.items.push(ABORT, id);
  outbox.written();
}

/** What the worker reads from a batch. */
export type ToWorker =
  | { t: typeof REQUEST; id: number; request: RequestRecord; requestId: string | undefined }
  | { t: typeof ABORT; id: number };

/** Calls `on` for each message of a batch sent to the worker. */
export function readToWorker(batch: Batch, on: (message: ToWorker) => void): void {
  let i = 0;
  while (i < batch.length) {
    const kind = batch[i];
    const id = batch[i + 1] as number;
    if (kind === ABORT) {
      on({ t: ABORT, id });
      i += 2;
      continue;
    }
    const method = batch[i + 2] as string;
    const url = batch[i + 3] as string;
    const body = bytes(batch[i + 4]);
    const requestId = (batch[i + 5] as string | null) ?? undefined;
    const [headers, next] = readHeaders(batch, i + 6);
    i = next;
    on({ t: REQUEST, id, request: { method, url, headers, body }, requestId });
  }
}

export function writeResponse(outbox: Outbox, id: number, response: ResponseRecord): void {
  const out = outbox.items;
  out.push(RESPONSE, id, response.status, outbox.body(response.body, true));
  writeHeaders(out, response.headers);
  outbox.written();
}

export function writeFailure(
  outbox: Outbox,
  id: number,
  error: { name: string; message: string; stack?: string | undefined },
): void {
  outbox.items.push(FAILURE, id, error.name, error.message, error.stack ?? null);
  outbox.written();
}

/** A line the app wrote (console or `log.*`) while a request with a log id ran. */
export interface LogMessage {
  stream: 'stdout' | 'stderr';
  json: string;
  text: string;
  requestId: string;
}

export function writeLog(outbox: Outbox, line: LogMessage): void {
  outbox.items.push(LOG, line.stream, line.json, line.text, line.requestId);
  outbox.written();
}

export function writeReady(outbox: Outbox): void {
  outbox.items.push(READY);
  outbox.written();
}

/** What the scheduler reads from a batch. */
export type FromWorker =
  | { t: typeof RESPONSE; id: number; response: ResponseRecord }
  | { t: typeof FAILURE; id: number; name: string; message: string; stack: string | undefined }
  | ({ t: typeof LOG } & LogMessage)
  | { t: typeof READY };

/** Calls `on` for each message of a batch from the worker; returns the batch's heap figure. */
export function readFromWorker(batch: Batch, on: (message: FromWorker) => void): number {
  let i = 1;
  while (i < batch.length) {
    switch (batch[i]) {
      case RESPONSE: {
        const id = batch[i + 1] as number;
        const status = batch[i + 2] as number;
        const body = bytes(batch[i + 3]);
        const [headers, next] = readHeaders(batch, i + 4);
        i = next;
        on({ t: RESPONSE, id, response: { status, headers, body } });
        break;
      }
      case FAILURE:
        on({
          t: FAILURE,
          id: batch[i + 1] as number,
          name: batch[i + 2] as string,
          message: batch[i + 3] as string,
          stack: (batch[i + 4] as string | null) ?? undefined,
        });
        i += 5;
        break;
      case LOG:
        on({
          t: LOG,
          stream: batch[i + 1] as 'stdout' | 'stderr',
          json: batch[i + 2] as string,
          text: batch[i + 3] as string,
          requestId: batch[i + 4] as string,
        });
        i += 5;
        break;
      default:
        on({ t: READY });
        i += 1;
    }
  }
  return batch[0] as number;
}

/** What the worker gets as `workerData`. */
export interface WorkerBoot {
  moduleUrl: string;
  instanceId: string;
  /** Install `LightResponse` as the worker's global `Response` before the app loads. */
  lightResponse: boolean;
}
