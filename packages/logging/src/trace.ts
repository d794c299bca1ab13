import { getHeader, type HeadersInput } from './headers.js';
import { randomHex } from './random.js';

/** One request's place in a distributed trace. */
export interface TraceContext {
  /** 32 lower-case hex characters (128 bits), never all zeros. */
  traceId: string;
  /** 16 lower-case hex characters (64 bits), never all zeros; `undefined` when the header had none. */
  spanId: string | undefined;
  /** Whether the trace is sampled (`o=1` in `X-Cloud-Trace-Context`, flag `01` in `traceparent`). */
  sampled: boolean;
}

/** Where {@link traceFromHeaders} found the trace. */
export type TraceSource = 'x-cloud-trace-context' | 'traceparent' | 'generated';

const TRACE_ID_RE = /^[0-9a-f]{32}$/;
const SPAN_HEX_RE = /^[0-9a-f]{16}$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);
const MAX_U64 = (1n << 64n) - 1n;
const DIGITS_RE = /^[0-9]+$/;
const CLOUD_RE = /^\s*([0-9a-fA-F]{32})(?:\/([0-9]{1,20})?)?(?:;(.*?))?\s*$/;
const LOWER_HEX_RE = /^[0-9a-f]*$/;
const ZEROS_RE = /^0+$/;
const OPTION_RE = /^\s*o=([0-9]+)\s*$/;
const TRACEPARENT_RE = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/** The decimal span id of `X-Cloud-Trace-Context` as 16 hex characters, or undefined if out of range or zero. */
export function spanIdFromDecimal(decimal: string): string | undefined {
  if (decimal.length === 0 || decimal.length > 20 || !DIGITS_RE.test(decimal)) return undefined;
  if (decimal.length <= 15) {
    // Exact as a double: skip BigInt.
    const small = Number(decimal);
    return small === 0 ? undefined : small.toString(16).padStart(16, '0');
  }
  const value = BigInt(decimal);
  if (value === 0n || value > MAX_U64) return undefined;
  return value.toString(16).padStart(16, '0');
}

/** A 16-hex span id as the unsigned decimal that `X-Cloud-Trace-Context` carries. */
export function spanIdToDecimal(hex: string): string {
  return BigInt(`0x${hex}`).toString(10);
}

/**
 * Parses `X-Cloud-Trace-Context: TRACE_ID/SPAN_ID;o=OPTIONS` (span and options optional; the
 * span id is decimal, the trace id 32 hex characters). Returns `undefined` when the value is
 * not in that form. `o=1` (bit 0 of the options) means sampled.
 */
export function parseCloudTraceContext(value: string | undefined): TraceContext | undefined {
  if (!value) return undefined;
  const match = CLOUD_RE.exec(value);
  if (!match) return undefined;
  const raw = match[1] as string;
  const traceId = LOWER_HEX_RE.test(raw) ? raw : raw.toLowerCase();
  if (traceId === ZERO_TRACE) return undefined;
  const span = match[2];
  const spanId = span === undefined ? undefined : spanIdFromDecimal(span);
  if (span !== undefined && spanId === undefined && !ZEROS_RE.test(span)) return undefined;
  const options = match[3];
  let sampled = false;
  if (options !== undefined) {
    if (options === 'o=1') sampled = true;
    else if (options !== 'o=0') {
      for (const part of options.split(';')) {
        const option = OPTION_RE.exec(part);
        if (option) sampled = (Number(option[1]) & 1) === 1;
      }
    }
  }
  return { traceId, spanId, sampled };
}

/** Writes a trace context as `X-Cloud-Trace-Context` (`TRACE_ID/SPAN_ID;o=1`, decimal span). */
export function formatCloudTraceContext(trace: TraceContext): string {
  const span = trace.spanId ? `/${spanIdToDecimal(trace.spanId)}` : '';
  return `${trace.traceId}${span};o=${trace.sampled ? 1 : 0}`;
}

/**
 * Parses a W3C `traceparent` (`00-TRACE_ID-SPAN_ID-FLAGS`, lower-case hex). Version `ff`,
 * all-zero ids and extra fields after version `00` are rejected, as the W3C spec says;
 * a later version with extra fields is read by its first four.
 */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  if (!value) return undefined;
  const match = TRACEPARENT_RE.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  if (version === 'ff') return undefined;
  if (version === '00' && rest !== undefined) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

