import { existsSync } from 'node:fs';
import { basename, relative, resolve, sep } from 'node:path';
import { ConfigError, type Handler, loadConfig } from '@gaekit/config';
import { devSink, jsonSink } from '@gaekit/logging';
import {
  createPipeline,
  type Pipeline,
  type PipelineOptions,
  type PipelineServer,
  servePipeline,
} from '@gaekit/pipeline';
import chokidar from 'chokidar';
import { type CliIo, colors, ExitCode, printDiagnostics, shown } from '../output.js';

/** Options of `gae dev`. */
export interface DevOptions {
  port: number;
  host: string;
  mode: 'development' | 'production';
  /** `process` (default), `worker` or `inline`. */
  instances?: 'process' | 'worker' | 'inline';
  /** Fetch-handler module for worker/inline instances. */
  module?: string;
  cache: boolean;
  debugHeaders: boolean;
  http2: boolean;
  watch: boolean;
  /** Write request logs as Cloud Logging JSON instead of the coloured lines. */
  jsonLogs: boolean;
  /** Resolves when the server should stop (tests); SIGINT/SIGTERM otherwise. */
  until?: Promise<void>;
}

function describeHandler(handler: Handler): string {
  if (handler.staticDir !== undefined) return `static dir  ${handler.staticDir}`;
  if (handler.staticFiles !== undefined) return `static file ${handler.staticFiles}`;
  return `app         script: ${handler.script ?? 'auto'}`;
}

function handlerTable(handlers: readonly Handler[]): string[] {
  if (handlers.length === 0) return ['    (no handlers: every request goes to the app)'];
  const width = Math.min(40, Math.max(...handlers.map((h) => h.url.length)));
  return handlers.map((h) => {
    const flags = [
      h.secure && h.secure !== 'optional' ? `secure: ${h.secure}` : '',
      h.login && h.login !== 'optional' ? `login: ${h.login}` : '',
      h.expiration ? `expiration: ${h.expiration}` : '',
    ].filter(Boolean);
    return `    ${h.url.padEnd(width)}  → ${describeHandler(h)}${flags.length ? `  (${flags.join(', ')})` : ''}`;
  });
}

/** Code and config: what a change to reloads instances for (not logs, not loadConfig's own temp files). */
const RELOAD_EXTENSIONS = /\.(?:[cm]?[jt]sx?|json|ya?ml|env|node)$/;
const CONFIG_TEMP_FILE = /\.timestamp-\d+-\d+\.mjs$/;

function reloadsOnChange(path: string): boolean {
  const name = basename(path);
  return (RELOAD_EXTENSIONS.test(name) || name === '.env') && !CONFIG_TEMP_FILE.test(name);
}

/** Files under static handlers change without restarting instances: the edge re-reads them. */
function staticRoots(root: string, handlers: readonly Handler[]): string[] {
  const roots: string[] = [];
  for (const h of handlers) {
    if (h.staticDir !== undefined) roots.push(resolve(root, h.staticDir) + sep);
  }
  return roots;
}

/**
 * `gae dev [dir]`: App Engine's front end on 127.0.0.1:8080 for the app in `dir`. Reloads
 * when the config or the app's code changes (the new instances start before the old drain);
 * a config error keeps the last good config running.
 */
