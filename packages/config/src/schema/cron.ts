import { z } from 'zod';
import { AGE_LIMIT_PATTERN, CRON_TARGET_PATTERN } from '../formats.js';
import { SCHEDULE_ALLOWED, scheduleProblem } from '../schedule.js';
import { didYouMean } from '../suggest.js';
import { isTimeZone } from '../timezone.js';
import { atLeast, formatted, type IssueParams, ranged, singleLine } from './common.js';

/** Longest cron `timezone` (croninfo.py). */
export const CRON_TIMEZONE_MAX = 100;
/** Longest cron `description` (croninfo.py). */
export const CRON_DESCRIPTION_MAX = 499;

const AGE_LIMIT_ALLOWED = 'a number followed by s, m, h or d, e.g. "2d" or "1.5h"';

/** `job_age_limit` and `task_age_limit`. */
export const ageLimit = formatted(AGE_LIMIT_PATTERN, 'age limit', AGE_LIMIT_ALLOWED);

let zoneNames: string[] | undefined;
function knownZones(): string[] {
  zoneNames ??= [
    'UTC',
    ...((Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.(
      'timeZone',
    ) ?? []),
  ];
  return zoneNames;
}

/** `retry_parameters` of a cron job: whether and how a failed run is retried. */
export const cronRetryParametersSchema = z.object({
  /** Retries of a failed run, 0–5. @default 0 (no retry) */
  jobRetryLimit: ranged(0, 5).optional(),
  /** Stop retrying once the first attempt is this old, e.g. `"2d"`; with `jobRetryLimit`, both must be reached. */
  jobAgeLimit: ageLimit.optional(),
  /** Shortest wait before a retry, in seconds. @default 0.1 */
  minBackoffSeconds: atLeast(0, true).optional(),
  /** Longest wait before a retry, in seconds. @default 3600 */
  maxBackoffSeconds: atLeast(0, true).optional(),
  /** How many times the wait doubles before it grows linearly. @default 16 */
  maxDoublings: atLeast(0).optional(),
});

/** One cron.yaml job: App Engine sends a GET to `url` on `schedule`. */
export const cronJobSchema = z.object({
  /** What the job is for, shown in the Cloud console (one line, ≤ 499 characters). */
  description: singleLine(CRON_DESCRIPTION_MAX, 'description').optional(),
  /** Path the GET request goes to; starts with `/` (required). */
  url: formatted(/^\/[^\n]*$/, 'cron url', 'a path starting with "/", e.g. "/tasks/summary"'),
  /** When the job runs, e.g. `"every 24 hours"` or `"every monday 09:00"` (required). */
  schedule: z.string().superRefine((schedule, ctx) => {
    const problem = scheduleProblem(schedule);
    if (!problem) return;
    ctx.addIssue({
      code: 'custom',
      message: `${JSON.stringify(schedule)} is not a valid schedule: ${problem.message}`,
      input: schedule,
      params: {
        gae: 'config/invalid-schedule',
        allowed: SCHEDULE_ALLOWED,
        ...(problem.hint ? { hint: problem.hint } : {}),
      } satisfies IssueParams,
    });
  }),
  /** tz database name the schedule's times are in, e.g. `"Europe/Berlin"`. @default "UTC" */
  timezone: singleLine(CRON_TIMEZONE_MAX, 'timezone')
    .superRefine((zone, ctx) => {
      if (zone.includes('\n') || [...zone].length > CRON_TIMEZONE_MAX || isTimeZone(zone)) return;
      const hint = didYouMean(zone, knownZones());
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(zone)} is not a known time zone`,
        input: zone,
        params: {
          gae: 'config/invalid-timezone',
          allowed: 'a tz database name such as "UTC", "Europe/Berlin" or "America/New_York"',
          ...(hint ? { hint } : {}),
        } satisfies IssueParams,
      });
    })
    .optional(),
  /** Service (or version) the request goes to; a dispatch rule matching `url` overrides it. @default "default" */
  target: formatted(
    CRON_TARGET_PATTERN,
    'cron target',
    'a service or version name (lowercase letters, digits and hyphens), or "SERVICE:VERSION"',
  ).optional(),
  /** Retries of failed runs. @default no retry */
  retryParameters: cronRetryParametersSchema.optional(),
});

/** The whole of cron.yaml. */
export const cronFileSchema = z.object({
  /** The jobs; an empty list deletes every job on deploy. */
  cron: z.array(cronJobSchema).optional(),
});

/** One cron.yaml job. */
export type CronJob = z.output<typeof cronJobSchema>;
/** {@link CronJob.retryParameters}. */
export type CronRetryParameters = z.output<typeof cronRetryParametersSchema>;
