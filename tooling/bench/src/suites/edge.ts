/**
 * @gaekit/edge: a static file response and a front-end cache hit, each against raw node:http
 * serving the same bytes from memory, measured in the same run; then the cost of gzip per
 * body and level. Every server runs in its own process (this file doubles as the server
 * script with `--server KIND DIR`) and autocannon drives it from the bench process:
 *
 * - raw:    node:http answering every request with the file's bytes and the same header
 *           fields, prepared once (the gzip bytes too, for clients that accept gzip);
 * - static: `createStaticFiles().serveNow()` then `compressResponseNow()` per request (their
 *   promise forms when the file or its gzip is not ready yet), the path a
 *           static handler takes in the pipeline (the file is held in memory after the first
 *           request; its gzip is kept with it);
 * - cache:  `createEdgeCache().lookup()` per request, answered from the entry stored on the
 *           first request (`store()` after `serve()` and `compressResponse()`).
 *
 * req/s is measured with one server driven at a time; CPU per response with all three driven
 * at the same fixed rate at the same time, so each meets the same load from the rest of the
 * machine.
 *
 * Clients either send no `Accept-Encoding` (identity) or a browser's `User-Agent` with
 * `Accept-Encoding: gzip, deflate, br` (gzip). The gzip table compresses example bodies
 * (an HTML page, JSON, a JavaScript bundle, a stylesheet) in this process with node:zlib at
 * levels 1, 6 and 9.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { listeningPort, nsPerCall, runLength, type SuiteResult, stopChild } from '../suite.js';

type Kind = 'raw' | 'static' | 'cache';
type Client = 'identity' | 'gzip';

const BROWSER_UA =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
const CLIENT_HEADERS: Record<Client, Record<string, string>> = {
  identity: { accept: '*/*' },
  gzip: { accept: '*/*', 'accept-encoding': 'gzip, deflate, br', 'user-agent': BROWSER_UA },
};
const FILE = 'public/page.html';

/** Example bodies for the gzip table and the served file, built from installed packages. */
function exampleBodies(): Record<string, Buffer> {
  // Resolve through @gaekit/edge, whose dependencies these are.
  const fromEdge = createRequire(
    createRequire(import.meta.url).resolve('@gaekit/edge/package.json'),
  );
  const db = readFileSync(fromEdge.resolve('mime-db/db.json'));
  const js = readFileSync(fromEdge.resolve('lru-cache'));
  const types = Object.entries(
    JSON.parse(db.toString()) as Record<string, { extensions?: string[]; compressible?: boolean }>,
  );
  const rows = types
    .slice(0, 600)
    .map(
      ([type, info]) =>
        `<tr class="row"><td><a href="/types/${type}">${type}</a></td><td>${(info.extensions ?? []).join(', ')}</td><td>${info.compressible ? 'yes' : 'no'}</td></tr>`,
    );
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Media types</title><link rel="stylesheet" href="/static/site.css"></head><body><header><nav><a href="/">Home</a> <a href="/types">Types</a></nav></header><main><h1>Media types</h1><table><thead><tr><th>Type</th><th>Extensions</th><th>Compressible</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></main><footer><p>Generated for the benchmark.</p></footer></body></html>\n`;
  const css = types
    .slice(0, 800)
    .map(
      ([type], i) =>
        `.type-${type.replace(/[^a-z0-9]/gi, '-')} {\n  color: #${((i * 2654435761) % 0xffffff).toString(16).padStart(6, '0')};\n  margin: ${i % 7}px ${i % 5}px;\n  font-weight: ${i % 2 ? 400 : 700};\n}\n`,
    )
    .join('');
  return {
    'HTML page': Buffer.from(html),
    JSON: db,
    'JavaScript bundle': js,
    stylesheet: Buffer.from(css),
  };
}

