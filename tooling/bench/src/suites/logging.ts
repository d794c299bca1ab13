/**
 * @gaekit/logging: the cost of one log line, against pino writing the same JSON line, in the
 * same run. Both write to a sink that only counts characters (not the terminal, not a file),
 * so the figures compare building the line, not I/O:
 *
 * - pino:  a child logger whose bindings are the request's trace fields and labels, set up to
 *          write Cloud Logging names (`severity`, `message`, ISO `time` from
 *          `pino.stdTimeFunctions.isoTime`) — what an app would do to get the same JSON from pino;
 * - pino, cached time: the same, with the per-second cached ISO time that gaekit uses, so the
 *          comparison does not hinge on `Date#toISOString` alone;
 * - gaekit in a request: `log.info(...)` inside `request.run(...)`, so each call also finds the
 *          request through AsyncLocalStorage and keeps the line for the request's entry
 *          (requests of 1,000 lines: starting and ending them adds a few ns per line);
 * - gaekit outside a request: `log.info(...)` with no request (formatting and writing only).
 *
 * The suite first checks that both write the same fields and values (key order aside).
 * A second table gives the cost of one request itself: `startRequest` (id, trace parsed from
 * `X-Cloud-Trace-Context`), `run`, and `end` writing the request entry as JSON.
 */
import { createLogging, jsonSink, log, setDefaultLogging } from '@gaekit/logging';
import pino from 'pino';
import { nsPerCall, type SuiteResult } from '../suite.js';

const TRACE = '105445aa7843bc8bf206b12000100000';
const PROJECT = 'bench-project';
const INSTANCE = 'instance-1';

let chars = 0;
let last = '';
const sink = {
  write(text: string): void {
    chars += text.length;
    last = text;
  },
};

let cachedSecond = Number.NaN;
let cachedPrefix = '';
/** The same per-second cached ISO time as @gaekit/logging's JSON sink, for the pino variant. */
function cachedIsoTime(): string {
  const ms = Date.now();
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const millis = ms - second * 1000;
  return `,"time":"${cachedPrefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z"`;
}

