import type { Diagnostic } from './diagnostics.js';
import { formatDiagnostics } from './diagnostics.js';

/** Options accepted by {@link GaeError}. */
export interface GaeErrorOptions {
  /** What the user can do about it. */
  hint?: string;
  /** The error that led to this one. */
  cause?: unknown;
}

/**
 * Base class of every error gaekit throws on purpose. `code` is stable and searchable
 * (for example `config/invalid`); the message says what happened, why, and what to do.
 */
export class GaeError extends Error {
  /** Stable, searchable identifier of the kind of error. */
  readonly code: string;
  /** What the user can do about it, when there is something obvious. */
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: GaeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GaeError';
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * A configuration (app.config.ts, app.yaml, dispatch.yaml, cron.yaml, queue.yaml) that
 * cannot be used. It carries every problem found, not just the first.
 */
export class ConfigError extends GaeError {
  /** Every error (and warning) found, each with its path and, for YAML, line and column. */
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], options: GaeErrorOptions = {}) {
    const errors = diagnostics.filter((d) => d.severity === 'error');
    const count = errors.length === 1 ? '1 error' : `${errors.length} errors`;
    super('config/invalid', `Invalid configuration (${count}):\n${formatDiagnostics(errors)}`, {
      hint: options.hint ?? 'Fix each field listed above; every problem is reported at once.',
      cause: options.cause,
    });
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}
