import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  createLogBuffer,
  createLogging,
  currentRequestId,
  getRequestContext,
  LoggingError,
  log,
  setDefaultLogging,
} from '../src/index.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('request context', () => {
  it('keeps concurrent async requests apart: every line lands in its own request', async () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer] });
    const emitter = new EventEmitter();
    const count = 60;

    const requests = Array.from({ length: count }, (_, i) =>
      logging.withRequest({ url: `/r/${i}` }, async (request) => {
        log.info('start %d', i);
        for (let k = 0; k < (i * 7) % 5; k++) await tick();
        await sleep((i * 3) % 4);
        log.debug({ step: 'after-timer', i }, 'timer %d', i);
        await Promise.all([
          (async () => {
            await tick();
            log.warning('branch a %d', i);
          })(),
          new Promise<void>((resolve) =>
            setTimeout(() => {
              log.error('branch b %d', i);
              resolve();
            }, i % 3),
          ),
        ]);
        queueMicrotask(() => log.info('microtask %d', i));
        await tick();
        expect(currentRequestId()).toBe(request.requestId);
        emitter.emit('ping', i);
        log.critical('end %d', i);
        return { status: 200 };
      }),
    );
    // A listener registered outside any request runs in the context of whoever emits.
    emitter.on('ping', (i: number) => log.info('ping %d', i));
    await Promise.all(requests);

    const entries = buffer.query();
    expect(entries).toHaveLength(count);
    for (const entry of entries) {
      const i = Number(entry.resource.slice(3));
      const messages = entry.lines.map((line) => line.message).sort();
      expect(messages).toEqual(
        [
          `start ${i}`,
          `timer ${i}`,
          `branch a ${i}`,
          `branch b ${i}`,
          `microtask ${i}`,
          `ping ${i}`,
          `end ${i}`,
        ].sort(),
      );
      for (const line of entry.lines) {
        expect(line.requestId).toBe(entry.requestId);
        expect(line.trace).toBe(entry.trace);
        expect(line.grouped).toBe(true);
      }
      expect(entry.lines[0]?.message).toBe(`start ${i}`);
      expect(entry.lines.at(-1)?.message).toBe(`end ${i}`);
      expect(entry.lines.find((l) => l.message.startsWith('timer'))?.fields).toEqual({
        step: 'after-timer',
        i,
      });
      expect(entry.severity).toBe('CRITICAL');
    }
    expect(new Set(entries.map((e) => e.requestId)).size).toBe(count);
  });

  it('has no context outside requests, and nested runs see the inner request', async () => {
    const logging = createLogging({ sinks: [] });
    expect(getRequestContext()).toBeUndefined();
    const outer = logging.startRequest({ url: '/outer' });
    const inner = logging.startRequest({ url: '/inner' });
    await outer.run(async () => {
      expect(currentRequestId()).toBe(outer.requestId);
      await inner.run(async () => {
        await tick();
        expect(getRequestContext()?.resource).toBe('/inner');
      });
      await tick();
      expect(currentRequestId()).toBe(outer.requestId);
    });
    expect(currentRequestId()).toBeUndefined();
  });

  it('sends lines written outside any request to the default logging, ungrouped', () => {
    const buffer = createLogBuffer();
    setDefaultLogging(createLogging({ sinks: [buffer] }));
    log.info('boot');
    log.warning({ port: 8080 }, 'listening');
    const lines = buffer.lines();
    expect(lines.map((l) => [l.severity, l.message, l.requestId, l.grouped])).toEqual([
      ['WARNING', 'listening', undefined, false],
      ['INFO', 'boot', undefined, false],
    ]);
    expect(lines[0]?.fields).toEqual({ port: 8080 });
  });

  it('files lines written after the request ended as loose lines that still name it', async () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer] });
    const request = logging.startRequest({ url: '/late' });
    let later: Promise<void> = Promise.resolve();
    request.run(() => {
      log.info('in time');
      later = sleep(1).then(() => log.info('too late'));
    });
    const entry = request.end({ status: 204 });
    await later;
    expect(entry.lines.map((l) => l.message)).toEqual(['in time']);
    expect(buffer.lines().map((l) => [l.message, l.requestId, l.grouped])).toEqual([
      ['too late', request.requestId, false],
    ]);
    expect(request.end({ status: 500 })).toBe(entry);
  });

  it('logs an exception at ERROR with its stack, and marks a throwing request 500', async () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer] });
    await expect(
      logging.withRequest({ url: '/boom' }, async () => {
        try {
          JSON.parse('{');
        } catch (error) {
          log.exception(error, 'could not read %s', 'body');
        }
        throw new Error('kaput');
      }),
    ).rejects.toThrow('kaput');
    const [entry] = buffer.query();
    expect(entry?.status).toBe(500);
    expect(entry?.severity).toBe('ERROR');
    expect(entry?.lines).toHaveLength(2);
    expect(entry?.lines[0]?.message).toMatch(/^could not read body\nSyntaxError: .*\n\s+at /);
    expect(entry?.lines[1]?.message).toMatch(/^Error: kaput\n\s+at /);
  });

  it('drops lines below minSeverity and rejects an unknown one', () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer], minSeverity: 'WARNING' });
    const request = logging.startRequest();
    request.run(() => {
      log.debug('no');
      log.info('no');
      log.warning('yes');
      log.log('ALERT', 'yes too');
    });
    expect(request.end({ status: 200 }).lines.map((l) => l.severity)).toEqual(['WARNING', 'ALERT']);
    expect(() => createLogging({ minSeverity: 'LOUD' as never })).toThrow(LoggingError);
    expect(() => log.log('LOUD' as never, 'x')).toThrowError(/not a severity/);
  });

  it('takes the serving service and version from the end of a request when given', () => {
    const logging = createLogging({ sinks: [], moduleId: 'default', versionId: 'v1' });
    expect(
      logging.startRequest().end({ status: 200, moduleId: 'api', versionId: 'v2' }),
    ).toMatchObject({ moduleId: 'api', versionId: 'v2' });
    expect(logging.startRequest().end({ status: 200 })).toMatchObject({
      moduleId: 'default',
      versionId: 'v1',
    });
  });

  it('fills the request entry with the request facts of spec §11.1', () => {
    const buffer = createLogBuffer();
    const logging = createLogging({
      sinks: [buffer],
      appId: 'my-app',
      moduleId: 'default',
      versionId: 'v1',
      instanceId: 'i-1',
    });
    const request = logging.startRequest({
      method: 'post',
      url: 'https://my-app.appspot.com/submit?x=1#frag',
      headers: {
        'user-agent': 'curl/8',
        referer: 'https://example.com/',
        'content-length': '12',
        'x-appengine-user-ip': '203.0.113.9',
      },
      remoteIp: '198.51.100.7',
      protocol: 'HTTP/2',
      startTime: 1_000,
    });
    const entry = request.end({
      status: 404,
      responseSize: 99,
      endTime: 1_250,
      pendingTime: 5,
      wasLoadingRequest: true,
      urlMapEntry: '/.*',
    });
    expect(entry).toMatchObject({
      requestId: request.requestId,
      appId: 'my-app',
      moduleId: 'default',
      versionId: 'v1',
      instanceId: 'i-1',
      method: 'POST',
      resource: '/submit?x=1',
      host: 'my-app.appspot.com',
      scheme: 'https',
      httpVersion: 'HTTP/2',
      status: 404,
      responseSize: 99,
      requestSize: 12,
      ip: '198.51.100.7',
      userAgent: 'curl/8',
      referrer: 'https://example.com/',
      startTime: 1_000,
      endTime: 1_250,
      latency: 250,
      pendingTime: 5,
      wasLoadingRequest: true,
      urlMapEntry: '/.*',
      severity: 'WARNING',
      lines: [],
    });
    expect(entry.trace.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('takes a parsed URL and header pairs in any case, first value winning', () => {
    const logging = createLogging({ sinks: [] });
    const request = logging.startRequest({
      url: new URL('https://Example.COM:8443/a/./b?q=1#frag'),
      headers: [
        ['constructor', 'x'],
        ['USER-AGENT', 'first'],
        ['user-agent', 'second'],
        ['Referer', 'https://r.example/'],
        ['X-Cloud-Trace-Context', '0123456789abcdef0123456789abcdef/1;o=1'],
      ],
    });
    const entry = request.end({ status: 200 });
    expect(entry).toMatchObject({
      resource: '/a/b?q=1',
      host: 'example.com:8443',
      scheme: 'https',
      userAgent: 'first',
      referrer: 'https://r.example/',
    });
    expect(entry.trace).toMatchObject({
      traceId: '0123456789abcdef0123456789abcdef',
      spanId: '0000000000000001',
      sampled: true,
    });
  });

  it('reads platform headers only when told to trust them', () => {
    const headers = {
      'x-appengine-request-log-id': 'abcdef0123',
      'x-appengine-user-ip': '203.0.113.9',
      'x-forwarded-proto': 'https',
      'x-appengine-queuename': 'default',
      'x-appengine-taskname': 't1',
      host: 'a.example',
    };
    const untrusted = createLogging({ sinks: [] }).startRequest({ headers });
    expect(untrusted.requestId).not.toBe('abcdef0123');
    const untrustedEntry = untrusted.end({ status: 200 });
    expect(untrustedEntry.ip).toBeUndefined();
    expect(untrustedEntry.taskQueueName).toBeUndefined();
    const trusted = createLogging({ sinks: [], trustPlatformHeaders: true }).startRequest({
      headers,
    });
    expect(trusted.requestId).toBe('abcdef0123');
    expect(trusted.end({ status: 200 })).toMatchObject({
      ip: '203.0.113.9',
      scheme: 'https',
      host: 'a.example',
      taskQueueName: 'default',
      taskName: 't1',
    });
  });

  it('wraps a fetch handler: one entry per call with status and response size', async () => {
    const buffer = createLogBuffer();
    const logging = createLogging({ sinks: [buffer] });
    const handler = logging.wrapFetch(async (request: Request) => {
      log.info('handling %s', new URL(request.url).pathname);
      return new Response('hello', { status: 201, headers: { 'x-a': 'b' } });
    });
    const response = await handler(new Request('http://localhost/hi?x=1'));
    expect(response.status).toBe(201);
    expect(response.headers.get('x-a')).toBe('b');
    expect(await response.text()).toBe('hello');
    const [entry] = buffer.query();
    expect(entry).toMatchObject({ resource: '/hi?x=1', status: 201, responseSize: 5 });
    expect(entry?.lines.map((l) => l.message)).toEqual(['handling /hi']);
  });
});