/** ns per line of `fn` run inside requests of `perRequest` lines each, for about `ms`. */
function nsPerLineInRequests(
  start: () => { run<T>(fn: () => T): T; end(result: { status: number }): unknown },
  fn: () => void,
  ms: number,
  perRequest: number,
): number {
  const once = start();
  once.run(() => {
    for (let i = 0; i < 1000; i++) fn();
  });
  once.end({ status: 200 });
  let lines = 0;
  const begin = process.hrtime.bigint();
  const deadline = begin + BigInt(ms) * 1_000_000n;
  let now = begin;
  while (now < deadline) {
    const request = start();
    request.run(() => {
      for (let i = 0; i < perRequest; i++) fn();
    });
    request.end({ status: 200 });
    lines += perRequest;
    now = process.hrtime.bigint();
  }
  return Number(now - begin) / lines;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function withoutTime(line: string): Record<string, unknown> {
  const { time, ...rest } = JSON.parse(line) as Record<string, unknown>;
  if (typeof time !== 'string' || Number.isNaN(Date.parse(time)))
    throw new Error(`no ISO time in ${line}`);
  return rest;
}

export async function run({ smoke }: { smoke: boolean }): Promise<SuiteResult> {
  const ms = smoke ? 30 : 400;
  const rounds = smoke ? 2 : 9;
  // Lines are kept for their request's entry, so each round serves a new request and is
  // bounded in count to keep memory flat.
  const perRound = 300_000;

  const logging = createLogging({
    sinks: [jsonSink({ write: sink.write, projectId: PROJECT, requests: false })],
    instanceId: INSTANCE,
  });
  const withEntries = createLogging({
    sinks: [jsonSink({ write: sink.write, projectId: PROJECT })],
    instanceId: INSTANCE,
  });
  setDefaultLogging(logging);
  const start = { url: '/bench', headers: { 'x-cloud-trace-context': `${TRACE}/1;o=1` } };
  const newRequest = () => logging.startRequest(start);

  const first = newRequest();
  const bindings = {
    'logging.googleapis.com/trace': `projects/${PROJECT}/traces/${TRACE}`,
    'logging.googleapis.com/spanId': first.trace.spanId,
    'logging.googleapis.com/trace_sampled': true,
    'logging.googleapis.com/labels': { request_id: first.requestId, instance_id: INSTANCE },
  };
  const pinoWith = (timestamp: () => string) =>
    pino(
      {
        base: undefined,
        messageKey: 'message',
        timestamp,
        formatters: { level: (label: string) => ({ severity: label.toUpperCase() }) },
      },
      sink,
    ).child(bindings);
  const child = pinoWith(pino.stdTimeFunctions.isoTime);
  const cachedChild = pinoWith(cachedIsoTime);

  // Same fields, same values.
  const cases = {
    plain: {
      pino: () => child.info('hello world'),
      pinoCached: () => cachedChild.info('hello world'),
      gaekit: () => log.info('hello world'),
    },
    'format + fields': {
      pino: () => child.info({ userId: 42 }, 'user %s signed in', 'ann'),
      pinoCached: () => cachedChild.info({ userId: 42 }, 'user %s signed in', 'ann'),
      gaekit: () => log.info({ userId: 42 }, 'user %s signed in', 'ann'),
    },
  };
  const sorted = (line: Record<string, unknown>) =>
    JSON.stringify(Object.fromEntries(Object.entries(line).sort()));
  for (const [name, fns] of Object.entries(cases)) {
    first.run(() => fns.gaekit());
    const fromGaekit = sorted(withoutTime(last));
    for (const variant of [fns.pino, fns.pinoCached]) {
      variant();
      const fromPino = sorted(withoutTime(last));
      if (fromPino !== fromGaekit) {
        throw new Error(`${name}: pino and gaekit lines differ\n${fromPino}\n${fromGaekit}`);
      }
    }
  }
  first.end({ status: 200 });

  const rows: Array<{
    case: string;
    pino: number;
    pinoCached: number;
    gaekitInRequest: number;
    gaekitOutside: number;
  }> = [];
  for (const [name, fns] of Object.entries(cases)) {
    const pinoNs: number[] = [];
    const pinoCachedNs: number[] = [];
    const inRequestNs: number[] = [];
    const outsideNs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      pinoNs.push(nsPerCall(fns.pino, ms, perRound));
      pinoCachedNs.push(nsPerCall(fns.pinoCached, ms, perRound));
      inRequestNs.push(nsPerLineInRequests(newRequest, fns.gaekit, ms, 1000));
      outsideNs.push(nsPerCall(fns.gaekit, ms, perRound));
    }
    rows.push({
      case: name,
      pino: median(pinoNs),
      pinoCached: median(pinoCachedNs),
      gaekitInRequest: median(inRequestNs),
      gaekitOutside: median(outsideNs),
    });
  }

  const requestNs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    requestNs.push(
      nsPerCall(
        () => {
          const request = withEntries.startRequest(start);
          request.run(() => undefined);
          request.end({ status: 200, responseSize: 11 });
        },
        ms,
        perRound,
      ),
    );
  }
  const requestCost = median(requestNs);

  const f = (n: number) => n.toFixed(0);
  const r = (n: number, d: number) => `${(n / d).toFixed(2)}×`;
  const markdown = [
    '| line | pino | pino, cached time | gaekit in a request | gaekit outside a request | in a request ÷ pino | in a request ÷ pino, cached time |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (row) =>
        `| ${row.case} | ${f(row.pino)} ns | ${f(row.pinoCached)} ns | ${f(row.gaekitInRequest)} ns | ${f(row.gaekitOutside)} ns | ${r(row.gaekitInRequest, row.pino)} | ${r(row.gaekitInRequest, row.pinoCached)} |`,
    ),
    '',
    '',
    '| one request, no lines: start (new id, trace parsed) + run + end (entry written as JSON) |',
    '|---:|',
    `| ${f(requestCost)} ns |`,
    '',
    `ns per log line, median of ${rounds} rounds of ${ms} ms (at most ${perRound.toLocaleString('en-US')} lines each). All write the same Cloud Logging JSON line (checked) to a counting sink (${chars.toLocaleString('en-US')} characters written). Ratio below 1: gaekit is faster.`,
  ].join('\n');
  return {
    title: '@gaekit/logging: one log line vs pino',
    markdown,
    data: { rows, requestNs: requestCost, rounds, ms },
  };
}
