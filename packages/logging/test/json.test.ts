import { describe, expect, it } from 'vitest';
import { createLogging, formatDuration, jsonSink, log, setDefaultLogging } from '../src/index.js';
import { collector } from './helpers.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('Cloud Logging JSON', () => {
  it('writes an app line with the exact special field names, in one line', () => {
    const out = collector();
    const logging = createLogging({
      sinks: [jsonSink({ write: out.write, projectId: 'my-project' })],
      instanceId: 'inst-7',
    });
    const request = logging.startRequest({
      url: '/x',
      headers: { 'x-cloud-trace-context': `${TRACE}/2205310701640571284;o=1` },
    });
    request.run(() => log.warning({ userId: 42, severity: 'EMERGENCY' }, 'disk at %d%%', 91));
    const [text] = out.lines();
    expect(text?.endsWith('}')).toBe(true);
    const json = JSON.parse(text as string);
    expect(Object.keys(json)).toEqual([
      'severity',
      'message',
      'time',
      'logging.googleapis.com/trace',
      'logging.googleapis.com/spanId',
      'logging.googleapis.com/trace_sampled',
      'logging.googleapis.com/labels',
      'userId',
    ]);
    expect(json).toEqual({
      severity: 'WARNING',
      message: 'disk at 91%',
      time: json.time,
      'logging.googleapis.com/trace': `projects/my-project/traces/${TRACE}`,
      'logging.googleapis.com/spanId': '1e9ad6661ea75994',
      'logging.googleapis.com/trace_sampled': true,
      'logging.googleapis.com/labels': { request_id: request.requestId, instance_id: 'inst-7' },
      userId: 42,
    });
    expect(json.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes a line outside any request with only severity, message and time', () => {
    const out = collector();
    const logging = createLogging({ sinks: [jsonSink({ write: out.write })], instanceId: '' });
    setDefaultLogging(logging);
    log.info('listening on %d', 8080);
    logging.ingest('plain text on stderr', { stream: 'stderr' });
    const [first, second] = out.lines().map((line) => JSON.parse(line));
    expect(Object.keys(first)).toEqual([
      'severity',
      'message',
      'time',
      'logging.googleapis.com/labels',
    ]);
    expect(first).toMatchObject({ severity: 'INFO', message: 'listening on 8080' });
    expect(first['logging.googleapis.com/labels']).toEqual({ instance_id: '' });
    expect(second).toMatchObject({ severity: 'ERROR', message: 'plain text on stderr' });
    const bare = collector();
    createLogging({ sinks: [jsonSink({ write: bare.write })], instanceId: undefined }).ingest('x');
    if (process.env.GAE_INSTANCE === undefined) {
      expect(Object.keys(JSON.parse(bare.lines()[0] as string))).toEqual([
        'severity',
        'message',
        'time',
      ]);
    }
  });

  it('escapes messages so every line stays one JSON line', () => {
    const out = collector();
    const logging = createLogging({ sinks: [jsonSink({ write: out.write })] });
    const request = logging.startRequest();
    const nasty = 'line one\nline "two"\t\u0000\u2028 \\ end';
    request.run(() => log.error(nasty));
    expect(out.lines()).toHaveLength(1);
    expect(JSON.parse(out.lines()[0] as string).message).toBe(nasty);
  });

  it('writes the bare trace id when there is no project', () => {
    const out = collector();
    const logging = createLogging({ sinks: [jsonSink({ write: out.write, projectId: '' })] });
    const request = logging.startRequest({
      headers: { traceparent: `00-${TRACE}-00f067aa0ba902b7-00` },
    });
    request.run(() => log.info('x'));
    const json = JSON.parse(out.lines()[0] as string);
    expect(json['logging.googleapis.com/trace']).toBe(TRACE);
    expect(json['logging.googleapis.com/spanId']).toBe('00f067aa0ba902b7');
    expect(json['logging.googleapis.com/trace_sampled']).toBe(false);
  });

  it('writes one request entry with httpRequest in Cloud Logging names and types', () => {
    const out = collector();
    const logging = createLogging({
      sinks: [jsonSink({ write: out.write, projectId: 'p' })],
      appId: 'p',
      moduleId: 'api',
      versionId: '20260401t1200',
      instanceId: 'inst-1',
    });
    const request = logging.startRequest({
      method: 'GET',
      url: 'https://p.appspot.com/items?page=2',
      headers: {
        'user-agent': 'Mozilla/5.0',
        referer: 'https://p.appspot.com/',
        'x-cloud-trace-context': `${TRACE}/1;o=1`,
      },
      remoteIp: '203.0.113.5',
      protocol: 'HTTP/1.1',
      requestSize: 0,
      startTime: Date.UTC(2026, 3, 1, 12, 0, 0),
    });
    request.run(() => log.info('listing'));
    request.end({
      status: 200,
      responseSize: 1234,
      endTime: Date.UTC(2026, 3, 1, 12, 0, 0) + 1234,
      cacheHit: false,
      pendingTime: 12,
    });
    const lines = out.lines().map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    const entry = lines[1];
    expect(Object.keys(entry)).toEqual([
      'severity',
      'message',
      'time',
      'httpRequest',
      'logging.googleapis.com/trace',
      'logging.googleapis.com/spanId',
      'logging.googleapis.com/trace_sampled',
      'logging.googleapis.com/labels',
      'requestLog',
    ]);
    expect(entry.severity).toBe('INFO');
    expect(entry.time).toBe('2026-04-01T12:00:00.000Z');
    expect(entry.httpRequest).toEqual({
      requestMethod: 'GET',
      requestUrl: 'https://p.appspot.com/items?page=2',
      requestSize: '0',
      status: 200,
      responseSize: '1234',
      userAgent: 'Mozilla/5.0',
      remoteIp: '203.0.113.5',
      referer: 'https://p.appspot.com/',
      latency: '1.234s',
      protocol: 'HTTP/1.1',
      cacheLookup: true,
      cacheHit: false,
    });
    expect(entry['logging.googleapis.com/trace']).toBe(`projects/p/traces/${TRACE}`);
    expect(entry['logging.googleapis.com/spanId']).toBe('0000000000000001');
    expect(entry['logging.googleapis.com/labels']).toEqual({
      request_id: request.requestId,
      instance_id: 'inst-1',
    });
    expect(entry.requestLog).toEqual({
      requestId: request.requestId,
      appId: 'p',
      moduleId: 'api',
      versionId: '20260401t1200',
      instanceId: 'inst-1',
      host: 'p.appspot.com',
      startTime: '2026-04-01T12:00:00.000Z',
      endTime: '2026-04-01T12:00:01.234Z',
      pendingTime: '0.012s',
      lineCount: 1,
    });
    // The app line and its request entry share the trace, so Cloud Logging groups them.
    expect(lines[0]['logging.googleapis.com/trace']).toBe(entry['logging.googleapis.com/trace']);
  });

  it('leaves request entries out when asked (inside an instance, or on App Engine itself)', () => {
    const out = collector();
    const logging = createLogging({ sinks: [jsonSink({ write: out.write, requests: false })] });
    const request = logging.startRequest();
    request.run(() => log.info('only me'));
    request.end({ status: 500 });
    expect(out.lines()).toHaveLength(1);
  });

  it('formats durations as protobuf JSON', () => {
    expect(formatDuration(0)).toBe('0.000s');
    expect(formatDuration(1500)).toBe('1.500s');
    expect(formatDuration(0.25)).toBe('0.000250s');
  });
});
