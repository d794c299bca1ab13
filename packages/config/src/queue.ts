import type { ConfigContext } from './app.js';
import {
  type ConfigFileKind,
  validateFileValue,
  validateFileYaml,
  writeFileYaml,
} from './config-file.js';
import { retryProblems } from './cron.js';
import type { Problem } from './diagnostics.js';
import type { ValidateFileOptions } from './dispatch.js';
import { parseQueueRate, QUEUE_RATE_PATTERN } from './formats.js';
import { fieldName, type PathStyle } from './keys.js';
import { type Queue, type QueueConfig, queueConfigSchema } from './schema/queue.js';
import { type ConfigResult, unwrapResult } from './validate.js';
import { isRecord } from './yaml-support.js';

/** gcloud's limits for push queues (command_lib/tasks/constants.py). */
const MAX_QUEUE_RATE = 500;
const MAX_BUCKET_SIZE = 500;
/** gcloud clamps `max_concurrent_requests` into this range. */
const MAX_CONCURRENT_REQUESTS_RANGE = [1, 5000] as const;

/** queue.yaml as written in TypeScript: the queues alone, or with the file-wide settings. */
export type QueuesInput = Queue[] | (Omit<QueueConfig, 'queue'> & { queue?: Queue[] });

/** Queues, or a function of the mode that returns them. */
export type QueuesDefinition = QueuesInput | ((context: ConfigContext) => QueuesInput);

const PUSH_ONLY = ['rate', 'bucketSize', 'maxConcurrentRequests', 'target'] as const;
const PUSH_ONLY_RETRY = ['taskAgeLimit', 'minBackoffSeconds', 'maxBackoffSeconds', 'maxDoublings'];

function pushQueueProblems(
  queue: Record<string, unknown>,
  path: (string | number)[],
  style: PathStyle,
): Problem[] {
  const problems: Problem[] = [];
  const rate = queue.rate;
  if (rate === undefined) {
    problems.push({
      code: 'config/required',
      path: [...path, 'rate'],
      message: 'a push queue needs a rate; gcloud refuses one without it',
      allowed: '"N/s", "N/m", "N/h" or "N/d" such as "5/s" ("0/s" pauses the queue)',
    });
  } else if (rate === '0') {
    problems.push({
      code: 'config/invalid-format',
      path: [...path, 'rate'],
      message: 'gcloud cannot deploy a rate of "0"',
      found: rate,
      hint: 'Write "0/s" to pause the queue.',
    });
  } else if (
    typeof rate === 'string' &&
    QUEUE_RATE_PATTERN.test(rate) &&
    parseQueueRate(rate) > MAX_QUEUE_RATE
  ) {
    problems.push({
      code: 'config/out-of-range',
      path: [...path, 'rate'],
      message: `${JSON.stringify(rate)} is more than ${MAX_QUEUE_RATE} tasks per second`,
      found: rate,
      allowed: `at most ${MAX_QUEUE_RATE}/s`,
    });
  }
  if (typeof queue.bucketSize === 'number' && queue.bucketSize > MAX_BUCKET_SIZE) {
    problems.push({
      code: 'config/out-of-range',
      path: [...path, 'bucketSize'],
      message: `${queue.bucketSize} is out of range`,
      found: queue.bucketSize,
      allowed: `an integer from 0 to ${MAX_BUCKET_SIZE}`,
    });
  }
  const concurrent = queue.maxConcurrentRequests;
  const [low, high] = MAX_CONCURRENT_REQUESTS_RANGE;
  if (
    typeof concurrent === 'number' &&
    Number.isInteger(concurrent) &&
    (concurrent < low || concurrent > high)
  ) {
    problems.push({
      severity: 'warning',
      code: 'config/clamped',
      path: [...path, 'maxConcurrentRequests'],
      message: `gcloud deploys ${concurrent} as ${Math.min(high, Math.max(low, concurrent))}`,
      found: concurrent,
      allowed: `an integer from ${low} to ${high}`,
    });
  }
  problems.push(
    ...retryProblems(queue.retryParameters, [...path, 'retryParameters'], 'taskAgeLimit', style),
  );
  return problems;
}

function pullQueueProblems(
  queue: Record<string, unknown>,
  path: (string | number)[],
  style: PathStyle,
): Problem[] {
  const problems: Problem[] = [];
  const refuse = (fieldPath: (string | number)[], field: string): Problem => ({
    code: 'config/not-for-pull-queue',
    path: fieldPath,
    message: `${fieldName(field, style)} cannot be set on a pull queue`,
    hint: 'Pull queues take only name, mode, retry_parameters.task_retry_limit and acl; remove it or make this a push queue.',
  });
  for (const field of PUSH_ONLY)
    if (queue[field] !== undefined) problems.push(refuse([...path, field], field));
  const retry = queue.retryParameters;
  if (isRecord(retry)) {
    for (const field of PUSH_ONLY_RETRY) {
      if (retry[field] !== undefined)
        problems.push(refuse([...path, 'retryParameters', field], field));
    }
  }
  return problems;
}

