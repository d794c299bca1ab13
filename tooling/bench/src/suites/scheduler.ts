/**
 * @gaekit/scheduler: throughput of each instance kind against raw node:http serving the same
 * app, in the same run. Every server runs in its own process (this file doubles as the
 * front's script with `--front`), and autocannon drives them from the bench process:
 *
 * - raw:     `node server.mjs` (a bare node:http app) measured directly;
 * - process: gaekit's front -> scheduler -> the same `node server.mjs` as a process instance;
 * - worker:  gaekit's front -> scheduler -> the same app as a fetch handler in a worker;
 * - inline:  gaekit's front -> scheduler -> the fetch handler in the front's own thread.
 *
 * The front is `servePipeline` of @gaekit/pipeline, as `gae dev` serves (requests read by
 * @gaekit/limits, answers written at the end of each event-loop turn), with a target that
 * dispatches straight into the scheduler: no routing, cache or static files in the way.
 * One instance each (manual scaling, max_concurrent_requests 100), so the figures compare the
 * cost of the front, the scheduler and the instance transport, not the number of instances.
 *
 * Two ceilings are measured in the same rounds, so the targets can be read against what this
 * machine allows at all:
 * - forwarder: a bare node:http server that forwards each request to the same `server.mjs`
 *   over a kept-alive loopback socket and copies the answer back, with no logic at all (no
 *   limits, headers, logs or scheduling): what any process front costs at the least here;
 * - front only: gaekit's `servePipeline` answering a fixed record itself, no instance: what
 *   gaekit's front costs before any instance kind is involved.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listeningPort, type SuiteResult, serveFixedAnswer, stopChild } from '../suite.js';

const SERVER_APP = `import { createServer } from 'node:http';
const server = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('hello world');
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening ' + server.address().port));
`;

const HANDLER_APP = `export default {
  fetch: () => new Response('hello world', { headers: { 'content-type': 'text/plain' } }),
};
`;

type Target = 'raw' | 'forwarder' | 'front-only' | 'process' | 'worker' | 'inline';

/** Runs as the front when this file is started with `--front KIND APP_DIR`. */
async function front(kind: 'process' | 'worker' | 'inline', appDir: string): Promise<void> {
  const { createScheduler } = await import('@gaekit/scheduler');
  const { servePipeline } = await import('@gaekit/pipeline');
  const scheduler = createScheduler({
    kind,
    root: appDir,
    module: join(appDir, 'handler.mjs'),
    entrypoint: 'node server.mjs',
    config: { manualScaling: { instances: 1 } },
    maxConcurrentRequests: 100,
    output: 'ignore',
  });
  await scheduler.start();
  // gaekit's own front, as `gae dev` serves it: @gaekit/limits reads the request, answers
  // ready in the same tick skip the promise, and answers are written at the end of the turn.
  const server = await servePipeline(
    {
      handle: (record) => scheduler.dispatch(record).then((result) => result.response),
      handleNow: (record) => {
        const result = scheduler.dispatchNow(record);
        return result instanceof Promise ? result.then((r) => r.response) : result.response;
      },
    },
    { port: 0, host: '127.0.0.1' },
  );
  console.log(`listening ${server.port}`);
  process.on('SIGTERM', () => {
    void server.close();
    void scheduler.close().then(() => process.exit(0));
  });
}

/** gaekit's front answering a fixed record itself: the ceiling of every instance kind. */
async function frontOnly(): Promise<void> {
  console.log(`listening ${await serveFixedAnswer('hello world')}`);
  process.on('SIGTERM', () => process.exit(0));
}

/**
 * The least a process front can do: node:http in, the request line and Host out on a
 * kept-alive socket to the app, the answer's status, type and body back. Enough for the
 * suite's app (one fixed answer with a Content-Length); not a general client.
 */
