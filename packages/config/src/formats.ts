import { GaeError } from './errors.js';

/**
 * Value grammars of app.yaml, cron.yaml and queue.yaml, as Google's SDK validator
 * (appinfo / croninfo / queueinfo) defines them.
 */

/** `runtime`: a name, or a `gs://` builder path. */
export const RUNTIME_PATTERN = /^(?:gs:\/\/[a-z0-9\-._/]+|[a-z][a-z0-9\-.]{0,29})$/;
/** `service` (and its old name `module`). */
export const SERVICE_PATTERN = /^(?!-)[a-z\d-]{0,62}[a-z\d]$/;
/** `version`, before the reserved-name rules. */
export const VERSION_PATTERN = /^(?!-)[a-z\d-]{0,62}[a-z\d]$/;
/** `expiration` and `default_expiration`: `4d 5h`, `10m`, `30s`, `10`. */
export const EXPIRATION_PATTERN = /^\s*\d+[dDhHmMsS]?(?:\s+\d+[dDhHmMsS]?)*\s*$/;
/** `min_pending_latency` and `max_pending_latency`: `30ms`, `1.5s`, `automatic`. */
export const PENDING_LATENCY_PATTERN = /^(?:\d+(?:(?:\.\d{1,3})?s|ms)|automatic)$/;
/** `basic_scaling.idle_timeout`: `10m`, `300s`. */
export const IDLE_TIMEOUT_PATTERN = /^\d+[sm]$/;
/** `env_variables` and `build_env_variables` keys. */
export const ENV_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Queue `rate`: `0`, `5/s`, `1.5/m`, `100/h`, `10/d`. */
export const QUEUE_RATE_PATTERN = /^(?:0|\d+(?:\.\d*)?\/[smhd])$/;
/** Ages and limits written as `N[smhd]`: `task_age_limit`, `job_age_limit` (gcloud's own pattern). */
export const AGE_LIMIT_PATTERN = /^(?:\d+(?:\.\d+)?|\.\d+)[smhd]$/;
/** Queue `name`: letters, digits and hyphens (the SDK allows up to 499 characters). */
export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9-]{1,499}$/;
/** Queue `target`: `[VERSION.]SERVICE`, as the SDK's queueinfo reads it. */
export const QUEUE_TARGET_PATTERN = /^(?:(?!-)[a-z\d-]{1,100}\.)?(?!-)[a-z\d-]{1,63}$/;
/** Cron `target`: `[SERVICE:]VERSION` in the SDK's croninfo; in practice a service or version name. */
export const CRON_TARGET_PATTERN = /^(?:(?!-)[a-z\d-]{1,63}:)?(?!-)[a-z\d-]{1,100}$/;
/** `total_storage_limit`: a size with an optional `B`, `K`, `M`, `G` or `T` suffix (1024 multiples). */
export const STORAGE_LIMIT_PATTERN = /^\d+(?:\.\d*)?[BKMGT]?$/;

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };

function invalid(what: string, value: string, allowed: string): GaeError {
  return new GaeError('config/invalid-format', `${JSON.stringify(value)} is not a valid ${what}.`, {
    hint: `Allowed: ${allowed}.`,
  });
}

/** What an expiration may look like, for messages. */
export const EXPIRATION_ALLOWED =
  'one or more space-separated terms N[d|h|m|s] (seconds when no unit), e.g. "4d 5h", "10m", "30"';

/**
 * Seconds meant by an `expiration` / `default_expiration` value: the sum of its terms.
 * `parseExpiration("4d 5h") === 363600`, `parseExpiration("10") === 10`.
 * @throws {GaeError} `config/invalid-format` when the value does not follow the grammar.
 */
export function parseExpiration(value: string): number {
  if (!EXPIRATION_PATTERN.test(value)) throw invalid('expiration', value, EXPIRATION_ALLOWED);
  let seconds = 0;
  for (const term of value.trim().split(/\s+/)) {
    const match = /^(\d+)([dDhHmMsS]?)$/.exec(term);
    if (!match) throw invalid('expiration', value, EXPIRATION_ALLOWED);
    const unit = (match[2] ?? '').toLowerCase() || 's';
    seconds += Number(match[1]) * (UNIT_SECONDS[unit] ?? 1);
  }
  return seconds;
}

