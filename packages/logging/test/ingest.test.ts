import { describe, expect, it } from 'vitest';
import { createLogBuffer, createLogging } from '../src/index.js';

describe('ingesting an instance output', () => {
  it('files JSON lines by request_id label, then by trace, and plain lines by the hint', () => {
    const buffer = createLogBuffer();
    const front = createLogging({ sinks: [buffer] });
    const a = front.startRequest({ url: '/a' });
    const b = front.startRequest({ url: '/b' });
    const filed = front.ingest(
      [
        JSON.stringify({
          severity: 'DEBUG',
          message: 'by label',
          'logging.googleapis.com/labels': { request_id: a.requestId },
        }),
        JSON.stringify({
          severity: 'warn',
          msg: 'by trace',
          time: '2026-04-01T00:00:00.000Z',
          'logging.googleapis.com/trace': `projects/p/traces/${b.trace.traceId}`,
        }),
        'plain text',
        JSON.stringify({
          level: 50,
          message: 'pino style',
          'logging.googleapis.com/labels': { request_id: 'gone' },
        }),
        '',
      ].join('\r\n'),
      { stream: 'stderr', requestId: b.requestId, instanceId: 'i9' },
    );
    // The trailing newline ends the last line; it does not make an empty one.
    expect(filed).toEqual([a.requestId, b.requestId, b.requestId, b.requestId]);
    const entryA = a.end({ status: 200 });
    const entryB = b.end({ status: 200 });
    expect(entryA.lines.map((l) => [l.severity, l.message])).toEqual([['DEBUG', 'by label']]);
    expect(entryB.lines.map((l) => [l.severity, l.message, l.time])).toEqual([
      ['WARNING', 'by trace', Date.UTC(2026, 3, 1)],
      ['ERROR', 'plain text', expect.any(Number)],
      // A JSON line without `severity` is DEFAULT, as Cloud Logging reads it.
      ['DEFAULT', 'pino style', expect.any(Number)],
    ]);
    expect(entryB.lines[2]?.fields).toEqual({ level: 50 });
  });

  it('leaves lines it cannot place loose', () => {
    const buffer = createLogBuffer();
    const front = createLogging({ sinks: [buffer] });
    expect(front.ingest('who wrote this?\n')).toEqual([undefined]);
    expect(buffer.lines()[0]).toMatchObject({
      message: 'who wrote this?',
      severity: 'INFO',
      grouped: false,
    });
  });
});
