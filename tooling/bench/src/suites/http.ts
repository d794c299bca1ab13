/**
 * HTTP load: gaekit against raw node:http and the peers, in the same run. Each server runs in
 * its own process (this file doubles as the server script with `--server NAME`), pinned to
 * core 0 when `taskset` exists, while autocannon drives it from this process on core 1.
 *
 * Servers: raw node:http (the limit; measured first and last, the drift is shown), fastify
 * (bare, and with gaekit's features: gzip, body limit, request id, a JSON log line per request),
 * hono (@hono/node-server), express, h3, and gaekit's pipeline with inline, worker and process
 * instances. Routes: `/hello` (13 bytes of text), `/json` (~10 KB) with and without
 * `Accept-Encoding: gzip` and a browser User-Agent, `/static/file.bin` (50 KB,
 * `Cache-Control: public, max-age=600`; a static handler on gaekit), and on gaekit `/cached`
 * (the JSON with `public, max-age=600`, so the front-end cache answers).
 *
 * Figures: requests/s, p50/p99 latency, errors and non-2xx, server CPU per request (user+system
 * of the server process and its children, from /proc) and peak RSS (VmHWM). Every figure that
 * READMEs quote is the ratio of requests/s to raw node:http on the same route.
 * `GAEKIT_BENCH_SERVERS=fastify,gaekit-inline` limits the run to those servers (raw always runs).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import {
  listeningPort,
  runLength,
  type SuiteResult,
  serveFixedAnswer,
  stopChild,
} from '../suite.js';

const fixtures = fileURLToPath(new URL('../../fixtures/http/', import.meta.url));
const STATIC_HEADERS = {
  'content-type': 'application/octet-stream',
  'cache-control': 'public, max-age=600',
};

type ServerName =
  | 'raw'
  | 'fastify'
  | 'fastify-features'
  | 'hono'
  | 'express'
  | 'h3'
  | 'gaekit-inline'
  | 'gaekit-worker'
  | 'gaekit-process'
  | 'ceiling-front-only';

const ALL_SERVERS: ServerName[] = [
  'fastify',
  'fastify-features',
  'hono',
  'express',
  'h3',
  'gaekit-inline',
  'gaekit-worker',
  'gaekit-process',
  'ceiling-front-only',
];

/**
 * A ceiling, not a peer: gaekit's front (`servePipeline`: the request read into a record,
 * the answer written at the end of the turn) answering a fixed record itself, with no
 * routing, headers, logs, cache or app. Whatever the pipeline does is added to this, so it
 * bounds what the pipeline can reach on this machine. Measured on the dynamic route only.
 */
const CEILING_ROUTES = ['/hello'];

interface Bodies {
  HELLO: string;
  JSON_BODY: string;
  STATIC_BYTES: Uint8Array;
}

async function bodies(): Promise<Bodies> {
  return (await import(join(fixtures, 'bodies.mjs'))) as Bodies;
}

function announce(port: number): void {
  console.log(`listening ${port}`);
}