export async function devCommand(
  dir: string | undefined,
  options: DevOptions,
  io: CliIo,
): Promise<number> {
  const c = colors(io);
  const target = resolve(io.cwd, dir ?? '.');
  if (!existsSync(target)) {
    io.err(`${c.red('error')} ${shown(io, target)} does not exist.`);
    return ExitCode.usage;
  }
  const write = (text: string) => io.out(text.replace(/\n$/, ''));
  const sink = options.jsonLogs ? jsonSink({ write }) : devSink({ write, colors: io.color });
  const pipelineOptions = (): PipelineOptions => ({
    configPath: target,
    mode: options.mode,
    instances: options.instances,
    module: options.module,
    cache: options.cache ? undefined : false,
    debugHeaders: options.debugHeaders,
    logSinks: [sink],
    onWarning: (message) => io.err(`${c.yellow('warning')} ${message}`),
  });

  const start = performance.now();
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(target, { mode: options.mode });
  } catch (error) {
    if (error instanceof ConfigError) {
      printDiagnostics(io, error.diagnostics);
      return ExitCode.invalid;
    }
    throw error;
  }
  printDiagnostics(io, loaded.warnings);
  let current: Pipeline = createPipeline(pipelineOptions());
  try {
    await current.ready();
  } catch (error) {
    await current.close();
    io.err(`${c.red('error')} ${(error as Error).message}`);
    return ExitCode.invalid;
  }

  let server: PipelineServer;
  try {
    server = await servePipeline(
      {
        handle: (request, connection) => current.handle(request, connection),
        handleNow: (request, connection) => current.handleNow(request, connection),
      },
      { port: options.port, host: options.host, http2: options.http2 },
    );
  } catch (error) {
    await current.close();
    const code = (error as NodeJS.ErrnoException).code;
    io.err(
      `${c.red('error')} cannot listen on ${options.host}:${options.port}${code === 'EADDRINUSE' ? ': the port is in use (use --port)' : `: ${(error as Error).message}`}`,
    );
    return ExitCode.invalid;
  }

  const printBanner = (app: typeof loaded.app, root: string) => {
    const service = app.service ?? 'default';
    io.out('');
    io.out(
      `  ${c.bold(c.cyan('gae dev'))}  ${c.dim(`App Engine front end, ${options.mode} mode`)}`,
    );
    io.out('');
    io.out(
      `  service ${c.bold(service)}  runtime ${app.runtime ?? 'nodejs22'}  instances ${options.instances ?? (options.module ? 'worker' : 'process')}  root ${shown(io, root)}`,
    );
    io.out('  handlers');
    for (const line of handlerTable(app.handlers ?? [])) io.out(line);
    io.out('');
    io.out(`  ${c.green('➜')} Local:   ${c.cyan(`${server.url}/`)}`);
    io.out(`  ${c.green('➜')} Login:   ${c.dim(`${server.url}/_ah/login`)}`);
    io.out(`  ${c.dim(`ready in ${Math.round(performance.now() - start)} ms; Ctrl+C to stop`)}`);
    io.out('');
  };
  printBanner(loaded.app, loaded.root);

  let reloading: Promise<void> = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      const began = performance.now();
      let fresh: Awaited<ReturnType<typeof loadConfig>>;
      try {
        fresh = await loadConfig(target, { mode: options.mode });
      } catch (error) {
        if (error instanceof ConfigError) {
          io.err(`${c.red('config error')} ${c.dim('(still serving the last good config)')}`);
          printDiagnostics(io, error.diagnostics);
          return;
        }
        io.err(
          `${c.red('error')} ${(error as Error).message} ${c.dim('(still serving the last good config)')}`,
        );
        return;
      }
      const next = createPipeline(pipelineOptions());
      try {
        await next.ready();
      } catch (error) {
        await next.close();
        io.err(
          `${c.red('error')} ${(error as Error).message} ${c.dim('(still serving the last good config)')}`,
        );
        return;
      }
      // New requests go to the new instances at once; the old ones finish what they have.
      const old = current;
      current = next;
      loaded = fresh;
      io.out(
        `${c.green('reloaded')} ${c.dim(`${why} (${Math.round(performance.now() - began)} ms)`)}`,
      );
      await old.close();
    });
  };

  let watcher: ReturnType<typeof chokidar.watch> | undefined;
  if (options.watch) {
    let timer: NodeJS.Timeout | undefined;
    const changed = new Set<string>();
    const root = loaded.root;
    const statics = () => staticRoots(loaded.root, loaded.app.handlers ?? []);
    watcher = chokidar.watch(root, {
      ignoreInitial: true,
      ignored: (path: string) =>
        /(^|[/\\])(node_modules|\.git|\.gae|dist|\.turbo)([/\\]|$)/.test(path),
    });
    watcher.on('all', (_event: string, path: string) => {
      if (statics().some((prefix) => path.startsWith(prefix))) return;
      if (!reloadsOnChange(path)) return;
      changed.add(path);
      clearTimeout(timer);
      timer = setTimeout(() => {
        const files = [...changed].map((f) => relative(root, f));
        changed.clear();
        reload(
          files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : ''),
        );
      }, 120);
    });
  }

  await (options.until ??
    new Promise<void>((resolveStop) => {
      const stop = () => resolveStop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }));
  io.err(c.dim('stopping…'));
  await watcher?.close();
  await reloading;
  await server.close();
  await current.close();
  return ExitCode.ok;
}
