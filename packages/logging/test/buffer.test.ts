import { describe, expect, it } from 'vitest';
import { createLogBuffer, createLogging, LoggingError, log } from '../src/index.js';

function serve(
  logging: ReturnType<typeof createLogging>,
  url: string,
  status: number,
  lines: Array<['debug' | 'info' | 'warning' | 'error' | 'critical', string]> = [],
  startTime?: number,
) {
  const request = logging.startRequest(startTime === undefined ? { url } : { url, startTime });
  request.run(() => {
    for (const [level, text] of lines) log[level](text);
  });
  return request.end({ status });
}

describe('log buffer', () => {
  it('answers queries by request id, minimum severity, path prefix and limit, newest first', () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer] });
    const a = serve(logging, '/api/users', 200, [['debug', 'a']]);
    const b = serve(logging, '/api/orders?id=1', 200, [['warning', 'slow']]);
    const c = serve(logging, '/static/app.js', 404);
    const d = serve(logging, '/api/users/7', 503, [['info', 'backend down']]);
    const e = serve(logging, '/', 200, [['critical', 'out of memory']]);

    expect(buffer.size).toBe(5);
    expect(buffer.query().map((x) => x.requestId)).toEqual([e, d, c, b, a].map((x) => x.requestId));
    expect(buffer.query({ requestId: b.requestId })).toEqual([b]);
    expect(buffer.query({ requestId: 'nope' })).toEqual([]);
    expect(buffer.query({ pathPrefix: '/api/' })).toEqual([d, b, a]);
    expect(buffer.query({ pathPrefix: '/api/users' })).toEqual([d, a]);
    expect(buffer.query({ minSeverity: 'WARNING' })).toEqual([e, d, c, b]);
    expect(buffer.query({ minSeverity: 'ERROR' })).toEqual([e, d]);
    expect(buffer.query({ minSeverity: 'CRITICAL' })).toEqual([e]);
    expect(buffer.query({ minSeverity: 'ERROR', pathPrefix: '/api', limit: 5 })).toEqual([d]);
    expect(buffer.query({ limit: 2 })).toEqual([e, d]);
    expect(buffer.query({ limit: 0 })).toEqual([]);
    expect(buffer.query({ status: 404 })).toEqual([c]);
  });

  it('filters by start time', () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer] });
    const early = serve(logging, '/a', 200, [], 1_000);
    const late = serve(logging, '/b', 200, [], 2_000);
    expect(buffer.query({ since: 1_500 })).toEqual([late]);
    expect(buffer.query({ since: 0 })).toEqual([late, early]);
  });

  it('keeps only the newest entries once full', () => {
    const buffer = createLogBuffer({ capacity: 3 });
    const logging = createLogging({ sinks: [buffer] });
    const entries = Array.from({ length: 10 }, (_, i) => serve(logging, `/${i}`, 200));
    expect(buffer.size).toBe(3);
    expect(buffer.query().map((e) => e.resource)).toEqual(['/9', '/8', '/7']);
    expect(buffer.query({ requestId: entries[0]?.requestId })).toEqual([]);
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(buffer.query()).toEqual([]);
  });

  it('keeps lines written outside requests separately', () => {
    const buffer = createLogBuffer({ lineCapacity: 2 });
    const logging = createLogging({ sinks: [buffer] });
    logging.ingest('one\ntwo\nthree', { stream: 'stderr' });
    expect(buffer.lines().map((l) => l.message)).toEqual(['three', 'two']);
    expect(buffer.lines({ minSeverity: 'CRITICAL' })).toEqual([]);
    expect(buffer.lines({ limit: 1 }).map((l) => l.message)).toEqual(['three']);
  });

  it('rejects a bad capacity and an unknown severity with stable codes', () => {
    for (const capacity of [0, -1, 1.5, Number.NaN]) {
      expect(() => createLogBuffer({ capacity })).toThrow(LoggingError);
    }
    try {
      createLogBuffer({ lineCapacity: 0 });
      expect.unreachable();
    } catch (error) {
      expect((error as LoggingError).code).toBe('LOG_BAD_CAPACITY');
    }
    try {
      createLogBuffer().query({ minSeverity: 'SEVERE' as never });
      expect.unreachable();
    } catch (error) {
      expect((error as LoggingError).code).toBe('LOG_UNKNOWN_SEVERITY');
    }
  });
});
