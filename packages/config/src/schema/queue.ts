import { z } from 'zod';
import {
  QUEUE_NAME_PATTERN,
  QUEUE_RATE_PATTERN,
  QUEUE_TARGET_PATTERN,
  STORAGE_LIMIT_PATTERN,
} from '../formats.js';
import { atLeast, formatted } from './common.js';
import { ageLimit } from './cron.js';

/** `retry_parameters` of a queue: how failed tasks are retried. */
export const queueRetryParametersSchema = z.object({
  /** Attempts after the first before a task is dropped (push and pull). @default unlimited */
  taskRetryLimit: atLeast(0).optional(),
  /** Stop retrying once a task is this old, e.g. `"2d"` (push only). @default unlimited */
  taskAgeLimit: ageLimit.optional(),
  /** Shortest wait before a retry, in seconds (push only). @default 0.1 */
  minBackoffSeconds: atLeast(0, true).optional(),
  /** Longest wait before a retry, in seconds (push only). @default 3600 */
  maxBackoffSeconds: atLeast(0, true).optional(),
  /** How many times the wait doubles before it grows linearly (push only). @default 16 */
  maxDoublings: atLeast(0).optional(),
});

/** One `acl` entry of a pull queue (experimental; gcloud ignores it). */
export const queueAclSchema = z.object({
  /** Account that may list, lease, delete and update tasks. */
  userEmail: z.string().optional(),
  /** Account that may add tasks. */
  writerEmail: z.string().optional(),
});

/** One queue.yaml queue. */
export const queueSchema = z.object({
  /** Queue id: letters, digits and hyphens (required). `default` configures the default queue. */
  name: formatted(
    QUEUE_NAME_PATTERN,
    'queue name',
    'letters, digits and hyphens, 1–499 characters',
  ),
  /** `push` (App Engine sends each task as a request) or `pull` (workers lease tasks). @default "push" */
  mode: z.enum(['push', 'pull']).optional(),
  /** `[VERSION.]SERVICE` the tasks go to (push only). @default the service that added the task */
  target: formatted(
    QUEUE_TARGET_PATTERN,
    'queue target',
    '"SERVICE" or "VERSION.SERVICE" (lowercase letters, digits and hyphens)',
  ).optional(),
  /** Dispatch rate, `N/s`, `N/m`, `N/h` or `N/d` (at most 500/s; `0/s` pauses). Required for push queues. */
  rate: formatted(
    QUEUE_RATE_PATTERN,
    'queue rate',
    '"N/s", "N/m", "N/h" or "N/d" such as "5/s"',
  ).optional(),
  /** Token bucket size: the largest burst (push only, 0–500). @default 5 */
  bucketSize: atLeast(0).optional(),
  /** Most tasks in flight at once (push only; gcloud clamps it to 1–5000). @default 1000 */
  maxConcurrentRequests: z.number().int().optional(),
  /** How failed tasks are retried. */
  retryParameters: queueRetryParametersSchema.optional(),
  /** Pull queues: who may use the queue through the REST API (experimental; gcloud ignores it). */
  acl: z.array(queueAclSchema).optional(),
});

/** The whole of queue.yaml. */
export const queueConfigSchema = z.object({
  /** Storage for the tasks of all queues, e.g. `"120M"` (B, K, M, G, T); gcloud no longer applies it. */
  totalStorageLimit: formatted(
    STORAGE_LIMIT_PATTERN,
    'storage limit',
    'a number with an optional B, K, M, G or T suffix, e.g. "120M"',
  ).optional(),
  /** Old SDK switch to resume paused queues on upload; gcloud ignores it. */
  resumePausedQueues: z.boolean().optional(),
  /** The queues (the `default` push queue exists without being listed). @default [] */
  queue: z.array(queueSchema).default([]),
});

/** One queue of queue.yaml. */
export type Queue = z.output<typeof queueSchema>;
/** {@link Queue.retryParameters}. */
export type QueueRetryParameters = z.output<typeof queueRetryParametersSchema>;
/** The whole of queue.yaml in camelCase: the queues and the file-wide settings. */
export type QueueConfig = z.output<typeof queueConfigSchema>;