/** Runs as a server when this file is started with `--server NAME --root DIR`. */
async function serve(name: ServerName, root: string): Promise<void> {
  const { HELLO, JSON_BODY, STATIC_BYTES } = await bodies();
  const staticBody = Buffer.from(STATIC_BYTES);
  process.on('SIGTERM', () => process.exit(0));
  switch (name) {
    case 'raw': {
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        if (req.url === '/hello') res.writeHead(200, { 'content-type': 'text/plain' }).end(HELLO);
        else if (req.url === '/json')
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON_BODY);
        else if (req.url === '/static/file.bin') res.writeHead(200, STATIC_HEADERS).end(staticBody);
        else res.writeHead(404).end();
      });
      server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
      return;
    }
    case 'fastify': {
      const { default: Fastify } = await import('fastify');
      const app = Fastify();
      app.get('/hello', (_req, reply) => reply.type('text/plain').send(HELLO));
      app.get('/json', (_req, reply) => reply.type('application/json').send(JSON_BODY));
      app.get('/static/file.bin', (_req, reply) => reply.headers(STATIC_HEADERS).send(staticBody));
      await app.listen({ port: 0, host: '127.0.0.1' });
      announce((app.server.address() as { port: number }).port);
      return;
    }
    case 'fastify-features': {
      // Fastify with what the gaekit pipeline always does: gzip, a 32 MB body limit, a request
      // id and one JSON log line per request (pino, to a sink that discards it).
      const { default: Fastify } = await import('fastify');
      const { default: compress } = await import('@fastify/compress');
      const { randomBytes } = await import('node:crypto');
      const app = Fastify({
        bodyLimit: 32 * 1024 * 1024,
        genReqId: () => randomBytes(16).toString('hex'),
        // Fastify's own request logging: JSON lines with the request id, method, URL, status.
        logger: { level: 'info', stream: { write: () => undefined } },
      });
      await app.register(compress, { global: true, encodings: ['gzip'] });
      app.get('/hello', (_req, reply) => reply.type('text/plain').send(HELLO));
      app.get('/json', (_req, reply) => reply.type('application/json').send(JSON_BODY));
      app.get('/static/file.bin', (_req, reply) => reply.headers(STATIC_HEADERS).send(staticBody));
      await app.listen({ port: 0, host: '127.0.0.1' });
      announce((app.server.address() as { port: number }).port);
      return;
    }
    case 'hono': {
      const { Hono } = await import('hono');
      const { serve: serveHono } = await import('@hono/node-server');
      const app = new Hono();
      app.get('/hello', (c) => c.text(HELLO));
      app.get('/json', (c) => c.body(JSON_BODY, 200, { 'content-type': 'application/json' }));
      app.get('/static/file.bin', (c) => c.body(staticBody, 200, STATIC_HEADERS));
      serveHono({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        announce(info.port),
      );
      return;
    }
    case 'express': {
      const { default: express } = await import('express');
      const app = express();
      app.get('/hello', (_req, res) => {
        res.type('text/plain').send(HELLO);
      });
      app.get('/json', (_req, res) => {
        res.type('application/json').send(JSON_BODY);
      });
      app.get('/static/file.bin', (_req, res) => {
        res.set(STATIC_HEADERS).send(staticBody);
      });
      const server = app.listen(0, '127.0.0.1', () =>
        announce((server.address() as { port: number }).port),
      );
      return;
    }
    case 'h3': {
      const { H3 } = await import('h3');
      const { toNodeHandler } = await import('h3/node');
      const app = new H3();
      app.get('/hello', () => new Response(HELLO, { headers: { 'content-type': 'text/plain' } }));
      app.get(
        '/json',
        () => new Response(JSON_BODY, { headers: { 'content-type': 'application/json' } }),
      );
      app.get('/static/file.bin', () => new Response(staticBody, { headers: STATIC_HEADERS }));
      const server = createServer(toNodeHandler(app));
      server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
      return;
    }
    case 'ceiling-front-only': {
      announce(await serveFixedAnswer(HELLO));
      return;
    }
    default: {
      const { createPipeline } = await import('@gaekit/pipeline');
      const kind = name.slice('gaekit-'.length) as 'inline' | 'worker' | 'process';
      const appModule = join(fixtures, 'app.mjs');
      const pipeline = createPipeline({
        root,
        config: {
          runtime: 'nodejs22',
          handlers: [
            { url: '/static', staticDir: 'static', expiration: '10m' },
            { url: '/.*', script: 'auto' },
          ],
        },
        instances: kind,
        ...(kind === 'process'
          ? { entrypoint: `node ${join(fixtures, 'server.mjs')}` }
          : kind === 'inline'
            ? {
                handler: (
                  (await import(appModule)) as { default: { fetch: (r: Request) => Response } }
                ).default.fetch,
              }
            : { module: appModule }),
        onWarning: () => undefined,
      });
      const server = await pipeline.listen({ port: 0, host: '127.0.0.1' });
      announce(server.port);
    }
  }
}

