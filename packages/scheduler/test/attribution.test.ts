import { Console } from 'node:console';
import { createLogBuffer, createLogging } from '@gaekit/logging';
import { afterEach, describe, expect, it } from 'vitest';
import type { SchedulerEvent, SchedulerOptions } from '../src/index.js';
import { closeAll, fixture, quietScheduler, request } from './helpers.js';

type Output = Extract<SchedulerEvent, { type: 'app-output' }>;
const outputs = (events: SchedulerEvent[]) =>
  events.filter((e): e is Output => e.type === 'app-output');

/** What a JSON line says, in the fields the tests look at. */
function read(line: string) {
  const json = JSON.parse(line) as Record<string, unknown>;
  const labels = json['logging.googleapis.com/labels'] as Record<string, string>;
  return {
    severity: json.severity,
    message: json.message,
    requestId: labels.request_id,
    instanceId: labels.instance_id,
    trace: json['logging.googleapis.com/trace'],
    tag: json.tag,
  };
}

// Vitest replaces `console` with one that does not write to process.stdout; an inline app
// runs in the host's thread, so give it the console a real host has.
let realConsole: Console | undefined;
afterEach(async () => {
  await closeAll();
  if (realConsole) globalThis.console = realConsole;
  realConsole = undefined;
});
function useRealConsole() {
  realConsole = globalThis.console;
  globalThis.console = new Console({ stdout: process.stdout, stderr: process.stderr });
}

const kinds: Array<[string, SchedulerOptions]> = [
  ['worker', { kind: 'worker', module: fixture('logging-app.mjs') }],
  ['inline', { kind: 'inline', module: fixture('logging-app.mjs') }],
];

describe.each(kinds)('%s instances: console.* and log.* belong to the request', (kind, options) => {
  it('lines of concurrent requests carry their own request id', async () => {
    if (kind === 'inline') useRealConsole();
    const { scheduler, events } = quietScheduler({
      ...options,
      output: 'events',
      environment: { project: 'my-project' },
    });
    const trace = '105445aa7843bc8bf206b12000100000';
    const [a, b] = await Promise.all([
      request(scheduler, '/log?tag=a', {
        requestId: 'ra',
        headers: [['x-cloud-trace-context', `${trace}/1;o=1`]],
      }),
      request(scheduler, '/log?tag=b', { requestId: 'rb' }),
    ]);
    expect(a.text).toBe('logged a');
    expect(b.text).toBe('logged b');
    for (const [id, tag] of [
      ['ra', 'a'],
      ['rb', 'b'],
    ] as const) {
      const mine = outputs(events).filter((e) => e.requestId === id);
      expect(mine.map((e) => [e.stream, read(e.line).severity, read(e.line).message])).toEqual([
        ['stdout', 'INFO', `plain ${tag}`],
        ['stderr', 'ERROR', `error ${tag}`],
        ['stdout', 'WARNING', `structured ${tag}`],
        ['stdout', 'INFO', `partial ${tag}`],
      ]);
      for (const event of mine) {
        expect(read(event.line)).toMatchObject({ requestId: id, instanceId: a.instanceId });
        expect(event.instanceId).toBe(a.instanceId);
      }
      expect(read(mine[2]?.line ?? '{}').tag).toBe(tag);
    }
    // The trace the front sent is the trace of the request's lines.
    const first = outputs(events).find((e) => e.requestId === 'ra');
    expect(read(first?.line ?? '{}').trace).toBe(`projects/my-project/traces/${trace}`);
  });

  it('the front files the lines under its request with Logging.ingest, as the pipeline does', async () => {
    if (kind === 'inline') useRealConsole();
    const buffer = createLogBuffer();
    const front = createLogging({ sinks: [buffer] });
    const active = front.startRequest({ url: '/log?tag=x' });
    const { scheduler } = quietScheduler({
      ...options,
      output: 'events',
      onEvent: (event) => {
        // The pipeline's own handler (packages/pipeline/src/pipeline.ts) gives no request id.
        if (event.type === 'app-output') front.ingest(`${event.line}\n`, { stream: event.stream });
      },
    });
    const result = await request(scheduler, '/log?tag=x', { requestId: active.requestId });
    const entry = active.end({ status: result.response.status });
    expect(entry.lines.map((line) => [line.severity, line.message, line.fields])).toEqual([
      ['INFO', 'plain x', undefined],
      ['ERROR', 'error x', undefined],
      ['WARNING', 'structured x', { tag: 'x' }],
      ['INFO', 'partial x', undefined],
    ]);
  });

  it('output outside a request, or of a request without an id, is not attributed', async () => {
    if (kind === 'inline') useRealConsole();
    const { scheduler, events } = quietScheduler({ ...options, output: 'events' });
    await request(scheduler, '/log?tag=n');
    expect(outputs(events).filter((e) => e.requestId !== undefined)).toEqual([]);
    if (kind === 'worker') {
      // The worker's own stdout: the line at load time, then the request's plain text.
      await expect
        .poll(() => outputs(events).map((e) => e.line))
        .toEqual(expect.arrayContaining(['loaded outside any request', 'plain n']));
    }
  });
});

describe('process instances', () => {
  it('plain stdout lines are not attributed (App Engine does not either)', async () => {
    const { scheduler, events } = quietScheduler({
      kind: 'process',
      root: fixture('bare'),
      output: 'events',
    });
    await request(scheduler, '/print', { requestId: 'rp' });
    await expect.poll(() => outputs(events).map((e) => e.line)).toContain('printed by the process');
    expect(outputs(events).every((e) => e.requestId === undefined)).toBe(true);
  });
});

describe('output: "inherit"', () => {
  it('writes the text as the app wrote it to this process, and still sends the events', async () => {
    useRealConsole();
    const written: string[] = [];
    const original = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const { scheduler, events } = quietScheduler({
        kind: 'inline',
        module: fixture('logging-app.mjs'),
        output: 'inherit',
      });
      await request(scheduler, '/log?tag=i', { requestId: 'ri' });
      await scheduler.close();
      expect(outputs(events).filter((e) => e.requestId === 'ri')).toHaveLength(4);
    } finally {
      process.stdout.write = original;
    }
    expect(written).toContain('plain i\n');
    expect(written).toContain('partial i\n');
    // A structured line stays JSON.
    expect(written.some((text) => text.startsWith('{"severity":"WARNING"'))).toBe(true);
  });
});
