import { describe, expect, it } from 'vitest';
import { createLogging, devSink, formatBytes, log } from '../src/index.js';
import { collector } from './helpers.js';

function localClock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

describe('dev format', () => {
  it('prints one line per request with its app lines indented under it', () => {
    const out = collector();
    const logging = createLogging({ sinks: [devSink({ write: out.write, colors: false })] });
    const start = Date.UTC(2026, 3, 1, 9, 30, 15, 42);
    const request = logging.startRequest({ method: 'GET', url: '/hello?name=x', startTime: start });
    request.run(() => {
      log.info('hello %s', 'x');
      log.warning({ ms: 900 }, 'slow');
      log.error('first\nsecond');
    });
    // Nothing is printed until the request ends: its lines come out together.
    expect(out.text()).toBe('');
    request.end({ status: 200, responseSize: 1234, endTime: start + 12, instanceId: 'i-1' });
    expect(out.text()).toBe(
      `${localClock(start)} GET /hello?name=x 200 1.2 kB 12 ms instance=i-1 ${request.requestId}\n` +
        '    INFO     hello x\n' +
        '    WARNING  slow {"ms":900}\n' +
        '    ERROR    first\n' +
        '             second\n',
    );
  });

  it('says when the front-end cache answered, and when a static handler did', () => {
    const out = collector();
    const logging = createLogging({ sinks: [devSink({ write: out.write, colors: false })] });
    const hit = logging.startRequest({ method: 'GET', url: '/logo.png' });
    hit.end({ status: 200, responseSize: 10, cacheHit: true, urlMapEntry: '/static' });
    const file = logging.startRequest({ method: 'GET', url: '/app.css' });
    file.end({ status: 200, responseSize: 10, urlMapEntry: '/static' });
    expect(out.lines()[0]).toContain(' cache hit ');
    expect(out.lines()[1]).toContain(' static ');
    expect(out.lines()[1]).not.toContain('cache hit');
  });

  it('prints lines outside requests at once, and late lines with their request', () => {
    const out = collector();
    const logging = createLogging({ sinks: [devSink({ write: out.write, colors: false })] });
    logging.ingest('listening');
    expect(out.lines()[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {5}listening$/);
    const request = logging.startRequest({ url: '/' });
    request.end({ status: 204, responseSize: 0, endTime: request.startTime + 0.5 });
    request.run(() => log.debug('after'));
    expect(out.lines()[1]).toContain('GET / 204 0 B 0.5 ms');
    expect(out.lines()[2]).toMatch(
      new RegExp(`DEBUG {4}after \\(request ${request.requestId}, after it ended\\)$`),
    );
  });

  it('colours the status and severity when asked', () => {
    const out = collector();
    const logging = createLogging({ sinks: [devSink({ write: out.write, colors: true })] });
    const request = logging.startRequest({ url: '/x' });
    request.run(() => log.error('bad'));
    request.end({ status: 500 });
    expect(out.text()).toContain('\u001b[31m500\u001b[39m');
    expect(out.text()).toContain('\u001b[31mERROR    \u001b[39m');
    const plain = collector();
    const quiet = createLogging({
      sinks: [devSink({ write: plain.write, colors: false, showLines: false })],
    });
    const r = quiet.startRequest({ url: '/y' });
    r.run(() => log.error('hidden'));
    r.end({ status: 200 });
    expect(plain.text()).not.toContain('\u001b[');
    expect(plain.lines()).toHaveLength(1);
  });

  it('formats sizes', () => {
    expect(formatBytes(undefined)).toBe('-');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(32_000_000)).toBe('32.0 MB');
  });
});
