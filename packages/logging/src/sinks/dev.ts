import pc from 'picocolors';
import type { Severity } from '../severity.js';
import type { LogLine, LogSink, RequestLogEntry } from '../types.js';

/** Options of {@link devSink}. */
export interface DevSinkOptions {
  /**
   * Receives the text, newline included.
   * @default `(text) => process.stdout.write(text)`
   */
  write?: (text: string) => void;
  /**
   * Colour the output (ANSI escapes).
   * @default picocolors' detection (a TTY without NO_COLOR, or FORCE_COLOR)
   */
  colors?: boolean;
  /**
   * Print each request's app log lines indented under its line.
   * @default true
   */
  showLines?: boolean;
}

type Paint = (text: string) => string;

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** A byte count as `512 B`, `1.2 kB`, `3.4 MB`; `-` when unknown. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '-';
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/**
 * A sink that prints one readable line per request, coloured by status, with the request's
 * app log lines indented under it:
 *
 * ```
 * 12:01:02.345 GET /hello?x=1 200 1.2 kB 12 ms 0663b5f1e3a9c000…
 *     INFO     handling x=1
 *     WARNING  slow path
 * ```
 *
 * Lines written outside any request are printed at once on their own.
 */
export function devSink(options: DevSinkOptions = {}): LogSink {
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const colors = pc.createColors(options.colors ?? pc.isColorSupported);
  const showLines = options.showLines ?? true;
  const severityPaint: Record<Severity, Paint> = {
    DEFAULT: colors.gray,
    DEBUG: colors.gray,
    INFO: colors.blue,
    NOTICE: colors.cyan,
    WARNING: colors.yellow,
    ERROR: colors.red,
    CRITICAL: (t) => colors.bold(colors.red(t)),
    ALERT: (t) => colors.bold(colors.red(t)),
    EMERGENCY: (t) => colors.bold(colors.red(t)),
  };
  const statusPaint = (status: number): Paint =>
    status >= 500
      ? colors.red
      : status >= 400
        ? colors.yellow
        : status >= 300
          ? colors.cyan
          : colors.green;

  function lineText(line: LogLine, indent: string): string {
    const label = severityPaint[line.severity](line.severity.padEnd(9));
    const pad = `${indent}${' '.repeat(9)}`;
    const message = line.message.includes('\n')
      ? line.message.split('\n').join(`\n${pad}`)
      : line.message;
    const fields = line.fields ? ` ${colors.dim(safeJson(line.fields))}` : '';
    return `${indent}${label}${message}${fields}\n`;
  }

  return {
    line(line: LogLine): void {
      if (line.grouped) return;
      const late = line.requestId ? colors.dim(` (request ${line.requestId}, after it ended)`) : '';
      const text = lineText(line, '');
      write(`${colors.dim(clock(line.time))} ${text.slice(0, -1)}${late}\n`);
    },
    request(entry: RequestLogEntry): void {
      let text = `${colors.dim(clock(entry.startTime))} ${colors.bold(entry.method)} ${entry.resource} ${statusPaint(entry.status)(String(entry.status))} ${formatBytes(entry.responseSize)} ${formatMs(entry.latency)}`;
      if (entry.cacheHit) text += ` ${colors.magenta('cache hit')}`;
      else if (entry.urlMapEntry !== undefined || entry.instanceId) {
        text += ` ${colors.dim(entry.instanceId ? `instance=${entry.instanceId}` : 'static')}`;
      }
      text += ` ${colors.dim(entry.requestId)}\n`;
      if (showLines) for (const line of entry.lines) text += lineText(line, '    ');
      write(text);
    },
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserializable]';
  }
}