/** Runs as a server when this file is started with `--server KIND DIR`. */
async function serve(kind: Kind, dir: string): Promise<void> {
  const requestOf = (req: import('node:http').IncomingMessage) => {
    const headers: [string, string][] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2)
      headers.push([raw[i] as string, raw[i + 1] as string]);
    return { method: req.method ?? 'GET', url: `http://127.0.0.1${req.url ?? '/'}`, headers };
  };
  let listener: (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => void;
  if (kind === 'raw') {
    const body = readFileSync(join(dir, FILE));
    const zipped = gzipSync(body, { level: 6 });
    const common = [
      'Cache-Control',
      'public, max-age=600',
      'Expires',
      new Date(Date.now() + 600_000).toUTCString(),
      'ETag',
      '"bench"',
      'Last-Modified',
      new Date().toUTCString(),
    ];
    const plainHeaders = [
      'Content-Type',
      'text/html; charset=utf-8',
      ...common,
      'Content-Length',
      String(body.length),
    ];
    const gzipHeaders = [
      'Content-Type',
      'text/html; charset=utf-8',
      ...common,
      'Content-Encoding',
      'gzip',
      'Content-Length',
      String(zipped.length),
    ];
    listener = (req, res) => {
      const gzip = (req.headers['accept-encoding'] ?? '').includes('gzip');
      res.writeHead(200, gzip ? gzipHeaders : plainHeaders);
      res.end(gzip ? zipped : body);
    };
  } else {
    const edge = await import('@gaekit/edge');
    const statics = edge.createStaticFiles({ root: dir, watch: false });
    const cache = edge.createEdgeCache({ maxBytes: 64 * 1024 * 1024 });
    const handler = { url: '/static', staticDir: 'public' };
    const send = (
      res: import('node:http').ServerResponse,
      response: import('@gaekit/edge').ResponseRecordLike,
    ) => {
      const flat: string[] = [];
      for (const [name, value] of response.headers) flat.push(name, value);
      res.writeHead(response.status, flat);
      res.end(response.body);
    };
    listener = (req, res) => {
      const request = requestOf(req);
      if (kind === 'cache') {
        const hit = cache.lookup(request);
        if (hit) {
          send(res, hit);
          return;
        }
      }
      // In memory, and its gzip already made: answer in this tick, as the cache hit does.
      const held = statics.serveNow(FILE, handler, request);
      const ready = held && edge.compressResponseNow(request, held);
      if (ready) {
        if (kind === 'cache') cache.store(request, ready, { staticHandler: true });
        send(res, ready);
        return;
      }
      void statics
        .serve(FILE, handler, request)
        .then((response) => edge.compressResponse(request, response))
        .then((response) => {
          if (kind === 'cache') cache.store(request, response, { staticHandler: true });
          send(res, response);
        });
    };
  }
  // Server CPU time and responses so far, so the bench can compute CPU per response.
  let served = 0;
  const server = createServer((req, res) => {
    if (req.url === '/__cpu') {
      const { user, system } = process.cpuUsage();
      res.end(JSON.stringify({ cpuMicros: user + system, served }));
      return;
    }
    served++;
    listener(req, res);
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

const serverIndex = process.argv.indexOf('--server');
if (serverIndex !== -1) {
  await serve(process.argv[serverIndex + 1] as Kind, process.argv[serverIndex + 2] as string);
}

function startServer(kind: Kind, dir: string): Promise<{ child: ChildProcess; port: number }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--server', kind, dir], {
    // tsx and @gaekit/edge resolve from the bench package.
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return listeningPort(child, kind);
}

interface Measured {
  round: number;
  kind: Kind;
  client: Client;
  requestsPerSecond: number;
  latencyP99Ms: number;
  errors: number;
  non2xx: number;
  bytesPerResponse: number;
  /** Server CPU time (user + system) per response, in microseconds. */
  cpuMicrosPerResponse: number;
}

async function cpu(port: number): Promise<{ cpuMicros: number; served: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/__cpu`);
  return (await response.json()) as { cpuMicros: number; served: number };
}

/** Requests per second of the fixed-rate turn that measures CPU per response. */
const CPU_RATE = 2000;

/** As fast as it goes, one server alone: req/s, latency, errors, bytes. */
async function throughput(
  port: number,
  client: Client,
  seconds: number,
): Promise<Omit<Measured, 'round' | 'kind' | 'client' | 'cpuMicrosPerResponse'>> {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: urlOf(port, client),
    headers: CLIENT_HEADERS[client],
    connections: 32,
    ...runLength(seconds),
  });
  return {
    requestsPerSecond: Math.round(result.requests.average),
    latencyP99Ms: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    bytesPerResponse:
      result.requests.total > 0 ? Math.round(result.throughput.total / result.requests.total) : 0,
  };
}

/**
 * Server CPU time per response of every server, driven at the same fixed rate at the same
 * time: the batching of reads and writes is the same for each, and so is whatever else the
 * machine is doing meanwhile (a shared machine's load changes from second to second, and
 * turns one after another would each meet a different load).
 */
async function cpuPerResponse(ports: number[], client: Client, seconds: number): Promise<number[]> {
  const { default: autocannon } = await import('autocannon');
  const before = await Promise.all(ports.map(cpu));
  await Promise.all(
    ports.map((port) =>
      autocannon({
        url: urlOf(port, client),
        headers: CLIENT_HEADERS[client],
        connections: 8,
        ...runLength(seconds),
        overallRate: CPU_RATE,
      }),
    ),
  );
  const after = await Promise.all(ports.map(cpu));
  return ports.map((_, i) => {
    const a = after[i] as { cpuMicros: number; served: number };
    const b = before[i] as { cpuMicros: number; served: number };
    return a.served > b.served ? (a.cpuMicros - b.cpuMicros) / (a.served - b.served) : 0;
  });
}

/** The query keeps the cache's identity and gzip entries apart (one entry per URL). */
function urlOf(port: number, client: Client): string {
  return `http://127.0.0.1:${port}/static/page.html?${client}`;
}

/**
 * All three servers run at once. Round after round, each is driven as fast as it goes alone
 * (the order rotating, so a slow moment of the machine falls on every target alike), then
 * all three together at a fixed rate for CPU per response; ratios are taken within a round.
 */
async function measureAll(dir: string, seconds: number, rounds: number): Promise<Measured[]> {
  const kinds: Kind[] = ['raw', 'static', 'cache'];
  const servers = new Map<Kind, { child: ChildProcess; port: number }>();
  try {
    for (const kind of kinds) servers.set(kind, await startServer(kind, dir));
    const portOf = (kind: Kind) => (servers.get(kind) as { port: number }).port;
    // Warm up (not in a smoke run, which only proves each server answers).
    if (seconds >= 1) {
      for (const client of ['identity', 'gzip'] as const) {
        for (const kind of kinds) await throughput(portOf(kind), client, seconds);
        await cpuPerResponse(kinds.map(portOf), client, seconds);
      }
    }
    const measured: Measured[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const client of ['identity', 'gzip'] as const) {
        const fast = new Map<Kind, Awaited<ReturnType<typeof throughput>>>();
        for (let i = 0; i < kinds.length; i++) {
          const kind = kinds[(i + round) % kinds.length] as Kind;
          fast.set(kind, await throughput(portOf(kind), client, seconds));
        }
        // Twice as long: more responses per figure, as CPU per response is what the target is on.
        const cpus = await cpuPerResponse(kinds.map(portOf), client, 2 * seconds);
        kinds.forEach((kind, i) => {
          const figures = fast.get(kind) as Awaited<ReturnType<typeof throughput>>;
          measured.push({ round, kind, client, ...figures, cpuMicrosPerResponse: cpus[i] ?? 0 });
        });
      }
    }
    return measured;
  } finally {
    for (const { child } of servers.values()) await stopChild(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

interface GzipRow {
  body: string;
  bytes: number;
  levels: Array<{ level: number; ratio: number; microseconds: number; mbPerSecond: number }>;
}

function gzipTable(bodies: Record<string, Buffer>, ms: number): GzipRow[] {
  const rows: GzipRow[] = [];
  for (const [name, full] of Object.entries(bodies)) {
    for (const size of [1024, 16 * 1024, full.length]) {
      if (size > full.length) continue;
      const body = full.subarray(0, size);
      const out = new Map([1, 6, 9].map((level) => [level, gzipSync(body, { level }).length]));
      // Levels take turns, and the fastest turn counts: other load only ever adds time.
      const best = new Map<number, number>();
      for (let turn = 0; turn < 5; turn++) {
        for (const level of [1, 6, 9]) {
          const ns = nsPerCall(() => gzipSync(body, { level }), ms / 5, 20_000);
          best.set(level, Math.min(best.get(level) ?? Number.POSITIVE_INFINITY, ns));
        }
      }
      const levels = [1, 6, 9].map((level) => {
        const ns = best.get(level) ?? 0;
        return {
          level,
          ratio: (out.get(level) ?? 0) / body.length,
          microseconds: ns / 1000,
          mbPerSecond: body.length / 1e6 / (ns / 1e9),
        };
      });
      rows.push({ body: name, bytes: body.length, levels });
    }
  }
  return rows;
}

/** The suite: req/s of static and cache-hit responses vs raw node:http, and gzip per level. */
export async function run({ smoke }: { smoke: boolean }): Promise<SuiteResult> {
  // Many short turns rather than a few long ones: the machine's other load changes quickly.
  const seconds = smoke ? 0.3 : 1;
  const rounds = smoke ? 1 : 9;
  const bodies = exampleBodies();
  // A 16 KB page: small enough that the server's work per request shows, not only bytes.
  const served = (bodies['HTML page'] as Buffer).subarray(0, 16 * 1024);
  const dir = mkdtempSync(join(tmpdir(), 'gaekit-bench-edge-'));
  let all: Measured[] = [];
  try {
    mkdirSync(join(dir, 'public'));
    writeFileSync(join(dir, FILE), served);
    all = await measureAll(dir, seconds, rounds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const summary = (['identity', 'gzip'] as const).flatMap((client) =>
    (['raw', 'static', 'cache'] as const).map((kind) => {
      const runs = all.filter((m) => m.kind === kind && m.client === client);
      const rawOf = (m: Measured) =>
        all.find((r) => r.kind === 'raw' && r.client === client && r.round === m.round);
      const ratios = runs.map((m) => {
        const raw = rawOf(m);
        return raw && raw.requestsPerSecond > 0 ? m.requestsPerSecond / raw.requestsPerSecond : 0;
      });
      // Raw CPU per response over this one's: the throughput ratio of a server-bound run.
      const cpuRatios = runs.map((m) => {
        const raw = rawOf(m);
        return raw && m.cpuMicrosPerResponse > 0
          ? raw.cpuMicrosPerResponse / m.cpuMicrosPerResponse
          : 0;
      });
      return {
        kind,
        client,
        requestsPerSecond: median(runs.map((m) => m.requestsPerSecond)),
        ratioToRaw: median(ratios),
        cpuMicrosPerResponse: median(runs.map((m) => m.cpuMicrosPerResponse)),
        cpuRatioToRaw: median(cpuRatios),
        latencyP99Ms: median(runs.map((m) => m.latencyP99Ms)),
        errors: runs.reduce((sum, m) => sum + m.errors, 0),
        non2xx: runs.reduce((sum, m) => sum + m.non2xx, 0),
        bytesPerResponse: median(runs.map((m) => m.bytesPerResponse)),
      };
    }),
  );
  const label: Record<Kind, string> = {
    raw: 'raw node:http, bytes in memory (baseline)',
    static: '@gaekit/edge static file (serveNow + compressResponseNow)',
    cache: '@gaekit/edge cache hit (lookup)',
  };
  const httpRows = summary.map(
    (s) =>
      `| ${s.client} | ${label[s.kind]} | ${s.requestsPerSecond} | ${s.ratioToRaw.toFixed(2)}× | ${s.cpuMicrosPerResponse.toFixed(1)} | ${s.cpuRatioToRaw.toFixed(2)}× | ${s.kind === 'raw' ? '' : '≥ 0.90×'} | ${s.latencyP99Ms} | ${s.bytesPerResponse} | ${s.errors + s.non2xx} |`,
  );

  const gzip = gzipTable(bodies, smoke ? 20 : 300);
  const kb = (n: number) =>
    n >= 1024 ? `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB` : `${n} B`;
  const gzipRows = gzip.map((row) => {
    const cells = row.levels.map(
      (l) => `${(l.ratio * 100).toFixed(1)} % / ${l.microseconds.toFixed(0)} µs`,
    );
    const [one, six] = row.levels;
    const extra =
      one && six
        ? `${((1 - six.ratio / one.ratio) * 100).toFixed(1)} % | ${(six.microseconds / one.microseconds).toFixed(2)}×`
        : ' | ';
    return `| ${row.body} | ${kb(row.bytes)} | ${cells.join(' | ')} | ${extra} |`;
  });
  const markdown = [
    `autocannon, ${seconds} s per target, client and turn, ${rounds} round(s) after a warm-up, the three servers (each its own process) measured in turn within a round; median req/s (as fast as it goes, 32 connections) and server CPU time per response (user + system, in a ${2 * seconds} s turn driving the three servers at the same time, each at a fixed ${CPU_RATE} req/s), and medians of the per-round ratios to raw. The machine is shared, so req/s moves with other load; CPU per response moves much less and is the figure the target applies to. The file is the first ${kb(served.length)} of the HTML page below. "gzip" clients send a browser User-Agent and Accept-Encoding: gzip, deflate, br (raw answers its prepared gzip bytes).`,
    '',
    '| client | server | req/s | req/s ratio to raw | server CPU µs/response | CPU ratio (raw ÷ this) | target | p99 ms | bytes/response | errors + non-2xx |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...httpRows,
    '',
    '',
    'gzip (node:zlib, synchronous, in the bench process): compressed size as % of the body / time per body (fastest of 5 turns), per level; the first 1 KB, the first 16 KB and the whole body.',
    '',
    '| body | size | level 1 | level 6 | level 9 | level 6 smaller than 1 by | level 6 time ÷ level 1 |',
    '|---|---|---|---|---|---|---|',
    ...gzipRows,
  ].join('\n');
  return {
    title: '@gaekit/edge: static and cache-hit responses vs raw node:http; gzip per level',
    markdown,
    data: { http: summary, runs: all, gzip, seconds, rounds },
  };
}
