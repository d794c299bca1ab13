// Interim dev server until `gae dev` lands: validates app.config.ts exactly as `gae build`
// will, prints the handler table, then runs the app's own server with App Engine's
// environment variables. Static handlers, gzip, the edge cache and limits come with
// @gaekit/pipeline; until then the app answers every request itself.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, formatDiagnostics, loadConfig } from '@gaekit/config';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8080);

let loaded;
try {
  loaded = await loadConfig(root, { mode: 'development' });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(formatDiagnostics(error.diagnostics));
    process.exit(1);
  }
  throw error;
}
const { app, warnings } = loaded;
if (warnings.length > 0) console.warn(formatDiagnostics(warnings));

const service = app.service ?? 'default';
console.log(`service ${service} (${app.runtime}), ${app.handlers?.length ?? 0} handlers:`);
for (const handler of app.handlers ?? []) {
  const target =
    'staticDir' in handler && handler.staticDir
      ? `static dir ${handler.staticDir}`
      : 'staticFiles' in handler && handler.staticFiles
        ? `static files ${handler.staticFiles}`
        : 'app';
  console.log(`  ${handler.url.padEnd(28)} -> ${target}`);
}

const child = spawn(process.execPath, ['server.js'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    ...app.envVariables,
    PORT: String(port),
    GAE_ENV: 'localdev',
    GAE_SERVICE: service,
    GAE_VERSION: app.version ?? 'dev',
    GAE_RUNTIME: app.runtime,
    GAE_INSTANCE: 'dev-0',
    GOOGLE_CLOUD_PROJECT: process.env.GOOGLE_CLOUD_PROJECT ?? 'gaekit-example',
    NODE_ENV: process.env.NODE_ENV ?? 'development',
  },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
