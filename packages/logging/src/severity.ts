import { LoggingError } from './errors.js';

/**
 * A Cloud Logging severity name (`google.logging.type.LogSeverity`). App Engine's own APIs
 * use five of them (`DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`); the others can arrive in
 * structured JSON lines an app writes itself.
 */
export type Severity =
  | 'DEFAULT'
  | 'DEBUG'
  | 'INFO'
  | 'NOTICE'
  | 'WARNING'
  | 'ERROR'
  | 'CRITICAL'
  | 'ALERT'
  | 'EMERGENCY';

/** The numeric value of each severity, as in `LogSeverity` (DEFAULT 0 … EMERGENCY 800). */
export const SEVERITY_LEVELS: Readonly<Record<Severity, number>> = Object.freeze({
  DEFAULT: 0,
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
  ALERT: 700,
  EMERGENCY: 800,
});

const ALIASES: Record<string, Severity> = {
  WARN: 'WARNING',
  FATAL: 'CRITICAL',
  TRACE: 'DEBUG',
  ERR: 'ERROR',
  CRIT: 'CRITICAL',
  EMERG: 'EMERGENCY',
};

/**
 * Reads a severity written by someone else: a severity name in any case, a common alias
 * (`warn`, `fatal`, `trace`), or a `LogSeverity` number (rounded down to a known level).
 * Returns `undefined` for anything else.
 */
export function parseSeverity(value: unknown): Severity | undefined {
  if (typeof value === 'string') {
    const upper = value.trim().toUpperCase();
    if (Object.hasOwn(SEVERITY_LEVELS, upper)) return upper as Severity;
    return ALIASES[upper];
  }
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) {
    let found: Severity = 'DEFAULT';
    for (const [name, level] of Object.entries(SEVERITY_LEVELS) as Array<[Severity, number]>) {
      if (value >= level) found = name;
    }
    return found;
  }
  return undefined;
}

/** The more severe of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_LEVELS[a] >= SEVERITY_LEVELS[b] ? a : b;
}

/** Checks a severity option and throws `LOG_UNKNOWN_SEVERITY` when it names no level. */
export function requireSeverity(value: unknown, option: string): Severity {
  const severity = typeof value === 'string' ? parseSeverity(value) : undefined;
  if (!severity) {
    throw new LoggingError(
      'LOG_UNKNOWN_SEVERITY',
      `${option} is ${JSON.stringify(value)}, which is not a severity`,
      `use one of ${Object.keys(SEVERITY_LEVELS).join(', ')}`,
    );
  }
  return severity;
}
