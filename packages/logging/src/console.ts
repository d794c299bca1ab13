import { LoggingError } from './errors.js';
import { currentScope, sinkState } from './logging.js';
import { requireSeverity, type Severity } from './severity.js';

/** Options of {@link captureConsole}. */
export interface CaptureConsoleOptions {
  /**
   * Severity of a plain-text line written to stdout (`console.log`, `console.info`,
   * `console.debug`) during a request.
   * @default 'INFO'
   */
  stdout?: Severity;
  /**
   * Severity of a plain-text line written to stderr (`console.error`, `console.warn`,
   * `console.trace`) during a request.
   * @default 'ERROR'
   */
  stderr?: Severity;
}

let active = false;

type Write = typeof process.stdout.write;

/**
 * Attributes this process's stdout and stderr output during a request to that request:
 * while code runs inside `request.run(...)`, each line written to `process.stdout` or
 * `process.stderr` (so `console.*` too) becomes a log line of the request (plain text at
 * `options.stdout`/`options.stderr`; a single-line JSON object keeps its own `severity`,
 * `message` and fields) and goes to the request's sinks instead of the terminal. Output
 * outside any request, or after its request ended, is written as usual.
 *
 * Meant for inside an instance (a process or worker running the app); returns a function
 * that puts the streams back. Sinks must write synchronously while capture is on (the
 * built-in ones do): a write deferred into the request's async context would be captured
 * again.
 */
export function captureConsole(options: CaptureConsoleOptions = {}): () => void {
  if (active) {
    throw new LoggingError(
      'LOG_CONSOLE_ALREADY_CAPTURED',
      'captureConsole() was called while a capture is already installed',
      'call the function the first call returned before capturing again',
    );
  }
  const severities = {
    stdout: requireSeverity(options.stdout ?? 'INFO', 'stdout'),
    stderr: requireSeverity(options.stderr ?? 'ERROR', 'stderr'),
  };
  const restores: Array<() => void> = [];
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = process[name];
    const original = stream.write;
    const patched = function (
      this: NodeJS.WriteStream,
      chunk: string | Uint8Array,
      encoding?: BufferEncoding | ((error?: Error | null) => void),
      callback?: (error?: Error | null) => void,
    ): boolean {
      const scope = currentScope();
      if (!scope || scope.ended || sinkState.depth > 0) {
        // biome-ignore lint/complexity/noArguments: pass the call through exactly as made
        return Reflect.apply(original, this, arguments);
      }
      const text =
        typeof chunk === 'string'
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8');
      let buffered = scope.partial[name] + text;
      scope.partialSeverity[name] = severities[name];
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        let line = buffered.slice(0, newline);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        buffered = buffered.slice(newline + 1);
        scope.logging.ingestLine(line, scope, name, undefined, false, severities[name]);
        newline = buffered.indexOf('\n');
      }
      scope.partial[name] = buffered;
      const done = typeof encoding === 'function' ? encoding : callback;
      if (done) process.nextTick(done);
      return true;
    } as Write;
    stream.write = patched;
    restores.push(() => {
      if (stream.write === patched) stream.write = original;
    });
  }
  active = true;
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const restore of restores) restore();
    active = false;
  };
}
