import { pathToFileURL } from 'node:url';
import type { Deadline } from './deadline.js';
import type { CrashInfo, Driver, DriverContext } from './driver.js';
import { type FetchHandler, runFetch, toFetch } from './handler.js';
import type { RequestRecord, ResponseRecord } from './types.js';

/** A module path (absolute or relative to `root`) or URL, or the handler itself. */
export type InlineSource = { handler: FetchHandler } | { module: string };

/** Turns a module path or URL into an importable URL string. */
export function moduleUrl(module: string, root: string): string {
  if (/^(?:file|data|node):/.test(module)) return module;
  const absolute = module.startsWith('/') ? module : `${root.replace(/\/?$/, '/')}${module}`;
  return pathToFileURL(absolute).href;
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

  constructor(
    private readonly source: InlineSource,
    private readonly ctx: DriverContext,
  ) {}

  async start(): Promise<void> {
    if ('handler' in this.source) {
      this.#fetch = toFetch(this.source.handler, 'the handler');
      return;
    }
    const url = moduleUrl(this.source.module, this.ctx.root);
    const separator = url.includes('?') ? '&' : '?';
    const namespace: unknown = await import(
      `${url}${separator}gaekit-instance=${this.ctx.instanceId}`
    );
    this.#fetch = toFetch(namespace, this.source.module);
  }

  handle(request: RequestRecord, deadline: Deadline): Promise<ResponseRecord> {
    const fetch = this.#fetch;
    if (!fetch || !this.#alive) return Promise.reject(new Error('instance is not running'));
    return runFetch(fetch, request, () => deadline.signal);
  }

  async kill(): Promise<void> {
    this.#alive = false;
  }

  async stop(): Promise<void> {
    this.#alive = false;
  }

  memoryBytes(): number | undefined {
    return process.memoryUsage().heapUsed;
  }
}
