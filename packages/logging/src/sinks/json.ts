import { isoTime } from '../time.js';
import type { TraceContext } from '../trace.js';
import type { LogLine, LogSink, RequestLogEntry } from '../types.js';

/** Options of {@link jsonSink}. */
export interface JsonSinkOptions {
  /**
   * Receives each JSON line, newline included.
   * @default `(text) => process.stdout.write(text)`
   */
  write?: (text: string) => void;
  /**
   * Project id for `logging.googleapis.com/trace` (`projects/PROJECT/traces/TRACE_ID`).
   * Without one, the bare trace id is written.
   * @default process.env.GOOGLE_CLOUD_PROJECT
   */
  projectId?: string;
  /**
   * Write app log lines.
   * @default true
   */
  lines?: boolean;
  /**
   * Write one request log entry per request (a line with `httpRequest`, which Cloud Logging
   * shows as the parent of the lines with the same trace). Turn off where the platform
   * writes request logs itself (App Engine, Cloud Run) or inside an instance whose front
   * end writes them.
   * @default true
   */
  requests?: boolean;
}

const RESERVED = new Set(['severity', 'message', 'time', 'httpRequest']);

function defaultWrite(text: string): void {
  process.stdout.write(text);
}

/** `ms` as a protobuf JSON Duration (`"0.012s"`). */
export function formatDuration(ms: number): string {
  return `${(ms / 1000).toFixed(Number.isInteger(ms) ? 3 : 6)}s`;
}

function fieldsFragment(fields: Record<string, unknown>): string {
  let own: Record<string, unknown> = fields;
  for (const key in fields) {
    if (RESERVED.has(key)) {
      own = {};
      for (const k in fields) if (!RESERVED.has(k)) own[k] = fields[k];
      break;
    }
  }
  let text: string;
  try {
    text = JSON.stringify(own);
  } catch (error) {
    return `,"fieldsError":${JSON.stringify(String(error))}`;
  }
  return text.length > 2 ? `,${text.slice(1, -1)}` : '';
}

/**
 * A sink that writes Cloud Logging structured JSON, one object per line, with the special
 * field names Cloud Logging lifts into the LogEntry: `severity`, `message`, `time`,
 * `httpRequest`, `logging.googleapis.com/trace`, `logging.googleapis.com/spanId` (16 hex),
 * `logging.googleapis.com/trace_sampled` and `logging.googleapis.com/labels` (with
 * `request_id` and `instance_id`). On App Engine or Cloud Run stdout, this is what the
 * logging agent reads.
 */
export function jsonSink(options: JsonSinkOptions = {}): LogSink {
  const write = options.write ?? defaultWrite;
  const project = options.projectId ?? process.env.GOOGLE_CLOUD_PROJECT;
  const tracePrefix = project ? `projects/${project}/traces/` : '';
  let lastKeyTrace: TraceContext | undefined;
  let lastKeyRequest: string | undefined;
  let lastKeyInstance: string | undefined;
  let lastFragment = '';

  function correlation(
    trace: TraceContext | undefined,
    requestId: string | undefined,
    instanceId: string | undefined,
  ): string {
    if (trace === lastKeyTrace && requestId === lastKeyRequest && instanceId === lastKeyInstance) {
      return lastFragment;
    }
    let text = '';
    if (trace) {
      text += `,"logging.googleapis.com/trace":"${tracePrefix}${trace.traceId}"`;
      if (trace.spanId) text += `,"logging.googleapis.com/spanId":"${trace.spanId}"`;
      text += `,"logging.googleapis.com/trace_sampled":${trace.sampled}`;
    }
    if (requestId !== undefined || instanceId !== undefined) {
      const labels: Record<string, string> = {};
      if (requestId !== undefined) labels.request_id = requestId;
      if (instanceId !== undefined) labels.instance_id = instanceId;
      text += `,"logging.googleapis.com/labels":${JSON.stringify(labels)}`;
    }
    lastKeyTrace = trace;
    lastKeyRequest = requestId;
    lastKeyInstance = instanceId;
    lastFragment = text;
    return text;
  }

  const sink: LogSink = {};
  if (options.lines ?? true) {
    sink.line = (line: LogLine): void => {
      write(
        `{"severity":"${line.severity}","message":${JSON.stringify(line.message)},"time":"${isoTime(line.time)}"${correlation(line.trace, line.requestId, line.instanceId)}${line.fields ? fieldsFragment(line.fields) : ''}}\n`,
      );
    };
  }
  if (options.requests ?? true) {
    sink.request = (entry: RequestLogEntry): void => {
      write(`${JSON.stringify(requestEntryJson(entry, tracePrefix))}\n`);
    };
  }
  return sink;
}

/** The Cloud Logging JSON object of a request log entry. @internal */
export function requestEntryJson(
  entry: RequestLogEntry,
  tracePrefix: string,
): Record<string, unknown> {
  const httpRequest: Record<string, unknown> = {
    requestMethod: entry.method,
    requestUrl:
      entry.host && entry.scheme
        ? `${entry.scheme}://${entry.host}${entry.resource}`
        : entry.resource,
    requestSize: entry.requestSize === undefined ? undefined : String(entry.requestSize),
    status: entry.status,
    responseSize: entry.responseSize === undefined ? undefined : String(entry.responseSize),
    userAgent: entry.userAgent,
    remoteIp: entry.ip,
    referer: entry.referrer,
    latency: formatDuration(entry.latency),
    protocol: entry.httpVersion,
  };
  if (entry.cacheHit !== undefined) {
    httpRequest.cacheLookup = true;
    httpRequest.cacheHit = entry.cacheHit;
  }
  const labels: Record<string, string> = { request_id: entry.requestId };
  if (entry.instanceId !== undefined) labels.instance_id = entry.instanceId;
  const json: Record<string, unknown> = {
    severity: entry.severity,
    message: `${entry.method} ${entry.resource} ${entry.status}`,
    time: isoTime(entry.startTime),
    httpRequest,
    'logging.googleapis.com/trace': `${tracePrefix}${entry.trace.traceId}`,
    'logging.googleapis.com/spanId': entry.trace.spanId,
    'logging.googleapis.com/trace_sampled': entry.trace.sampled,
    'logging.googleapis.com/labels': labels,
    requestLog: {
      requestId: entry.requestId,
      appId: entry.appId,
      moduleId: entry.moduleId,
      versionId: entry.versionId,
      instanceId: entry.instanceId,
      host: entry.host,
      startTime: isoTime(entry.startTime),
      endTime: isoTime(entry.endTime),
      pendingTime: entry.pendingTime === undefined ? undefined : formatDuration(entry.pendingTime),
      wasLoadingRequest: entry.wasLoadingRequest,
      urlMapEntry: entry.urlMapEntry,
      taskQueueName: entry.taskQueueName,
      taskName: entry.taskName,
      lineCount: entry.lines.length,
    },
  };
  return json;
}
