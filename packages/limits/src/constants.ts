/** One mebibyte. App Engine's "32 MB" limits are 32 × 1024 × 1024 bytes, as in Google's SDK. */
export const MiB = 1024 * 1024;

/**
 * App Engine's published limits (spec §0 and §13), the defaults of every option in this
 * package. Frozen: pass options to change a limit, never edit these.
 */
export const APP_ENGINE_LIMITS = Object.freeze({
  /** Largest request body: 32 MB (spec 0.1). */
  maxRequestBodyBytes: 32 * MiB,
  /** Largest single request header field, `Name: value` (second generation, spec 0.4). */
  maxRequestHeaderFieldBytes: 8 * 1024,
  /** Largest dynamic response body: 32 MB; larger ⇒ empty 500 (spec 0.2). */
  maxResponseBodyBytes: 32 * MiB,
  /** Largest response header block (second generation): 8 KB; larger ⇒ 502 (spec 0.3). */
  maxResponseHeaderBytes: 8 * 1024,
  /** Most files in one deployed version (spec 0.10). */
  maxFiles: 10_000,
  /** Most files in one directory of a deployed version (spec 0.10). */
  maxFilesPerDirectory: 1_000,
  /** Largest single app or static file (spec 0.11). */
  maxFileBytes: 32 * MiB,
  /** Request timeout with automatic scaling: 10 minutes (spec 0.6). */
  automaticScalingTimeoutMs: 10 * 60_000,
  /** Request timeout with basic or manual scaling: 24 hours (spec 0.7). */
  basicManualScalingTimeoutMs: 24 * 60 * 60_000,
  /** First-generation frontend deadline for user requests: 60 seconds (spec 0.8). */
  firstGenerationUserTimeoutMs: 60_000,
  /** Time a handler gets after the deadline to answer ("under one second", seeds). */
  graceMs: 500,
});

/** Methods that may not carry a body (Google's development server: 400 when they do). */
export const BODYLESS_METHODS: readonly string[] = Object.freeze([
  'GET',
  'HEAD',
  'DELETE',
  'TRACE',
]);
