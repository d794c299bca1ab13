import { resolve } from 'node:path';
import {
  type AppConfig,
  type AppDefinition,
  type ConfigContext,
  loadConfig,
  type Mode,
  parseApp,
  resolveDefinition,
  runtimeGeneration,
} from '@gaekit/config';
import { createStaticFiles, type StaticFiles } from '@gaekit/edge';
import { createRouter, type Router } from '@gaekit/router';
import {
  createScheduler,
  type InstanceKind,
  type Scheduler,
  type SchedulerEvent,
} from '@gaekit/scheduler';
import type { ServiceOptions } from './options.js';
import { type ErrorPages, loadErrorPages } from './pages.js';

/** One running service version: its config, router, static files and instances. */
export interface ServiceRuntime {
  readonly name: string;
  readonly version: string;
  readonly config: AppConfig;
  readonly root: string;
  readonly router: Router | undefined;
  readonly statics: StaticFiles;
  readonly scheduler: Scheduler;
  readonly errorPages: ErrorPages;
  /** Config files this service was read from, for watching. */
  readonly files: readonly string[];
  /** First-generation runtime, or `app_engine_apis` set: the Users service headers apply. */
  readonly usersService: boolean;
}

/** What a service needs from the pipeline to start. */
export interface ServiceContext {
  mode: Mode;
  project: string;
  onEvent: (service: string, event: SchedulerEvent) => void;
}

function isAppConfig(value: unknown): value is AppConfig {
  return typeof value === 'object' && value !== null;
}

/** Reads a service's config, from a path or a definition, validated. */
export async function readServiceConfig(
  options: ServiceOptions,
  mode: Mode,
): Promise<{ config: AppConfig; root: string; files: string[] }> {
  if (options.configPath !== undefined) {
    const loaded = await loadConfig(options.configPath, { mode });
    return {
      config: loaded.app,
      root: options.root ? resolve(options.root) : loaded.root,
      files: [...loaded.dependencies],
    };
  }
  const context: ConfigContext = { mode };
  const definition = options.config ?? {};
  const raw = resolveDefinition(definition as AppDefinition, context);
  if (!isAppConfig(raw))
    throw new TypeError('config must be an object or a function returning one');
  return { config: parseApp(raw), root: resolve(options.root ?? process.cwd()), files: [] };
}

function instanceKind(options: ServiceOptions): InstanceKind {
  if (options.instances) return options.instances;
  if (options.handler) return 'inline';
  if (options.module) return 'worker';
  return 'process';
}

/** Starts the parts of one service (instances start on demand, or per manual scaling). */
export function startService(
  options: ServiceOptions,
  read: { config: AppConfig; root: string; files: string[] },
  context: ServiceContext,
): ServiceRuntime {
  const { config, root } = read;
  const name = config.service ?? 'default';
  const version = options.version ?? config.version ?? 'dev';
  const statics = createStaticFiles({
    root,
    defaultExpiration: config.defaultExpiration,
    watch: context.mode === 'development',
  });
  const handlers = config.handlers ?? [];
  // No handlers (second generation): every request goes to the app.
  const router =
    handlers.length > 0
      ? createRouter(handlers, { fileExists: (file) => statics.exists(file) })
      : undefined;
  const scheduler = createScheduler({
    output: 'events',
    ...options.scheduler,
    kind: instanceKind(options),
    root,
    module: options.module ? resolve(root, options.module) : undefined,
    handler: options.handler,
    entrypoint: options.entrypoint,
    config: { ...config, service: name, version },
    environment: { project: context.project, version, ...options.scheduler?.environment },
    onEvent: (event) => {
      context.onEvent(name, event);
      options.scheduler?.onEvent?.(event);
    },
  });
  return {
    name,
    version,
    config,
    root,
    router,
    statics,
    scheduler,
    errorPages: loadErrorPages(config, root),
    files: read.files,
    usersService:
      runtimeGeneration(config.runtime ?? 'nodejs22') === 'first' || config.appEngineApis === true,
  };
}
