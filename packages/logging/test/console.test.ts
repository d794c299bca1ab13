import { describe, expect, it } from 'vitest';
import {
  captureConsole,
  createLogBuffer,
  createLogging,
  LoggingError,
  type RequestLogEntry,
} from '../src/index.js';
import { runFixture } from './helpers.js';

describe('console capture in this process', () => {
  it('turns stdout/stderr writes during a request into the request lines, and leaves other output alone', async () => {
    const buffer = createLogBuffer();
    const written: string[] = [];
    const logging = createLogging({
      sinks: [buffer, { line: (line) => written.push(`sink:${line.message}`) }],
    });
    const restore = captureConsole();
    let entry: RequestLogEntry;
    try {
      const request = logging.startRequest({ url: '/c' });
      await request.run(async () => {
        process.stdout.write('out one\nout ');
        await new Promise<void>((resolve) => setImmediate(resolve));
        process.stdout.write(Buffer.from('two\n'));
        process.stderr.write('err line\r\n');
        process.stdout.write('{"severity":"WARNING","message":"structured","k":1}\n');
        process.stdout.write('{"not json\n');
        process.stderr.write('unfinished', () => written.push('callback'));
      });
      entry = request.end({ status: 200 });
      await new Promise<void>((resolve) => setImmediate(resolve));
    } finally {
      restore();
    }
    expect(entry.lines.map((l) => [l.source, l.severity, l.message, l.fields])).toEqual([
      ['stdout', 'INFO', 'out one', undefined],
      ['stdout', 'INFO', 'out two', undefined],
      ['stderr', 'ERROR', 'err line', undefined],
      ['stdout', 'WARNING', 'structured', { k: 1 }],
      ['stdout', 'INFO', '{"not json', undefined],
      ['stderr', 'ERROR', 'unfinished', undefined],
    ]);
    expect(written).toContain('callback');
    expect(written).toContain('sink:out one');
  });

  it('uses the severities given, refuses to capture twice, and restores the streams', () => {
    const original = process.stdout.write;
    const restore = captureConsole({ stdout: 'DEBUG', stderr: 'WARNING' });
    try {
      expect(process.stdout.write).not.toBe(original);
      expect(() => captureConsole()).toThrow(LoggingError);
      const logging = createLogging({ sinks: [] });
      const request = logging.startRequest();
      request.run(() => {
        process.stdout.write('a\n');
        process.stderr.write('b\n');
      });
      expect(request.end({ status: 200 }).lines.map((l) => l.severity)).toEqual([
        'DEBUG',
        'WARNING',
      ]);
    } finally {
      restore();
    }
    expect(process.stdout.write).toBe(original);
    restore();
    captureConsole()();
  });
});

describe('console capture inside an instance (a real child process)', () => {
  it('attributes console.* and log.* lines of concurrent requests to their request at the front', async () => {
    const buffer = createLogBuffer();
    const front = createLogging({ sinks: [buffer] });
    const requests = ['/a', '/b', '/c'].map((path) => ({
      path,
      request: front.startRequest({ url: path }),
    }));
    const jobs = requests.map(({ path, request }) => ({ path, headers: request.headers() }));

    const run = await runFixture('instance.ts', [JSON.stringify(jobs)]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Inside requests the instance wrote JSON lines on stdout (stderr output included);
    // outside any request, console output passes through as it was.
    const outLines = run.stdout.trim().split('\n');
    expect(outLines.filter((line) => !line.startsWith('{'))).toEqual([
      'booting outside any request',
      'done outside any request',
    ]);
    expect(outLines).toHaveLength(2 + 3 * 6);

    const filed = front.ingest(run.stdout, { stream: 'stdout', instanceId: 'instance-1' });
    for (const { request } of requests) request.end({ status: 200, responseSize: 2 });

    for (const { path, request } of requests) {
      const [entry] = buffer.query({ requestId: request.requestId });
      expect(entry?.lines.map((l) => [l.severity, l.message])).toEqual([
        ['INFO', `stdout line of ${path}`],
        ['ERROR', `stderr line of ${path}`],
        ['ERROR', `warn line of ${path}`],
        ['WARNING', `logger line of ${path}`],
        ['NOTICE', `json line of ${path}`],
        ['INFO', `partial line of ${path}`],
      ]);
      for (const line of entry?.lines ?? []) {
        expect(line.requestId).toBe(request.requestId);
        expect(line.instanceId).toBe('instance-1');
        expect(line.trace?.traceId).toBe(request.trace.traceId);
      }
      expect(entry?.lines.find((l) => l.severity === 'NOTICE')?.fields).toEqual({
        n: requests.findIndex((r) => r.path === path),
      });
      expect(entry?.severity).toBe('ERROR');
    }
    // The two lines written outside any request stay loose.
    expect(filed.filter((id) => id === undefined)).toHaveLength(2);
    expect(buffer.lines().map((l) => l.message)).toEqual([
      'done outside any request',
      'booting outside any request',
    ]);
  });
});
