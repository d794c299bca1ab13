import { pathToFileURL } from 'node:url';
import {
  type ActiveRequest,
  createLogging,
  getRequestContext,
  type Logging,
  traceFromHeaders,
} from '@gaekit/logging';
import { attributionSink } from './attribution.js';
import type { Deadline } from './deadline.js';
import type { CrashInfo, Driver, DriverContext } from './driver.js';
import { type FetchHandler, runFetchNow, toFetch } from './handler.js';
import { attributeInlineOutput, flushInlineOutput, unattributed } from './inline-output.js';
import { installLightResponse } from './light-response.js';
import type { RequestRecord, ResponseRecord } from './types.js';

/** Files the request's unfinished output and ends its scope (a 500 when it has no answer). */
function endScope(active: ActiveRequest, response: ResponseRecord | undefined): void {
  flushInlineOutput(active);
  active.end(
    response
      ? { status: response.status, responseSize: response.body.byteLength }
      : { status: 500 },
  );
}

/** A module path (absolute or relative to `root`) or URL, or the handler itself. */
export type InlineSource = { handler: FetchHandler } | { module: string };

/** Turns a module path or URL into an importable URL string. */
export function moduleUrl(module: string, root: string): string {
  if (/^(?:file|data|node):/.test(module)) return module;
  const absolute = module.startsWith('/') ? module : `${root.replace(/\/?$/, '/')}${module}`;
  return pathToFileURL(absolute).href;
}

/**
 * The module's URL made unique to one instance, so each instance gets its own module state:
 * a query for file URLs; for a `data:` URL (whose text would take the query as code in Node
 * 22 and later) a trailing comment, unless it is base64 (then instances share the module).
 */
function instanceUrl(url: string, instanceId: string): string {
  if (url.startsWith('data:')) {
    const comma = url.indexOf(',');
    if (url.slice(0, comma).endsWith(';base64')) return url;
    return `${url}${encodeURIComponent(`\n// gaekit-instance=${instanceId}`)}`;
  }
  return `${url}${url.includes('?') ? '&' : '?'}gaekit-instance=${instanceId}`;
}

/**
 * The inline kind: the app runs in the calling thread. Each instance imports the module
 * with its own query string, so module-level state is per instance (App Engine's app
 * caching), but nothing isolates a handler that blocks the thread or crashes the process.
 */
export class InlineDriver implements Driver {
  readonly kind = 'inline' as const;
  readonly pid = undefined;
  readonly threadId = undefined;
  onCrash: (info: CrashInfo) => void = () => {};
  #fetch: ((request: Request) => Response | Promise<Response>) | undefined;
  #alive = true;
  /** Request contexts of this instance: console output and `log.*` lines go to `ctx.output`. */
  #logging: Logging;
  #release: (() => void) | undefined;
  /** Puts the global `Response` back (counted across inline instances). */
  #releaseResponse: (() => void) | undefined;

  constructor(
    private readonly source: InlineSource,
    private readonly ctx: DriverContext,
  ) {
    this.#logging = createLogging({
      sinks: [
        attributionSink(ctx.env.GOOGLE_CLOUD_PROJECT, (line) =>
          // With output "inherit" the line is written to this thread's stdout: not again.
          unattributed(() =>
            ctx.output(line.stream, line.json, { requestId: line.requestId, text: line.text }),
          ),
        ),
      ],
      instanceId: ctx.instanceId,
    });
  }

  async start(): Promise<void> {
    if (this.ctx.lightResponse) this.#releaseResponse ??= installLightResponse();
    if ('handler' in this.source) {
      this.#fetch = toFetch(this.source.handler, 'the handler');
    } else {
      await this.#import(this.source.module);
    }
    if (this.#alive) this.#release = attributeInlineOutput(this.#logging);
  }

  async #import(module: string): Promise<void> {
    const namespace: unknown = await import(
      instanceUrl(moduleUrl(module, this.ctx.root), this.ctx.instanceId)
    );
    this.#fetch = toFetch(namespace, module);
  }

  handle(
    request: RequestRecord,
    deadline: Deadline,
    requestId?: string,
  ): ResponseRecord | Promise<ResponseRecord> {
    const fetch = this.#fetch;
    if (!fetch || !this.#alive) return Promise.reject(new Error('instance is not running'));
    const signal = () => deadline.signal;
    if (requestId === undefined) return runFetchNow(fetch, request, signal);
    // The entry of this scope is not kept (lines reach the front by request id), so only the
    // trace is needed: the front's own when it runs this request (the same as the headers'),
    // else the one the headers carry.
    const outer = getRequestContext();
    const active = this.#logging.startRequest({
      requestId,
      method: request.method,
      url: request.url,
      trace: outer?.requestId === requestId ? outer.trace : traceFromHeaders(request.headers).trace,
    });
    let answer: ResponseRecord | Promise<ResponseRecord>;
    try {
      answer = active.run(() => runFetchNow(fetch, request, signal));
    } catch (error) {
      endScope(active, undefined);
      throw error;
    }
    if (!(answer instanceof Promise)) {
      // The handler answered in the same tick: its scope ends now, so output that microtasks
      // it queued write later is not the request's (as after an async handler's answer).
      // Keeping the scope open for them cost a quarter of an inline request's CPU.
      endScope(active, answer);
      return answer;
    }
    return answer.then(
      (response) => {
        endScope(active, response);
        return response;
      },
      (error: unknown) => {
        endScope(active, undefined);
        throw error;
      },
    );
  }

  async kill(): Promise<void> {
    this.#alive = false;
    this.#release?.();
    this.#release = undefined;
    this.#releaseResponse?.();
    this.#releaseResponse = undefined;
  }

  async stop(): Promise<void> {
    await this.kill();
  }

  memoryBytes(): number | undefined {
    return process.memoryUsage().heapUsed;
  }
}
