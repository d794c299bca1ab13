import type { ConfigContext } from './app.js';
import {
  type ConfigFileKind,
  validateFileValue,
  validateFileYaml,
  writeFileYaml,
} from './config-file.js';
import type { Problem } from './diagnostics.js';
import type { ValidateFileOptions } from './dispatch.js';
import { AGE_LIMIT_PATTERN, parseAgeLimit } from './formats.js';
import { fieldName, type PathStyle } from './keys.js';
import { type CronJob, cronFileSchema } from './schema/cron.js';
import { type ConfigResult, unwrapResult } from './validate.js';
import { isRecord } from './yaml-support.js';

/** Most jobs one cron.yaml may have (paid apps; free apps may have 20). */
export const MAX_CRON_JOBS = 250;

/** cron.yaml jobs, or a function of the mode that returns them. */
export type CronDefinition = CronJob[] | ((context: ConfigContext) => CronJob[]);

/**
 * Retry rules gcloud checks before deploying (app_deploy_migration_util.py), for cron jobs and
 * push queues: an age limit of at least one second, and min backoff ≤ max backoff.
 */
export function retryProblems(
  retry: unknown,
  path: (string | number)[],
  ageField: 'jobAgeLimit' | 'taskAgeLimit',
  style: PathStyle,
): Problem[] {
  if (!isRecord(retry)) return [];
  const problems: Problem[] = [];
  const age = retry[ageField];
  // gcloud truncates the age to whole seconds and refuses 0.
  if (
    typeof age === 'string' &&
    AGE_LIMIT_PATTERN.test(age) &&
    Math.trunc(parseAgeLimit(age)) <= 0
  ) {
    problems.push({
      code: 'config/out-of-range',
      path: [...path, ageField],
      message: `the age limit must be at least one second, not ${JSON.stringify(age)}`,
      found: age,
      allowed: 'at least "1s"',
    });
  }
  const min = retry.minBackoffSeconds;
  const max = retry.maxBackoffSeconds;
  if (typeof min === 'number' && typeof max === 'number' && min > max) {
    problems.push({
      code: 'config/backoff-order',
      path: [...path, 'minBackoffSeconds'],
      message: `${fieldName('minBackoffSeconds', style)} (${min}) must not be greater than ${fieldName('maxBackoffSeconds', style)} (${max})`,
      found: min,
      allowed: `at most ${max}`,
    });
  }
  return problems;
}

function cronRules(value: unknown, style: PathStyle): Problem[] {
  if (!isRecord(value) || !Array.isArray(value.cron)) return [];
  const problems: Problem[] = [];
  if (value.cron.length > MAX_CRON_JOBS) {
    problems.push({
      code: 'config/too-many',
      path: ['cron'],
      message: `${value.cron.length} cron jobs; App Engine allows at most ${MAX_CRON_JOBS}`,
      allowed: `at most ${MAX_CRON_JOBS} jobs (20 for free apps)`,
    });
  }
  value.cron.forEach((job, index) => {
    if (isRecord(job)) {
      problems.push(
        ...retryProblems(
          job.retryParameters,
          ['cron', index, 'retryParameters'],
          'jobAgeLimit',
          style,
        ),
      );
    }
  });
  return problems;
}

const CRON_FILE: ConfigFileKind<{ cron?: CronJob[] | undefined }> = {
  fileName: 'cron.yaml',
  listKey: 'cron',
  schema: cronFileSchema,
  order: ['cron'],
  rules: cronRules,
  emptyAllowed: false,
};

function jobsOf(result: ConfigResult<{ cron?: CronJob[] | undefined }>): ConfigResult<CronJob[]> {
  return result.success
    ? { success: true, data: result.data.cron ?? [], diagnostics: result.diagnostics }
    : result;
}

/**
 * Declares cron.yaml's jobs with types. Export it as `cron` from app.config.ts and
 * `gae build` writes cron.yaml. Pass a function to vary the jobs by mode.
 *
 * @example
 * ```ts
 * export const cron = defineCron([
 *   { description: 'daily summary', url: '/tasks/summary', schedule: 'every 24 hours' },
 *   { url: '/tasks/report', schedule: 'every monday 09:00', timezone: 'Europe/Berlin' },
 * ]);
 * ```
 */
export function defineCron<T extends CronDefinition>(definition: T): T {
  return definition;
}

/** Validates cron jobs (as written in TypeScript) and returns them or every problem. Never throws for bad input. */
export function validateCron(
  jobs: unknown,
  options: ValidateFileOptions = {},
): ConfigResult<CronJob[]> {
  // The file's own shape, `{ cron: [...] }`, is read too.
  const value = isRecord(jobs) && 'cron' in jobs ? jobs : { cron: jobs };
  return jobsOf(validateFileValue(CRON_FILE, value, options.fileName));
}

/**
 * Validates cron jobs and returns them typed.
 * @throws {ConfigError} with every problem found.
 */
export function parseCron(jobs: unknown, options: ValidateFileOptions = {}): CronJob[] {
  return unwrapResult(validateCron(jobs, options));
}

/**
 * Writes cron.yaml text for the jobs, validated first. No jobs writes `cron: []`, which
 * deletes every job on deploy.
 * @throws {ConfigError} when a job is invalid.
 */
export function cronToYaml(jobs: readonly CronJob[]): string {
  return writeFileYaml(CRON_FILE, { cron: parseCron(jobs) });
}

/**
 * Reads cron.yaml text into jobs, or every problem with line and column (schedules are
 * parsed; time zones must be known). An empty file is refused, as gcloud refuses it.
 */
export function validateCronYaml(
  text: string,
  options: ValidateFileOptions = {},
): ConfigResult<CronJob[]> {
  return jobsOf(validateFileYaml(CRON_FILE, text, options.fileName));
}

/**
 * Reads cron.yaml text into jobs.
 * @throws {ConfigError} with every problem found, each with line and column.
 */
export function cronFromYaml(text: string, options: ValidateFileOptions = {}): CronJob[] {
  return unwrapResult(validateCronYaml(text, options));
}