/** Writes a trace context as a W3C `traceparent`; a context without a span gets a new one. */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId ?? newSpanId()}-${trace.sampled ? '01' : '00'}`;
}

/** A new random span id (16 hex characters, never zero). */
export function newSpanId(): string {
  let id = randomHex(8);
  while (id === ZERO_SPAN) id = randomHex(8);
  return id;
}

/**
 * A new trace: random trace and span ids.
 * @param sampled @default false
 */
export function newTraceContext(sampled = false): TraceContext {
  let traceId = randomHex(16);
  while (traceId === ZERO_TRACE) traceId = randomHex(16);
  return { traceId, spanId: newSpanId(), sampled };
}

/** The same trace with a new span id: what to send with an outgoing call made for a request. */
export function childSpan(trace: TraceContext): TraceContext {
  return { traceId: trace.traceId, spanId: newSpanId(), sampled: trace.sampled };
}

/** True for a valid trace id (32 lower-case hex characters, not all zeros). */
export function isTraceId(value: string): boolean {
  return TRACE_ID_RE.test(value) && value !== ZERO_TRACE;
}

/** True for a valid hex span id (16 lower-case hex characters, not all zeros). */
export function isSpanId(value: string): boolean {
  return SPAN_HEX_RE.test(value) && value !== ZERO_SPAN;
}

/** Options of {@link traceFromHeaders}. */
export interface TraceFromHeadersOptions {
  /**
   * Which header wins when both carry a valid trace. App Engine documents
   * `X-Cloud-Trace-Context` on every request; `traceparent` is unconfirmed there.
   * @default 'x-cloud-trace-context'
   */
  prefer?: 'x-cloud-trace-context' | 'traceparent';
  /**
   * Whether a trace generated because no header had one is sampled.
   * @default false
   */
  sampled?: boolean;
}

/**
 * The trace of an incoming request: from `X-Cloud-Trace-Context` or `traceparent` (a client
 * may send either to continue a trace, and App Engine honours it), else a new one. A header
 * trace without a span id gets a new span id, so every request has one.
 */
export function traceFromHeaders(
  headers: HeadersInput | undefined,
  options: TraceFromHeadersOptions = {},
): { trace: TraceContext; source: TraceSource } {
  return traceFromValues(
    getHeader(headers, 'x-cloud-trace-context'),
    getHeader(headers, 'traceparent'),
    options,
  );
}

/** {@link traceFromHeaders} given the two header values. */
export function traceFromValues(
  cloudTraceContext: string | undefined,
  traceparent: string | undefined,
  options: TraceFromHeadersOptions = {},
): { trace: TraceContext; source: TraceSource } {
  if (cloudTraceContext === undefined && traceparent === undefined) {
    return { trace: newTraceContext(options.sampled ?? false), source: 'generated' };
  }
  const cloud = parseCloudTraceContext(cloudTraceContext);
  const w3c = parseTraceparent(traceparent);
  const [first, second]: Array<[TraceContext | undefined, TraceSource]> =
    options.prefer === 'traceparent'
      ? [
          [w3c, 'traceparent'],
          [cloud, 'x-cloud-trace-context'],
        ]
      : [
          [cloud, 'x-cloud-trace-context'],
          [w3c, 'traceparent'],
        ];
  for (const [trace, source] of [first, second] as Array<[TraceContext | undefined, TraceSource]>) {
    if (trace) {
      return { trace: trace.spanId ? trace : { ...trace, spanId: newSpanId() }, source };
    }
  }
  return { trace: newTraceContext(options.sampled ?? false), source: 'generated' };
}

/**
 * The headers that carry `trace` to another service, in both forms:
 * `{ 'x-cloud-trace-context': ..., traceparent: ... }`.
 */
export function traceHeaders(trace: TraceContext): {
  'x-cloud-trace-context': string;
  traceparent: string;
} {
  const withSpan = trace.spanId ? trace : { ...trace, spanId: newSpanId() };
  return {
    'x-cloud-trace-context': formatCloudTraceContext(withSpan),
    traceparent: formatTraceparent(withSpan),
  };
}