function queueRules(value: unknown, style: PathStyle): Problem[] {
  if (!isRecord(value)) return [];
  const problems: Problem[] = [];
  const ignored = (field: string, why: string): Problem => ({
    severity: 'warning',
    code: 'config/ignored',
    path: [field],
    message: `ignored by gcloud: ${why}`,
  });
  if (value.totalStorageLimit !== undefined)
    problems.push(
      ignored('totalStorageLimit', 'Cloud Tasks, which runs the queues now, has no storage limit'),
    );
  if (value.resumePausedQueues !== undefined)
    problems.push(ignored('resumePausedQueues', 'it belonged to the old appcfg upload'));
  if (!Array.isArray(value.queue)) return problems;
  const seen = new Map<string, number>();
  value.queue.forEach((queue, index) => {
    if (!isRecord(queue)) return;
    const path = ['queue', index];
    if (typeof queue.name === 'string') {
      const first = seen.get(queue.name);
      if (first !== undefined) {
        problems.push({
          severity: 'warning',
          code: 'config/duplicate-queue',
          path: [...path, 'name'],
          message: `queue ${JSON.stringify(queue.name)} is also defined at queue[${first}]; the later definition wins`,
          found: queue.name,
        });
      } else {
        seen.set(queue.name, index);
      }
    }
    if (queue.acl !== undefined) {
      problems.push({
        severity: 'warning',
        code: 'config/ignored',
        path: [...path, 'acl'],
        message: 'ignored by gcloud: Cloud Tasks controls access with IAM',
      });
    }
    // An unknown mode is reported by the schema; its queue is not checked further.
    if (queue.mode === 'pull') problems.push(...pullQueueProblems(queue, path, style));
    else if (queue.mode === undefined || queue.mode === 'push')
      problems.push(...pushQueueProblems(queue, path, style));
  });
  return problems;
}

const QUEUE_FILE: ConfigFileKind<QueueConfig> = {
  fileName: 'queue.yaml',
  listKey: 'queue',
  schema: queueConfigSchema,
  order: ['totalStorageLimit', 'resumePausedQueues', 'queue'],
  rules: queueRules,
  emptyAllowed: false,
};

function asConfig(input: unknown): unknown {
  return Array.isArray(input) ? { queue: input } : input;
}

/**
 * Declares queue.yaml's queues with types: a list of queues, or `{ totalStorageLimit, queue }`.
 * Export it as `queues` from app.config.ts and `gae build` writes queue.yaml. Pass a function
 * to vary the queues by mode.
 *
 * @example
 * ```ts
 * export const queues = defineQueues([
 *   { name: 'mail', rate: '5/s', bucketSize: 10, retryParameters: { taskRetryLimit: 3 } },
 *   { name: 'reports', mode: 'pull' },
 * ]);
 * ```
 */
export function defineQueues<T extends QueuesDefinition>(definition: T): T {
  return definition;
}

/** Validates queues (a list, or `{ queue, totalStorageLimit }`) and returns queue.yaml's content or every problem. Never throws for bad input. */
export function validateQueues(
  input: unknown,
  options: ValidateFileOptions = {},
): ConfigResult<QueueConfig> {
  return validateFileValue(QUEUE_FILE, asConfig(input), options.fileName);
}

/**
 * Validates queues and returns queue.yaml's content typed.
 * @throws {ConfigError} with every problem found.
 */
export function parseQueues(input: unknown, options: ValidateFileOptions = {}): QueueConfig {
  return unwrapResult(validateQueues(input, options));
}

/**
 * Writes queue.yaml text, validated first.
 * @throws {ConfigError} when a queue is invalid.
 */
export function queueToYaml(input: QueuesInput | QueueConfig): string {
  return writeFileYaml(QUEUE_FILE, parseQueues(input));
}

/**
 * Reads queue.yaml text, or every problem with line and column, with gcloud's deploy checks
 * (push queues need a rate of at most 500/s; pull queues take no push settings). An empty
 * file is refused, as gcloud refuses it.
 */
export function validateQueueYaml(
  text: string,
  options: ValidateFileOptions = {},
): ConfigResult<QueueConfig> {
  return validateFileYaml(QUEUE_FILE, text, options.fileName);
}

/**
 * Reads queue.yaml text.
 * @throws {ConfigError} with every problem found, each with line and column.
 */
export function queueFromYaml(text: string, options: ValidateFileOptions = {}): QueueConfig {
  return unwrapResult(validateQueueYaml(text, options));
}
