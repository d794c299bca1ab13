import type { HeaderPairs } from './types.js';

/** Messages between the scheduler and a worker instance. */
export type ToWorker =
  | {
      t: 'req';
      id: number;
      method: string;
      url: string;
      headers: HeaderPairs;
      body: Uint8Array;
      /** The request's log id: the app's output while it runs is attributed to it. */
      requestId?: string;
    }
  | { t: 'abort'; id: number };

export type FromWorker =
  | { t: 'ready' }
  | {
      t: 'res';
      id: number;
      status: number;
      headers: HeaderPairs;
      body: Uint8Array;
      heap: number;
    }
  | { t: 'fail'; id: number; name: string; message: string; stack?: string; heap: number }
  /** A line the app wrote (console or `log.*`) while a request with a log id ran. */
  | { t: 'log'; stream: 'stdout' | 'stderr'; json: string; text: string; requestId: string };

/** What the worker gets as `workerData`. */
export interface WorkerBoot {
  moduleUrl: string;
  instanceId: string;
}
