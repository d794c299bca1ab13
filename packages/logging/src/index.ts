/**
 * @gaekit/logging: App Engine's request logging for Node.js. Request ids in the
 * `REQUEST_LOG_ID` form, trace context from `X-Cloud-Trace-Context` and `traceparent`, a
 * request-scoped logger with App Engine's five levels, one request log entry per request
 * with the app's lines under it, and three outputs: Cloud Logging JSON, a readable dev
 * format and a queryable in-memory buffer.
 *
 * @packageDocumentation
 */

export { type CaptureConsoleOptions, captureConsole } from './console.js';
export { LoggingError, type LoggingErrorCode } from './errors.js';
export type { HeadersInput } from './headers.js';
export {
  type ActiveRequest,
  createLogging,
  currentRequestId,
  getDefaultLogging,
  getRequestContext,
  type IngestOptions,
  type Logger,
  Logging,
  type LoggingOptions,
  log,
  type RequestContext,
  type RequestEnd,
  type RequestStart,
  setDefaultLogging,
} from './logging.js';
export {
  createRequestId,
  createRequestIdGenerator,
  isRequestId,
  type RequestIdGenerator,
  type RequestIdGeneratorOptions,
  requestIdHash,
  requestIdTime,
} from './request-id.js';
export {
  maxSeverity,
  parseSeverity,
  SEVERITY_LEVELS,
  type Severity,
} from './severity.js';
export {
  createLogBuffer,
  type LineQuery,
  type LogBuffer,
  type LogBufferOptions,
  type LogQuery,
} from './sinks/buffer.js';
export { type DevSinkOptions, devSink, formatBytes } from './sinks/dev.js';
export { formatDuration, type JsonSinkOptions, jsonSink } from './sinks/json.js';
export {
  childSpan,
  formatCloudTraceContext,
  formatTraceparent,
  isSpanId,
  isTraceId,
  newSpanId,
  newTraceContext,
  parseCloudTraceContext,
  parseTraceparent,
  spanIdFromDecimal,
  spanIdToDecimal,
  type TraceContext,
  type TraceFromHeadersOptions,
  type TraceSource,
  traceFromHeaders,
  traceHeaders,
} from './trace.js';
export type { LogLine, LogSink, RequestLogEntry } from './types.js';
