import { parseSeverity, type Severity } from './severity.js';

/** What a single line of output says once read as Cloud Logging would read it. */
export interface ParsedLine {
  severity: Severity;
  message: string;
  fields: Record<string, unknown> | undefined;
  time: number | undefined;
  requestId: string | undefined;
  traceId: string | undefined;
}

const LIFTED = new Set(['severity', 'message', 'time', 'timestamp']);

/**
 * Reads one line of stdout/stderr: a single-line JSON object is structured (its `severity`,
 * `message`, `time`, trace and `request_id` label are read, the other keys become fields; no
 * severity means `DEFAULT`, as in Cloud Logging); anything else is text at `plainSeverity`.
 */
export function parseOutputLine(line: string, plainSeverity: Severity): ParsedLine {
  const trimmed = line.trim();
  if (trimmed.length >= 2 && trimmed.charCodeAt(0) === 123 && trimmed.endsWith('}')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      value = undefined;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      const severity = parseSeverity(obj.severity) ?? 'DEFAULT';
      const message =
        typeof obj.message === 'string'
          ? obj.message
          : typeof obj.msg === 'string'
            ? obj.msg
            : obj.message !== undefined
              ? JSON.stringify(obj.message)
              : '';
      const rawTime = obj.time ?? obj.timestamp;
      const parsedTime = typeof rawTime === 'string' ? Date.parse(rawTime) : Number.NaN;
      const labels = obj['logging.googleapis.com/labels'];
      const requestId =
        labels && typeof labels === 'object'
          ? (labels as Record<string, unknown>).request_id
          : undefined;
      const trace = obj['logging.googleapis.com/trace'];
      let traceId: string | undefined;
      if (typeof trace === 'string') {
        const at = trace.lastIndexOf('/');
        traceId = (at === -1 ? trace : trace.slice(at + 1)).toLowerCase();
      }
      let fields: Record<string, unknown> | undefined;
      for (const key of Object.keys(obj)) {
        if (LIFTED.has(key) || key.startsWith('logging.googleapis.com/')) continue;
        if (key === 'msg' && typeof obj.message !== 'string') continue;
        fields ??= {};
        fields[key] = obj[key];
      }
      return {
        severity,
        message,
        fields,
        time: Number.isNaN(parsedTime) ? undefined : parsedTime,
        requestId: typeof requestId === 'string' ? requestId : undefined,
        traceId,
      };
    }
  }
  return {
    severity: plainSeverity,
    message: line,
    fields: undefined,
    time: undefined,
    requestId: undefined,
    traceId: undefined,
  };
}