const serverIndex = process.argv.indexOf('--server');
if (serverIndex !== -1) {
  const rootIndex = process.argv.indexOf('--root');
  await serve(process.argv[serverIndex + 1] as ServerName, process.argv[rootIndex + 1] ?? '.');
}

const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function startServer(
  name: ServerName,
  root: string,
): Promise<{ child: ChildProcess; port: number }> {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, '--server', name, '--root', root];
  const child = hasTaskset
    ? spawn('taskset', ['-c', '0', process.execPath, ...args], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, args, {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
  return listeningPort(child, name);
}

/** The process and every descendant (gaekit process instances are children). */
function processTree(pid: number): number[] {
  const all = [pid];
  for (let i = 0; i < all.length; i++) {
    const current = all[i] as number;
    try {
      for (const task of readdirSync(`/proc/${current}/task`)) {
        const children = readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim();
        if (children) all.push(...children.split(' ').map(Number));
      }
    } catch {
      // The process ended meanwhile.
    }
  }
  return all;
}

const CLOCK_TICKS = 100;

/** CPU seconds (user + system) and peak RSS (MB) of a process tree, read from /proc. */
function usage(pid: number): { cpu: number; peakRssMb: number } {
  let cpu = 0;
  let peak = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      cpu += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      peak += Number(hwm?.[1] ?? 0) / 1024;
    } catch {
      // Gone.
    }
  }
  return { cpu, peakRssMb: peak };
}

interface Route {
  name: string;
  path: string;
  headers?: Record<string, string>;
  gaekitOnly?: boolean;
}

const BROWSER =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const ROUTES: Route[] = [
  { name: '/hello', path: '/hello' },
  { name: '/json', path: '/json' },
  {
    name: '/json gzip',
    path: '/json',
    headers: { 'accept-encoding': 'gzip', 'user-agent': BROWSER },
  },
  { name: '/static 50 KB', path: '/static/file.bin' },
  { name: '/cached (edge cache hit)', path: '/cached', gaekitOnly: true },
];

const SMOKE_ROUTES = ['/hello', '/static 50 KB', '/cached (edge cache hit)'];

interface Measurement {
  server: string;
  route: string;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  cpuUsPerRequest: number;
  peakRssMb: number;
}

async function load(
  name: string,
  port: number,
  pid: number,
  route: Route,
  seconds: number,
  warmupSeconds: number,
): Promise<Measurement> {
  const url = `http://127.0.0.1:${port}${route.path}`;
  const headers = route.headers ?? {};
  if (warmupSeconds > 0) {
    await autocannon({ url, headers, connections: 20, ...runLength(warmupSeconds) });
  }
  const before = usage(pid);
  const result = await autocannon({ url, headers, connections: 20, ...runLength(seconds) });
  const after = usage(pid);
  const total = result.requests.total || 1;
  return {
    server: name,
    route: route.name,
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    cpuUsPerRequest: ((after.cpu - before.cpu) * 1e6) / total,
    peakRssMb: after.peakRssMb,
  };
}

async function measureServer(
  routes: readonly Route[],
  name: ServerName,
  root: string,
  seconds: number,
  warmup: number,
): Promise<Measurement[]> {
  const { child, port } = await startServer(name, root);
  try {
    const results: Measurement[] = [];
    const pid = child.pid ?? 0;
    for (const route of routes) {
      if (route.gaekitOnly && !name.startsWith('gaekit')) continue;
      if (name.startsWith('ceiling') && !CEILING_ROUTES.includes(route.name)) continue;
      results.push(await load(name, port, pid, route, seconds, warmup));
    }
    return results;
  } finally {
    await stopChild(child);
  }
}

