import { relative } from 'node:path';
import { type Diagnostic, formatDiagnostics } from '@gaekit/config';
import pc from 'picocolors';

/** Where the CLI writes, and whether it may use colour. */
export interface CliIo {
  /** Normal output (data, results). */
  out: (text: string) => void;
  /** Diagnostics and progress. */
  err: (text: string) => void;
  /** Use ANSI colours. */
  color: boolean;
  /** Directory paths are shown relative to. */
  cwd: string;
}

/** The default streams: process stdout/stderr, colour when picocolors says the terminal supports it. */
export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    color: pc.isColorSupported,
    cwd: process.cwd(),
  };
}

/** Colour functions that are no-ops when colour is off. */
export function colors(io: CliIo) {
  return pc.createColors(io.color);
}

/** A path as the user would type it from the working directory. */
export function shown(io: CliIo, path: string): string {
  const rel = relative(io.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel;
}

/** Prints diagnostics like a compiler, with file paths relative to the working directory. */
export function printDiagnostics(io: CliIo, diagnostics: readonly Diagnostic[]): void {
  if (diagnostics.length === 0) return;
  const c = colors(io);
  const relativeDiagnostics = diagnostics.map((d) =>
    d.file ? { ...d, file: shown(io, d.file) } : d,
  );
  io.err(
    formatDiagnostics(relativeDiagnostics, {
      style: (kind, text) =>
        kind === 'error'
          ? c.red(c.bold(text))
          : kind === 'warning'
            ? c.yellow(c.bold(text))
            : kind === 'path'
              ? c.cyan(text)
              : c.dim(text),
    }),
  );
}

/** `1 error`, `2 warnings`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Byte sizes for summaries: `912 B`, `4.2 kB`. */
export function size(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`;
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** Exit codes of `gae`, documented in the README. */
export const ExitCode = {
  /** Everything worked. */
  ok: 0,
  /** The config (or another input) is invalid, or `--check` found a difference. */
  invalid: 1,
  /** The command line itself is wrong (unknown command or option). */
  usage: 2,
  /** Something unexpected failed (a bug or the environment). */
  internal: 3,
} as const;
