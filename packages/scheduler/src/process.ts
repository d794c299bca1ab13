import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { type Deadline, whenDeadline } from './deadline.js';
import type { CrashInfo, Driver, DriverContext } from './driver.js';
import { LoopbackClient } from './http-client.js';
import { forwardLines } from './lines.js';
import type { RequestRecord, ResponseRecord } from './types.js';

/** Process groups still running, killed if this process exits without closing its schedulers. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function track(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const group of liveGroups) signalGroup(group, 'SIGKILL');
  });
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * True while a process group has a member that is not a zombie. A zombie stays in its group
 * until reaped, and in a container whose init does not reap, that is forever; so on Linux the
 * process table is read, elsewhere `kill(-pgid, 0)` decides.
 */
function groupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return signalGroup(pgid, 0);
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after the last ')'.
      const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(group) === pgid && state !== 'Z' && state !== 'X') return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Hop-by-hop fields, which belong to one connection and never cross the proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
]);

/**
 * Header names already checked, with what they are: `1` a field to forward, `2` the host
 * field, `0` a hop-by-hop field. An app sees the same few names again and again; a bounded
 * cache spares the token check and the lower-casing for each of them.
 */
const knownNames = new Map<string, 0 | 1 | 2>();
const KNOWN_NAMES_MAX = 512;

/** What a header name is (see `knownNames`); throws a TypeError for one that is not a token. */
function nameKind(name: string): 0 | 1 | 2 {
  const known = knownNames.get(name);
  if (known !== undefined) return known;
  if (!TOKEN.test(name)) throw new TypeError(`invalid header name ${JSON.stringify(name)}`);
  const lower = name.toLowerCase();
  const kind = HOP_BY_HOP.has(lower) ? 0 : lower === 'host' ? 2 : 1;
  if (knownNames.size < KNOWN_NAMES_MAX) knownNames.set(name, kind);
  return kind;
}

/** True for a hop-by-hop field of the app's answer. */
function isHopByHop(name: string): boolean {
  const known = knownNames.get(name);
  if (known !== undefined) return known === 0;
  const hop = HOP_BY_HOP.has(name.toLowerCase());
  // Answers' names are cached only when they are tokens, as requests' are.
  if (knownNames.size < KNOWN_NAMES_MAX && TOKEN.test(name)) {
    knownNames.set(name, hop ? 0 : name.toLowerCase() === 'host' ? 2 : 1);
  }
  return hop;
}

