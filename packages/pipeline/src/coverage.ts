import type { AppConfig } from '@gaekit/config';

/** How far the pipeline reproduces an app.yaml element. */
export type Emulation = 'emulated' | 'partial' | 'ignored';

/**
 * Every top-level app.yaml element and what the pipeline does with it. The README's table is
 * checked against this list by a test, so the two cannot drift apart.
 */
export const ELEMENT_EMULATION: Readonly<
  Record<keyof AppConfig, { level: Emulation; note: string }>
> = {
  runtime: { level: 'emulated', note: 'GAE_RUNTIME; first vs second generation rules' },
  service: { level: 'emulated', note: 'routing by host and dispatch, GAE_SERVICE' },
  version: { level: 'emulated', note: 'GAE_VERSION, -dot- host names' },
  application: { level: 'partial', note: 'read as the project id only when no project is given' },
  apiVersion: { level: 'ignored', note: 'first-generation runtime API version' },
  threadsafe: { level: 'emulated', note: 'false means one request per instance at a time' },
  entrypoint: { level: 'emulated', note: 'start command of process instances' },
  instanceClass: { level: 'partial', note: 'memory limit enforced; CPU speed is not' },
  envVariables: { level: 'emulated', note: 'set for every instance' },
  buildEnvVariables: { level: 'ignored', note: 'used by the build on App Engine, not at run time' },
  defaultExpiration: { level: 'emulated', note: 'Cache-Control and Expires of static files' },
  handlers: { level: 'emulated', note: 'matching, static files, secure, login, redirects' },
  automaticScaling: {
    level: 'emulated',
    note: 'instances, concurrency, pending latency, idle instances',
  },
  basicScaling: { level: 'emulated', note: 'max_instances, idle_timeout, /_ah/start' },
  manualScaling: { level: 'emulated', note: 'N instances, /_ah/start and /_ah/stop' },
  inboundServices: {
    level: 'partial',
    note: 'warmup is sent; mail, xmpp and the rest are not emulated',
  },
  errorHandlers: {
    level: 'emulated',
    note: 'default and timeout pages; over_quota never happens locally',
  },
  includes: { level: 'emulated', note: 'merged when the config is read' },
  builtins: { level: 'ignored', note: 'first-generation built-in handlers' },
  libraries: { level: 'ignored', note: 'python27 libraries' },
  skipFiles: {
    level: 'partial',
    note: 'used by gae build and the deploy limits; every file is served locally',
  },
  appEngineApis: {
    level: 'partial',
    note: 'enables login and the X-AppEngine-User-* headers; no bundled APIs',
  },
  vpcAccessConnector: { level: 'ignored', note: 'outbound traffic goes straight to the network' },
  serviceAccount: { level: 'ignored', note: 'no metadata server; use local credentials' },
  runtimeChannel: { level: 'ignored', note: 'deploy-time setting' },
  env: { level: 'emulated', note: 'only the standard environment; flex is refused' },
  main: { level: 'ignored', note: 'python entry module' },
  nobuildFiles: { level: 'ignored', note: 'deploy-time setting' },
  derivedFileType: { level: 'ignored', note: 'deploy-time setting' },
  autoIdPolicy: { level: 'ignored', note: 'Datastore setting' },
};

/** One warning per ignored or partly emulated element the config uses. */
export function emulationWarnings(config: AppConfig, service: string): string[] {
  const warnings: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const entry = ELEMENT_EMULATION[key as keyof AppConfig];
    if (!entry || entry.level === 'emulated') continue;
    if (key === 'inboundServices') {
      const others = (value as string[]).filter((s) => s !== 'warmup');
      if (others.length === 0) continue;
      warnings.push(
        `service ${service}: inbound_services ${others.join(', ')} ${others.length === 1 ? 'is' : 'are'} not emulated (warmup is)`,
      );
      continue;
    }
    if (
      key === 'instanceClass' ||
      key === 'skipFiles' ||
      key === 'application' ||
      key === 'appEngineApis'
    )
      continue;
    warnings.push(
      `service ${service}: ${key} is ${entry.level === 'ignored' ? 'ignored' : 'partly emulated'} locally — ${entry.note}`,
    );
  }
  return warnings;
}