async function forwarder(appDir: string): Promise<void> {
  const { createServer } = await import('node:http');
  const { connect, createServer: createNetServer } = await import('node:net');
  const appPort = await new Promise<number>((resolve) => {
    const probe = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const app = spawn(process.execPath, ['server.mjs'], {
    cwd: appDir,
    env: { ...process.env, PORT: String(appPort) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await listeningPort(app, 'forwarded app');
  type Pending = (status: number, type: string, body: Buffer) => void;
  interface Connection {
    socket: Socket;
    pending?: Pending | undefined;
  }
  const idle = new Set<Connection>();
  /** The body of an answer in `buffered` after its head, or undefined until all of it is in. */
  const bodyOf = (head: string, buffered: Buffer, at: number) => {
    const length = /content-length: *(\d+)/i.exec(head)?.[1];
    if (length !== undefined) {
      const end = at + Number(length);
      return buffered.length < end ? undefined : { body: buffered.subarray(at, end), end };
    }
    // node:http answers in chunks after writeHead(): size line, data, CRLF; 0 ends it.
    const parts: Buffer[] = [];
    let i = at;
    for (;;) {
      const line = buffered.indexOf('\r\n', i);
      if (line === -1) return undefined;
      const size = Number.parseInt(buffered.toString('latin1', i, line), 16);
      if (size === 0) {
        const end = line + 4;
        return buffered.length < end ? undefined : { body: Buffer.concat(parts), end };
      }
      if (buffered.length < line + 2 + size + 2) return undefined;
      parts.push(buffered.subarray(line + 2, line + 2 + size));
      i = line + 2 + size + 2;
    }
  };
  const open = (): Connection => {
    const connection: Connection = {
      socket: connect({ port: appPort, host: '127.0.0.1', noDelay: true }),
    };
    let buffered: Buffer = Buffer.alloc(0);
    connection.socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
      const headEnd = buffered.indexOf('\r\n\r\n');
      if (headEnd === -1) return;
      const head = buffered.toString('latin1', 0, headEnd);
      const answer = bodyOf(head, buffered, headEnd + 4);
      if (!answer) return;
      buffered = buffered.subarray(answer.end);
      const pending = connection.pending;
      connection.pending = undefined;
      idle.add(connection);
      pending?.(
        Number(head.slice(9, 12)),
        /content-type: *([^\r]*)/i.exec(head)?.[1] ?? 'text/plain',
        answer.body,
      );
    });
    // The app closes kept-alive connections it finds idle: never reuse one, answer what waits.
    const gone = () => {
      idle.delete(connection);
      const pending = connection.pending;
      connection.pending = undefined;
      pending?.(502, 'text/plain', Buffer.from('the app closed the connection'));
    };
    connection.socket.on('close', gone);
    connection.socket.on('error', gone);
    return connection;
  };
  const take = (): Connection => {
    for (const connection of idle) {
      idle.delete(connection);
      return connection;
    }
    return open();
  };
  const server = createServer((req, res) => {
    const connection = take();
    connection.pending = (status, type, body) =>
      res.writeHead(status, { 'content-type': type, 'content-length': body.length }).end(body);
    connection.socket.write(`${req.method} ${req.url} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
    req.resume();
  });
  server.listen(0, '127.0.0.1', () =>
    console.log(`listening ${(server.address() as { port: number }).port}`),
  );
  process.on('exit', () => app.kill('SIGKILL'));
  process.on('SIGTERM', () => process.exit(0));
}

const frontIndex = process.argv.indexOf('--front');
if (frontIndex !== -1) {
  const kind = process.argv[frontIndex + 1] as Target;
  const appDir = process.argv[frontIndex + 2] as string;
  if (kind === 'forwarder') await forwarder(appDir);
  else if (kind === 'front-only') await frontOnly();
  else await front(kind as 'process' | 'worker' | 'inline', appDir);
}

/** Starts a server process and resolves with it and its port once it prints `listening PORT`. */
function startServer(
  target: Target,
  appDir: string,
): Promise<{ child: ChildProcess; port: number }> {
  const self = fileURLToPath(import.meta.url);
  const child =
    target === 'raw'
      ? spawn(process.execPath, ['server.mjs'], {
          cwd: appDir,
          env: { ...process.env, PORT: '0' },
          stdio: ['ignore', 'pipe', 'inherit'],
        })
      : spawn(process.execPath, ['--import', 'tsx', self, '--front', target, appDir], {
          // tsx and @gaekit/scheduler resolve from the bench package.
          cwd: fileURLToPath(new URL('../..', import.meta.url)),
          stdio: ['ignore', 'pipe', 'inherit'],
        });
  return listeningPort(child, target);
}

interface Measured {
  target: Target;
  requestsPerSecond: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  /** CPU (user + system) of the server's process tree per request, in microseconds. */
  cpuUsPerRequest: number;
}

/** The process and its descendants (a process instance is a child of the front). */
function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${all[i]}/task`)) {
        const children = readFileSync(`/proc/${all[i]}/task/${task}/children`, 'utf8').trim();
        if (children) all.push(...children.split(' ').map(Number));
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return all;
}

/**
 * CPU seconds used so far by a process tree (worker threads count in their process). On a
 * shared machine this moves far less than req/s: it is what each request costs, not how
 * much of the CPU the server happened to get.
 */
function cpuSeconds(pid: number): number {
  let cpu = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // Gone.
    }
  }
  return cpu;
}

async function measure(target: Target, appDir: string, seconds: number): Promise<Measured> {
  const { default: autocannon } = await import('autocannon');
  const { child, port } = await startServer(target, appDir);
  try {
    const url = `http://127.0.0.1:${port}/`;
    // Every target must give the app's own answer, or its figures mean nothing.
    const check = await fetch(url);
    const text = await check.text();
    if (check.status !== 200 || text !== 'hello world') {
      throw new Error(`${target} answered ${check.status} ${JSON.stringify(text)}`);
    }
    await autocannon({ url, connections: 32, duration: Math.max(1, Math.round(seconds / 4)) });
    const before = child.pid === undefined ? 0 : cpuSeconds(child.pid);
    const result = await autocannon({ url, connections: 32, duration: seconds });
    const after = child.pid === undefined ? 0 : cpuSeconds(child.pid);
    return {
      target,
      requestsPerSecond: Math.round(result.requests.average),
      latencyP99Ms: result.latency.p99,
      errors: result.errors,
      non2xx: result.non2xx,
      cpuUsPerRequest: Math.round(((after - before) * 1e6) / (result.requests.total || 1)),
    };
  } finally {
    await stopChild(child);
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * The suite: req/s of each kind and its ratio to raw node:http measured in the same round.
 * The machine is shared, so the four targets are measured in turn in each of several rounds
 * and the medians reported (of req/s, CPU, and of each round's ratio to raw).
 */
export async function run({ smoke }: { smoke: boolean }): Promise<SuiteResult> {
  const appDir = mkdtempSync(join(tmpdir(), 'gaekit-bench-scheduler-'));
  writeFileSync(join(appDir, 'server.mjs'), SERVER_APP);
  writeFileSync(join(appDir, 'handler.mjs'), HANDLER_APP);
  writeFileSync(join(appDir, 'package.json'), '{ "type": "module", "private": true }\n');
  const seconds = smoke ? 1 : 5;
  const rounds = smoke ? 1 : 3;
  const targets: Target[] = ['raw', 'forwarder', 'front-only', 'process', 'worker', 'inline'];
  const measured: Measured[][] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const results: Measured[] = [];
      for (const target of targets) results.push(await measure(target, appDir, seconds));
      measured.push(results);
    }
  } finally {
    rmSync(appDir, { recursive: true, force: true });
  }
  const results = targets.map((target, t) => {
    const runs = measured.map((round) => round[t] as Measured);
    return {
      target,
      requestsPerSecond: Math.round(median(runs.map((r) => r.requestsPerSecond))),
      ratioToRaw: median(
        measured.map(
          (round) =>
            (round[t] as Measured).requestsPerSecond / (round[0] as Measured).requestsPerSecond,
        ),
      ),
      cpuUsPerRequest: Math.round(median(runs.map((r) => r.cpuUsPerRequest))),
      latencyP99Ms: median(runs.map((r) => r.latencyP99Ms)),
      errors: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
      rounds: runs,
    };
  });
  const rawCpu = results[0]?.cpuUsPerRequest || 1;
  const targetsFor: Partial<Record<Target, string>> = { process: '>= 0.5x', worker: '>= 0.6x' };
  const names: Record<Target, string> = {
    raw: 'raw node:http (baseline)',
    forwarder: 'ceiling: forwarder without logic',
    'front-only': 'ceiling: gaekit front, fixed answer',
    process: 'process instance',
    worker: 'worker instance',
    inline: 'inline instance',
  };
  const rows = results.map(
    (r) =>
      `| ${names[r.target]} | ${r.requestsPerSecond} | ${r.ratioToRaw.toFixed(2)}x | ${targetsFor[r.target] ?? ''} | ${r.cpuUsPerRequest} | ${(rawCpu / (r.cpuUsPerRequest || 1)).toFixed(2)}x | ${r.latencyP99Ms} | ${r.errors} |`,
  );
  const markdown = [
    `autocannon, 32 connections, ${seconds} s per target after a warm-up, the six targets in turn in each of ${rounds} round(s); medians of req/s, of each round's ratio to raw, of CPU and of p99. Front: gaekit's \`servePipeline\` dispatching straight into the scheduler. One instance (manual scaling, max_concurrent_requests 100); "hello world" text. The two ceilings: a bare node:http server forwarding to the same app over a kept-alive socket with no logic at all (the least any process front costs here), and gaekit's front answering a fixed record itself (no instance). CPU µs/req: user + system CPU of the server's processes and threads (front, worker thread, instance process) per request; "CPU ratio" is raw's CPU per request over the target's.`,
    '',
    '| target | req/s | ratio to raw | target ratio | CPU µs/req | CPU ratio | p99 ms | errors |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  return { title: '@gaekit/scheduler: instance kinds vs raw node:http', markdown, data: results };
}