function fmt(value: number, digits = 0): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** The suite: every server on every route, ratios to raw node:http measured first and last. */
export async function run({ smoke }: { smoke: boolean }): Promise<SuiteResult> {
  if (hasTaskset)
    execFileSync('taskset', ['-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
  const seconds = smoke ? 0.3 : 10;
  const warmup = smoke ? 0 : 2;
  // A smoke run proves each server answers on the static, dynamic and cache paths.
  const routes = smoke ? ROUTES.filter((r) => SMOKE_ROUTES.includes(r.name)) : ROUTES;
  const root = mkdtempSync(join(tmpdir(), 'gaekit-bench-http-'));
  mkdirSync(join(root, 'static'));
  writeFileSync(join(root, 'static', 'file.bin'), (await bodies()).STATIC_BYTES);
  const only = process.env.GAEKIT_BENCH_SERVERS?.split(',').map((s) => s.trim());
  const servers = ALL_SERVERS.filter((s) => !only || only.includes(s));
  try {
    const rawFirst = await measureServer(routes, 'raw', root, seconds, warmup);
    const measured: Measurement[] = [];
    for (const server of servers) {
      console.log(`  ${server}`);
      measured.push(...(await measureServer(routes, server, root, seconds, warmup)));
    }
    const rawLast = await measureServer(routes, 'raw', root, seconds, warmup);
    const rawRps = (route: string) => {
      const first = rawFirst.find((m) => m.route === route)?.requestsPerSecond ?? Number.NaN;
      const last = rawLast.find((m) => m.route === route)?.requestsPerSecond ?? Number.NaN;
      return { mean: (first + last) / 2, drift: (last - first) / first };
    };
    // The cache hit is compared with raw serving the same JSON bytes.
    const baselineRoute = (route: string) => (route.startsWith('/cached') ? '/json' : route);
    const rows = [
      ...rawFirst.map((m) => ({ ...m, server: 'raw (first)' })),
      ...measured,
      ...rawLast.map((m) => ({ ...m, server: 'raw (last)' })),
    ];
    const table = [
      '| server | route | req/s | × raw | p50 ms | p99 ms | errors | non-2xx | server CPU µs/req | peak RSS MB |',
      '|---|---|---|---|---|---|---|---|---|---|',
      ...rows.map((m) => {
        const raw = rawRps(baselineRoute(m.route)).mean;
        return `| ${m.server} | ${m.route} | ${fmt(m.requestsPerSecond)} | ${fmt(m.requestsPerSecond / raw, 2)} | ${fmt(m.p50Ms, 1)} | ${fmt(m.p99Ms, 1)} | ${m.errors} | ${m.non2xx} | ${fmt(m.cpuUsPerRequest, 1)} | ${fmt(m.peakRssMb, 1)} |`;
      }),
    ];
    const drift = routes
      .filter((r) => !r.gaekitOnly)
      .map((r) => `${r.name} ${fmt(rawRps(r.name).drift * 100, 1)} %`)
      .join(', ');
    const markdown = [
      `autocannon, 20 connections, ${seconds} s per route after ${warmup} s warm-up${hasTaskset ? '; server on core 0, load generator on core 1' : ''}. "× raw" is requests/s over raw node:http on the same route (mean of the first and last raw runs; the cache hit is compared with raw /json). Raw drift, last vs first: ${drift}. gaekit runs the whole front end (headers, routing, limits, logs, cache, gzip); raw and the peers do not gzip. "ceiling-front-only" is not a peer: gaekit's front (servePipeline) answering a fixed record itself, with no routing, headers, logs or app, the most the pipeline could reach here (/hello only).`,
      '',
      ...table,
    ].join('\n');
    return {
      title: 'HTTP load: gaekit vs raw node:http and peers',
      markdown,
      data: {
        seconds,
        warmup,
        pinned: hasTaskset,
        raw: { first: rawFirst, last: rawLast },
        measured,
      },
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