/**
 * Milliseconds meant by a pending-latency value, or `'automatic'`.
 * `parsePendingLatency("30ms") === 30`, `parsePendingLatency("1.5s") === 1500`.
 * @throws {GaeError} `config/invalid-format` when the value does not follow the grammar.
 */
export function parsePendingLatency(value: string): number | 'automatic' {
  if (!PENDING_LATENCY_PATTERN.test(value)) {
    throw invalid(
      'pending latency',
      value,
      '"automatic", N ms ("30ms") or N seconds with up to 3 decimals ("1.5s")',
    );
  }
  if (value === 'automatic') return value;
  if (value.endsWith('ms')) return Number(value.slice(0, -2));
  return Math.round(Number(value.slice(0, -1)) * 1000);
}

/**
 * Seconds meant by `basic_scaling.idle_timeout`: `parseIdleTimeout("10m") === 600`.
 * @throws {GaeError} `config/invalid-format` when the value does not follow the grammar.
 */
export function parseIdleTimeout(value: string): number {
  if (!IDLE_TIMEOUT_PATTERN.test(value))
    throw invalid('idle timeout', value, 'N seconds ("300s") or N minutes ("10m")');
  const amount = Number(value.slice(0, -1));
  return value.endsWith('m') ? amount * 60 : amount;
}

/**
 * Seconds meant by an age limit such as queue `task_age_limit` or cron `job_age_limit`:
 * `parseAgeLimit("2d") === 172800`.
 * @throws {GaeError} `config/invalid-format` when the value does not follow the grammar.
 */
export function parseAgeLimit(value: string): number {
  if (!AGE_LIMIT_PATTERN.test(value))
    throw invalid('age limit', value, 'a number followed by s, m, h or d, e.g. "2d" or "1.5h"');
  const unit = value.slice(-1);
  return Number(value.slice(0, -1)) * (UNIT_SECONDS[unit] ?? 1);
}

/**
 * Tasks per second meant by a queue `rate`: `parseQueueRate("5/s") === 5`, `parseQueueRate("60/m") === 1`.
 * @throws {GaeError} `config/invalid-format` when the value does not follow the grammar.
 */
export function parseQueueRate(value: string): number {
  if (!QUEUE_RATE_PATTERN.test(value))
    throw invalid('queue rate', value, '"0" or N/s, N/m, N/h, N/d such as "5/s"');
  if (value === '0') return 0;
  const [amount = '0', unit = 's'] = value.split('/');
  return Number(amount) / (UNIT_SECONDS[unit] ?? 1);
}

/** Longest path of one deployed file, relative to the app root. */
export const MAX_FILE_NAME_LENGTH = 256;

/**
 * Why App Engine would refuse to deploy a file under this name (spec §1.14.12), or
 * `undefined` when the name is fine. `name` is the path relative to the app root, with `/`.
 * `deployFileNameProblem("static/app.js") === undefined`,
 * `deployFileNameProblem("_ah/x")` explains that `_ah/` is reserved.
 */
export function deployFileNameProblem(name: string): string | undefined {
  if (name === '') return 'a file name cannot be empty';
  if (name.length > MAX_FILE_NAME_LENGTH)
    return `a file name cannot be longer than ${MAX_FILE_NAME_LENGTH} characters`;
  if (name.includes('..')) return 'a file name cannot contain ".."';
  if (name.startsWith('./') || name.includes('/./') || name.endsWith('.'))
    return 'a file name cannot have a "." path segment or end with "."';
  if (name.startsWith('-')) return 'a file name cannot start with "-"';
  if (name.startsWith('_ah/')) return 'a file name cannot start with "_ah/", which is reserved';
  if (name.startsWith('/'))
    return 'a file name must be relative to the app root, not start with "/"';
  if (name.includes('//') || name.endsWith('/'))
    return 'a file name cannot contain "//" or end with "/"';
  if (/(?:^|\/) | (?:\/|$)/.test(name))
    return 'a space cannot start or end a file name or one of its path segments';
  return undefined;
}
