import { describe, expect, it } from 'vitest';
import {
  childSpan,
  formatCloudTraceContext,
  formatTraceparent,
  newTraceContext,
  parseCloudTraceContext,
  parseTraceparent,
  spanIdFromDecimal,
  spanIdToDecimal,
  traceFromHeaders,
  traceHeaders,
} from '../src/index.js';

const TRACE = '105445aa7843bc8bf206b12000100000';

describe('X-Cloud-Trace-Context', () => {
  it('parses TRACE_ID/SPAN_ID;o=1 with the decimal span as 16 hex', () => {
    expect(parseCloudTraceContext(`${TRACE}/1;o=1`)).toEqual({
      traceId: TRACE,
      spanId: '0000000000000001',
      sampled: true,
    });
    expect(parseCloudTraceContext(`${TRACE}/18446744073709551615;o=0`)).toEqual({
      traceId: TRACE,
      spanId: 'ffffffffffffffff',
      sampled: false,
    });
  });

  it('takes the span and options as optional, and upper-case hex', () => {
    expect(parseCloudTraceContext(TRACE.toUpperCase())).toEqual({
      traceId: TRACE,
      spanId: undefined,
      sampled: false,
    });
    expect(parseCloudTraceContext(`${TRACE};o=1`)?.sampled).toBe(true);
    expect(parseCloudTraceContext(`${TRACE}/123`)?.spanId).toBe('000000000000007b');
  });

  it('rejects what is not in the form', () => {
    for (const bad of [
      '',
      'abc/1;o=1',
      `${TRACE}x/1`,
      `${'0'.repeat(32)}/1;o=1`,
      `${TRACE}/18446744073709551616;o=1`,
      `${TRACE}/-1`,
      `${TRACE}/12a`,
    ]) {
      expect(parseCloudTraceContext(bad), bad).toBeUndefined();
    }
  });

  it('round-trips: format(parse(x)) and parse(format(t))', () => {
    for (const value of [
      `${TRACE}/1;o=1`,
      `${TRACE}/18446744073709551615;o=0`,
      `${TRACE}/987654321;o=1`,
    ]) {
      const parsed = parseCloudTraceContext(value);
      expect(parsed).toBeDefined();
      expect(formatCloudTraceContext(parsed as NonNullable<typeof parsed>)).toBe(value);
    }
    for (let i = 0; i < 200; i++) {
      const trace = newTraceContext(i % 2 === 0);
      expect(parseCloudTraceContext(formatCloudTraceContext(trace))).toEqual(trace);
    }
  });

  it('converts span ids between decimal and hex', () => {
    expect(spanIdFromDecimal('2205310701640571284')).toBe('1e9ad6661ea75994');
    expect(spanIdToDecimal('1e9ad6661ea75994')).toBe('2205310701640571284');
    expect(spanIdToDecimal('00f067aa0ba902b7')).toBe('67667974448284343');
    expect(spanIdFromDecimal('0')).toBeUndefined();
  });
});

describe('traceparent', () => {
  it('parses 00-TRACE-SPAN-FLAGS', () => {
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01`)).toEqual({
      traceId: TRACE,
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-00`)?.sampled).toBe(false);
  });

  it('follows the W3C rules for versions, zeros and case', () => {
    expect(parseTraceparent(`ff-${TRACE}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE}-00f067aa0ba902b7-01-extra`)).toBeUndefined();
    expect(parseTraceparent(`01-${TRACE}-00f067aa0ba902b7-01-extra`)?.traceId).toBe(TRACE);
    expect(parseTraceparent(`00-${'0'.repeat(32)}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE}-${'0'.repeat(16)}-01`)).toBeUndefined();
    expect(parseTraceparent(`00-${TRACE.toUpperCase()}-00f067aa0ba902b7-01`)).toBeUndefined();
    expect(parseTraceparent('garbage')).toBeUndefined();
  });

  it('round-trips', () => {
    for (let i = 0; i < 200; i++) {
      const trace = newTraceContext(i % 3 === 0);
      expect(parseTraceparent(formatTraceparent(trace))).toEqual(trace);
    }
  });
});

describe('propagation', () => {
  it('writes both headers for the same trace and span, and each parses back to it', () => {
    const trace = newTraceContext(true);
    const headers = traceHeaders(trace);
    expect(parseCloudTraceContext(headers['x-cloud-trace-context'])).toEqual(trace);
    expect(parseTraceparent(headers.traceparent)).toEqual(trace);
  });

  it('reads the incoming trace from any header shape, X-Cloud-Trace-Context first by default', () => {
    const cloud = `${TRACE}/5;o=1`;
    const w3c = `00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00`;
    const shapes = [
      new Headers({ 'X-Cloud-Trace-Context': cloud, traceparent: w3c }),
      { 'x-cloud-trace-context': cloud, traceparent: w3c },
      [
        ['X-Cloud-Trace-Context', cloud],
        ['Traceparent', w3c],
      ] as Array<[string, string]>,
    ];
    for (const headers of shapes) {
      expect(traceFromHeaders(headers)).toEqual({
        trace: { traceId: TRACE, spanId: '0000000000000005', sampled: true },
        source: 'x-cloud-trace-context',
      });
      expect(traceFromHeaders(headers, { prefer: 'traceparent' }).trace.traceId).toBe(
        '4bf92f3577b34da6a3ce929d0e0e4736',
      );
    }
  });

  it('falls back to the other header, then to a new trace', () => {
    expect(
      traceFromHeaders({
        'x-cloud-trace-context': 'junk',
        traceparent: `00-${TRACE}-00f067aa0ba902b7-01`,
      }),
    ).toMatchObject({
      source: 'traceparent',
      trace: { traceId: TRACE },
    });
    const generated = traceFromHeaders({});
    expect(generated.source).toBe('generated');
    expect(generated.trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(generated.trace.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(generated.trace.sampled).toBe(false);
    expect(traceFromHeaders(undefined, { sampled: true }).trace.sampled).toBe(true);
  });

  it('gives a header trace without a span a span of its own', () => {
    const { trace } = traceFromHeaders({ 'x-cloud-trace-context': TRACE });
    expect(trace.traceId).toBe(TRACE);
    expect(trace.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it('keeps the trace id and sampling in a child span', () => {
    const parent = newTraceContext(true);
    const child = childSpan(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.sampled).toBe(true);
    expect(child.spanId).not.toBe(parent.spanId);
  });

  it('round-trips a trace through a front end and an instance: header -> request -> headers -> request', async () => {
    const { createLogging, createLogBuffer } = await import('../src/index.js');
    const buffer = createLogBuffer();
    const front = createLogging({ sinks: [buffer] });
    const incoming = `${TRACE}/42;o=1`;
    const request = front.startRequest({ headers: { 'x-cloud-trace-context': incoming } });
    const forwarded = request.headers();
    expect(forwarded['x-cloud-trace-context']).toBe(incoming);
    expect(forwarded.traceparent).toBe(`00-${TRACE}-000000000000002a-01`);
    expect(forwarded['x-appengine-request-log-id']).toBe(request.requestId);

    const instance = createLogging({ sinks: [], trustPlatformHeaders: true });
    const inner = instance.startRequest({ headers: forwarded });
    expect(inner.requestId).toBe(request.requestId);
    expect(inner.trace).toEqual(request.trace);

    const outgoing = inner.outgoingHeaders();
    const out = parseCloudTraceContext(outgoing['x-cloud-trace-context']);
    expect(out?.traceId).toBe(TRACE);
    expect(out?.spanId).not.toBe(request.trace.spanId);
    expect(parseTraceparent(outgoing.traceparent)).toEqual(out);
  });
});