/** Header names and methods (RFC 9110 tokens). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Characters a field value may not hold (as Node's http client checks). */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Characters a request target may not hold (as Node's http client checks). */
const INVALID_PATH = /[^\u0021-\u00ff]/;
const NO_BODY_METHODS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

/**
 * The request line and fields of a record for the app, hop-by-hop fields left out. Throws
 * a TypeError for a method, path or field that would not be a valid HTTP request (or
 * would smuggle another one).
 */
function requestHead(request: RequestRecord, hasBody: boolean): string {
  const path = pathOf(request.url);
  if (!TOKEN.test(request.method)) throw new TypeError(`invalid method ${request.method}`);
  if (INVALID_PATH.test(path)) throw new TypeError('the request path holds invalid characters');
  let head = `${request.method} ${path} HTTP/1.1\r\n`;
  let hasHost = false;
  for (const [name, value] of request.headers) {
    const kind = nameKind(name);
    if (INVALID_VALUE.test(value)) throw new TypeError(`invalid value of header ${name}`);
    if (kind === 0) continue;
    if (kind === 2) hasHost = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!hasHost) head += `host: ${hostOf(request.url)}\r\n`;
  if (hasBody) head += `content-length: ${request.body.byteLength}\r\n`;
  return `${head}\r\n`;
}

/** Path and query of a record's URL. */
function pathOf(url: string): string {
  if (url.startsWith('/')) return url;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** Host of a record's URL (`localhost` for a bare path). */
function hostOf(url: string): string {
  return url.startsWith('/') ? 'localhost' : new URL(url).host;
}

/** A simple command is run with `exec`, so the child's pid is the app's own (memory figures). */
function shellCommand(command: string): string {
  return /^[\w@%+=:,./ -]+$/.test(command) ? `exec ${command}` : command;
}

/**
 * The process kind: the app's own entrypoint (`node server.js`, `npm start`, any command) as
 * a child process in its own process group, with `PORT` and the `GAE_*` variables; requests
 * are forwarded over keep-alive loopback HTTP.
 */
export class ProcessDriver implements Driver {
  readonly kind = 'process' as const;
  readonly threadId = undefined;
  onCrash: (info: CrashInfo) => void = () => {};
  #child: ChildProcess | undefined;
  #client: LoopbackClient | undefined;
  #port = 0;
  #ending = false;
  #exited: Promise<void> = Promise.resolve();
  #outOfMemory = false;
  #stopping = false;

  constructor(
    private readonly command: string,
    private readonly ctx: DriverContext,
  ) {}

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(): Promise<void> {
    this.#port = await freePort();
    this.#client = new LoopbackClient(this.#port);
    const { NODE_OPTIONS: _inherited, ...parentEnv } = process.env;
    const nodeOptions = [
      this.ctx.env.NODE_OPTIONS,
      this.ctx.enforceMemory ? `--max-old-space-size=${this.ctx.memoryLimitMb}` : undefined,
    ]
      .filter(Boolean)
      .join(' ');
    const child = spawn('/bin/sh', ['-c', shellCommand(this.command)], {
      cwd: this.ctx.root,
      env: {
        ...parentEnv,
        ...this.ctx.env,
        PORT: String(this.#port),
        ...(nodeOptions ? { NODE_OPTIONS: nodeOptions } : {}),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    const pgid = child.pid;
    if (pgid !== undefined) track(pgid);
    forwardLines(child.stdout, (line) => this.ctx.output('stdout', line));
    forwardLines(child.stderr, (line) => {
      if (/heap out of memory|Reached heap limit/i.test(line)) this.#outOfMemory = true;
      this.ctx.output('stderr', line);
    });
    let exited = false;
    let exitDescription = '';
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exited = true;
        exitDescription = signal ? `signal ${signal}` : `code ${code}`;
        // Whatever the app left in its group (npm's child, a grandchild) goes with it,
        // except during a polite stop, which gives the whole group its grace period.
        if (pgid !== undefined && !this.#stopping) {
          signalGroup(pgid, 'SIGKILL');
          liveGroups.delete(pgid);
        }
        this.#client?.destroy();
        resolve();
      });
    });
    child.once('error', () => {});
    const started = Date.now();
    let ready = false;
    void this.#exited.then(() => {
      if (!ready || this.#ending) return;
      this.onCrash({
        error: new Error(`the app process exited with ${exitDescription}`),
        memory: this.#outOfMemory || exitDescription === 'signal SIGABRT',
      });
    });
    while (!exited) {
      if (await portAnswers(this.#port)) {
        ready = true;
        return;
      }
      if (Date.now() - started > this.ctx.startTimeoutMs) {
        await this.kill();
        throw new Error(
          `the app did not listen on PORT ${this.#port} within ${this.ctx.startTimeoutMs} ms (command: ${this.command})`,
        );
      }
      await sleep(20);
    }
    throw new Error(
      `the app process exited with ${exitDescription} before listening on PORT (command: ${this.command})`,
    );
  }

  handle(request: RequestRecord, deadline: Deadline): Promise<ResponseRecord> {
    const client = this.#client;
    if (this.#ending || !this.#child || !client) {
      return Promise.reject(new Error('instance is not running'));
    }
    return new Promise((resolve, reject) => {
      const hasBody = request.body.byteLength > 0 || !NO_BODY_METHODS.has(request.method);
      const head = requestHead(request, hasBody);
      let aborted = false;
      const exchange = client.send(
        request.method,
        head,
        hasBody ? request.body : undefined,
        (error, response) => {
          if (response) {
            // The client's array is this answer's own: hop-by-hop fields are dropped in place.
            const headers = response.headers;
            let kept = 0;
            for (let i = 0; i < headers.length; i++) {
              const pair = headers[i] as [string, string];
              if (!isHopByHop(pair[0])) headers[kept++] = pair;
            }
            headers.length = kept;
            resolve({ status: response.status, headers, body: response.body });
            return;
          }
          // A connection that breaks is most often the process dying: give the exit event
          // a moment to arrive, so the request is answered (once) as part of the crash.
          if (!aborted) setTimeout(() => reject(error), 200).unref();
        },
      );
      // HTTP has no other way to tell the app: at the deadline its connection is closed
      // (its `req` and `res` emit 'close'). The request is then left to the hard expiry,
      // which answers the platform's 500 and ends the instance after the grace period.
      whenDeadline(deadline, () => {
        aborted = true;
        exchange.abort();
      });
    });
  }

  async kill(): Promise<void> {
    this.#ending = true;
    const pid = this.#child?.pid;
    if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    await this.#exited;
  }

  async stop(graceMs: number): Promise<void> {
    this.#ending = true;
    this.#stopping = true;
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    // Wait for the whole group, not only the leader, to be gone.
    while (Date.now() < deadline && groupAlive(pid)) await sleep(20);
    signalGroup(pid, 'SIGKILL');
    await this.#exited;
    liveGroups.delete(pid);
  }

  memoryBytes(): number | undefined {
    const pid = this.#child?.pid;
    if (pid === undefined || this.#child?.exitCode !== null) return undefined;
    try {
      const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
      return Number.isFinite(resident) ? resident * 4096 : undefined;
    } catch {
      return undefined;
    }
  }
}
