import { getRequestContext, type Logging, type RequestContext } from '@gaekit/logging';

/**
 * Console attribution for inline instances, which share the host's thread. `captureConsole`
 * of @gaekit/logging would take every write made in any request context, the host's own
 * (the pipeline's) included, and only one capture may exist per thread; this one takes only
 * writes made while a request of an inline instance runs (a context one of `loggings`
 * started), passes everything else through, and stacks with a capture the host installs.
 */
const loggings = new Set<Logging>();
const unfinished = new WeakMap<RequestContext, { stdout: string; stderr: string }>();
let installed: { onTop(): boolean; restore(): void } | undefined;
/** Set while a line is being filed, so a sink that writes to the terminal is let through. */
let filing = false;

function ownerOf(context: RequestContext): Logging | undefined {
  for (const logging of loggings) {
    if (logging.activeRequest(context.requestId) === context) return logging;
  }
  return undefined;
}

function file(
  logging: Logging,
  context: RequestContext,
  stream: 'stdout' | 'stderr',
  text: string,
) {
  filing = true;
  try {
    logging.ingest(text, { stream, requestId: context.requestId });
  } finally {
    filing = false;
  }
}

/** Runs `fn` with attribution off: what it writes goes to the streams as usual. */
export function unattributed(fn: () => void): void {
  const was = filing;
  filing = true;
  try {
    fn();
  } finally {
    filing = was;
  }
}

function install(): { onTop(): boolean; restore(): void } {
  const restores: Array<{ onTop(): boolean; restore(): void }> = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = stream.write;
    const patched = function (
      this: NodeJS.WriteStream,
      chunk: string | Uint8Array,
      encoding?: BufferEncoding | ((error?: Error | null) => void),
      callback?: (error?: Error | null) => void,
    ): boolean {
      const context = filing || loggings.size === 0 ? undefined : getRequestContext();
      const logging = context && !context.ended ? ownerOf(context) : undefined;
      if (!context || !logging) {
        // biome-ignore lint/complexity/noArguments: pass the call through exactly as made
        return Reflect.apply(original, this, arguments);
      }
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      let buffers = unfinished.get(context);
      if (!buffers) {
        buffers = { stdout: '', stderr: '' };
        unfinished.set(context, buffers);
      }
      const all = buffers[name] + text;
      const end = all.lastIndexOf('\n');
      buffers[name] = all.slice(end + 1);
      if (end !== -1) file(logging, context, name, all.slice(0, end + 1));
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) process.nextTick(done);
      return true;
    } as typeof stream.write;
    stream.write = patched;
    restores.push({
      onTop: () => stream.write === patched,
      restore: () => {
        stream.write = original;
      },
    });
  }
  return {
    onTop: () => restores.every((r) => r.onTop()),
    restore: () => {
      for (const r of restores) r.restore();
    },
  };
}

/**
 * Starts attributing output written during `logging`'s requests to them; returns the
 * function that stops it. The streams are patched while at least one logging is registered
 * (and stay as a pass-through if someone patched them on top of this since).
 */
export function attributeInlineOutput(logging: Logging): () => void {
  // A patch left under someone else's (or replaced by it) is a pass-through: patch again.
  if (loggings.size === 0 && !installed?.onTop()) installed = install();
  loggings.add(logging);
  return () => {
    loggings.delete(logging);
    // Undone only when nobody patched the streams since (else theirs would be lost).
    if (loggings.size === 0 && installed?.onTop()) {
      installed.restore();
      installed = undefined;
    }
  };
}

/** Files what a request wrote without a final newline; call it before ending the request. */
export function flushInlineOutput(context: RequestContext): void {
  const buffers = unfinished.get(context);
  if (!buffers) return;
  unfinished.delete(context);
  const logging = ownerOf(context);
  if (!logging) return;
  for (const name of ['stdout', 'stderr'] as const) {
    if (buffers[name]) file(logging, context, name, buffers[name]);
  }
}
