/**
 * @gaekit/limits: peak memory of a server while it refuses a 64 MB upload, against a raw
 * node:http server that discards the body, measured in the same run. Every server runs in its
 * own fresh process (this file doubles as the server script with `--server KIND`), so its
 * peak resident set (`process.resourceUsage().maxRSS`, kept by the kernel) belongs to one
 * upload only:
 *
 * - raw:              node:http, `req.resume()` discards the body, answers 200;
 * - limits, chunked:  createLimitedListener with App Engine's 32 MB limit, body sent without
 *                     Content-Length, so 32 MB are buffered before the refusal (413);
 * - limits, declared: the same with `Content-Length: 64 MB`: refused from the head, the body
 *                     is read and discarded (413);
 * - naive buffering:  node:http collecting every chunk and concatenating (what a server without
 *                     a limit while reading does), for context.
 *
 * The figure is the rise of the peak RSS over the process's RSS before the upload.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { fileURLToPath } from 'node:url';
import type { LimitedListenerOptions } from '@gaekit/limits';
import { listeningPort, type SuiteResult, stopChild } from '../suite.js';

type Kind = 'raw' | 'limits' | 'naive';
type Upload = 'chunked' | 'declared';

const MiB = 1024 * 1024;

function memoryReport(res: ServerResponse): void {
  const body = JSON.stringify({
    rss: process.memoryUsage.rss(),
    maxRss: process.resourceUsage().maxRSS * 1024,
  });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}

/** Runs as a server when this file is started with `--server KIND`. */
async function serve(kind: Kind): Promise<void> {
  let listener: (req: IncomingMessage, res: ServerResponse) => void;
  let server: ReturnType<typeof createServer>;
  if (kind === 'limits') {
    const limits = await import('@gaekit/limits');
    const options: LimitedListenerOptions = { log: () => undefined };
    const limited = limits.createLimitedListener(
      (request) => ({
        status: 200,
        headers: [],
        body: new TextEncoder().encode(`${request.body.byteLength}`),
      }),
      options,
    );
    listener = (req, res) => (req.url === '/__memory' ? memoryReport(res) : limited(req, res));
    server = limits.applyServerLimits(
      createServer(limits.nodeServerOptions(options), listener),
      options,
    );
  } else {
    listener = (req, res) => {
      if (req.url === '/__memory') {
        memoryReport(res);
        return;
      }
      if (kind === 'raw') {
        req.resume();
        req.on('end', () => res.end('ok'));
        return;
      }
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => res.end(String(Buffer.concat(chunks).byteLength)));
    };
    server = createServer(listener);
  }
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
  });
  process.on('SIGTERM', () => process.exit(0));
}

const serverIndex = process.argv.indexOf('--server');
if (serverIndex !== -1) await serve(process.argv[serverIndex + 1] as Kind);

function startServer(kind: Kind): Promise<{ child: ChildProcess; port: number }> {
  const self = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ['--import', 'tsx', self, '--server', kind], {
    // tsx and @gaekit/limits resolve from the bench package.
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return listeningPort(child, kind);
}

async function memory(port: number): Promise<{ rss: number; maxRss: number }> {
  const response = await fetch(`http://127.0.0.1:${port}/__memory`);
  return (await response.json()) as { rss: number; maxRss: number };
}

/** Uploads `bytes` in 64 KB pieces from one reused buffer; resolves with the status. */
function upload(port: number, bytes: number, mode: Upload): Promise<number> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/upload',
      headers:
        mode === 'declared'
          ? { 'content-length': String(bytes) }
          : { 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => {
        answered = true;
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const piece = Buffer.alloc(64 * 1024, 97);
    let sent = 0;
    const pump = () => {
      while (sent < bytes && !req.destroyed) {
        sent += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      if (!req.destroyed) req.end();
    };
    pump();
  });
}

interface Measured {
  target: string;
  status: number;
  peakRiseMb: number;
}

async function measure(kind: Kind, mode: Upload, bytes: number): Promise<Measured> {
  const { child, port } = await startServer(kind);
  try {
    // Warm up the request path with a small upload so code loading is not counted.
    await upload(port, 64 * 1024, mode);
    const before = await memory(port);
    const status = await upload(port, bytes, mode);
    const after = await memory(port);
    const peak = Math.max(after.maxRss, before.maxRss);
    return {
      target: `${kind} (${mode})`,
      status,
      peakRiseMb: Math.max(0, (peak - before.rss) / MiB),
    };
  } finally {
    await stopChild(child);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The suite: peak RSS rise while refusing a 64 MB upload, with raw node:http as baseline. */
export async function run({ smoke }: { smoke: boolean }): Promise<SuiteResult> {
  const bytes = 64 * MiB;
  const runs = smoke ? 1 : 3;
  const targets: Array<[Kind, Upload]> = [
    ['raw', 'chunked'],
    ['limits', 'chunked'],
    ['limits', 'declared'],
    ['naive', 'chunked'],
  ];
  const results: Array<Measured & { runsMb: number[] }> = [];
  for (const [kind, mode] of targets) {
    const all: Measured[] = [];
    for (let i = 0; i < runs; i++) all.push(await measure(kind, mode, bytes));
    const runsMb = all.map((m) => m.peakRiseMb);
    results.push({ ...(all[0] as Measured), peakRiseMb: median(runsMb), runsMb });
  }
  const raw = results[0]?.peakRiseMb ?? 0;
  const label: Record<string, string> = {
    'raw (chunked)': 'raw node:http, body discarded (baseline)',
    'limits (chunked)': '@gaekit/limits, 64 MB chunked (no Content-Length)',
    'limits (declared)': '@gaekit/limits, Content-Length: 64 MB',
    'naive (chunked)': 'naive: collect chunks + Buffer.concat (context)',
  };
  const rows = results.map(
    (r) =>
      `| ${label[r.target] ?? r.target} | ${r.status} | ${r.peakRiseMb.toFixed(1)} | ${(r.peakRiseMb - raw).toFixed(1)} |`,
  );
  const markdown = [
    `One 64 MB upload over 127.0.0.1 to a fresh server process; peak RSS (kernel maxRSS) minus RSS before the upload, median of ${runs} run(s). Limit: App Engine's 32 MB.`,
    '',
    '| server | status | peak RSS rise (MB) | above raw (MB) |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
  return {
    title: '@gaekit/limits: peak memory while refusing a 64 MB upload',
    markdown,
    data: results,
  };
}
