import { readFileSync } from 'node:fs';
import { cac } from 'cac';
import { buildCommand } from './commands/build.js';
import { deployCommand } from './commands/deploy.js';
import { devCommand } from './commands/dev.js';
import { importCommand } from './commands/import.js';
import { validateCommand } from './commands/validate.js';
import { type CliIo, colors, ExitCode, processIo } from './output.js';

/** This package's version, from its package.json (one level above src/ and dist/). */
const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

type Mode = 'development' | 'production';

/** The `--mode` given, or a usage error for anything but the two modes. */
function mode(value: unknown): Mode | undefined {
  if (value === undefined || value === 'development' || value === 'production') return value;
  throw Object.assign(
    new Error(`--mode must be development or production, got ${JSON.stringify(value)}`),
    { name: 'CACError' },
  );
}

/**
 * Runs the `gae` command line with `argv` (without `node` and the script) and resolves to the
 * exit code: 0 ok, 1 invalid input or `--check` difference, 2 usage error, 3 internal error.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const cli = cac('gae');
  let pending: Promise<number> | undefined;
  const c = colors(io);

  cli
    .command(
      'validate [...files]',
      'Validate app.config.ts, app.yaml, dispatch.yaml, cron.yaml or queue.yaml and print every problem with file:line:column',
    )
    .option('--json', 'Print the result as JSON on stdout')
    .option('--mode <mode>', 'Mode passed to a config function: development or production', {
      default: 'production',
    })
    .example('gae validate')
    .example('gae validate app.yaml --json')
    .example('gae validate cron.yaml dispatch.yaml')
    .action((files: string[], options: { json?: boolean; mode?: string }) => {
      pending = validateCommand(
        files,
        { json: Boolean(options.json), mode: mode(options.mode) ?? 'production' },
        io,
      );
    });

  cli
    .command(
      'dev [dir]',
      "Run the app behind App Engine's front end on 127.0.0.1:8080, reloading on changes",
    )
    .option('--port <port>', 'Port to listen on', { default: 8080 })
    .option('--host <host>', 'Address to bind', { default: '127.0.0.1' })
    .option(
      '--instances <kind>',
      "process (the app's entrypoint), worker or inline (a fetch-handler --module)",
    )
    .option(
      '--module <file>',
      'Module whose default export is a fetch handler (worker/inline instances)',
    )
    .option('--no-cache', 'Turn the front-end cache off')
    .option('--debug-headers', 'Add X-Gaekit-Handler/-Instance/-Cache/-Request-Id response headers')
    .option('--http2', 'Also accept HTTP/2 (h2c)')
    .option('--no-watch', 'Do not reload when files change')
    .option('--json-logs', 'Write request logs as Cloud Logging JSON')
    .option('--mode <mode>', 'Mode passed to a config function: development or production', {
      default: 'development',
    })
    .example('gae dev')
    .example('gae dev --port 3000 --debug-headers')
    .example('gae dev --instances worker --module src/app.js')
    .action(
      (
        dir: string | undefined,
        options: {
          port: number | string;
          host: string;
          instances?: string;
          module?: string;
          cache: boolean;
          debugHeaders?: boolean;
          http2?: boolean;
          watch: boolean;
          jsonLogs?: boolean;
          mode?: string;
        },
      ) => {
        const port = Number(options.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
          throw Object.assign(
            new Error(`--port must be a port number, got ${JSON.stringify(options.port)}`),
            { name: 'CACError' },
          );
        }
        const instances = options.instances;
        if (
          instances !== undefined &&
          instances !== 'process' &&
          instances !== 'worker' &&
          instances !== 'inline'
        ) {
          throw Object.assign(
            new Error(
              `--instances must be process, worker or inline, got ${JSON.stringify(instances)}`,
            ),
            { name: 'CACError' },
          );
        }
        pending = devCommand(
          dir,
          {
            port,
            host: options.host,
            mode: mode(options.mode) ?? 'development',
            instances,
            module: options.module,
            cache: options.cache !== false,
            debugHeaders: Boolean(options.debugHeaders),
            http2: Boolean(options.http2),
            watch: options.watch !== false,
            jsonLogs: Boolean(options.jsonLogs),
          },
          io,
        );
      },
    );

  cli
    .command(
      'build [dir]',
      'Compile app.config.ts to app.yaml (and dispatch/cron/queue.yaml), bundle the app into .gae/deploy, check deploy limits',
    )
    .option(
      '--check',
      'Do not write; fail when app.yaml differs from what the config produces (for CI)',
    )
    .option('--mode <mode>', 'Mode passed to a config function: development or production', {
      default: 'production',
    })
    .option('--out <dir>', 'Output folder of the bundle (default: .gae/deploy)')
    .option('--no-bundle', 'Only write the YAML files')
    .option('--external <package>', 'Leave a package out of the bundle (repeatable)')
    .option('--minify', 'Minify the bundle')
    .example('gae build')
    .example('gae build --check')
    .example('gae build --external sharp --out build')
    .action(
      (
        dir: string | undefined,
        options: {
          check?: boolean;
          mode?: string;
          out?: string;
          bundle: boolean;
          external?: string | string[];
          minify?: boolean;
        },
      ) => {
        pending = buildCommand(
          dir,
          {
            check: Boolean(options.check),
            mode: mode(options.mode) ?? 'production',
            bundle: options.bundle !== false,
            outDir: options.out,
            external: options.external === undefined ? [] : [options.external].flat().map(String),
            minify: Boolean(options.minify),
          },
          io,
        );
      },
    );

  cli
    .command('import <file>', 'Write an equivalent, typed app.config.ts for an existing app.yaml')
    .option(
      '--out <file>',
      'Where to write the config (default: app.config.ts next to the YAML file)',
    )
    .option('--force', 'Overwrite an existing file')
    .example('gae import app.yaml')
    .action((file: string, options: { out?: string; force?: boolean }) => {
      pending = importCommand(
        file,
        { ...(options.out ? { out: options.out } : {}), force: Boolean(options.force) },
        io,
      );
    });

  cli
    .command(
      'deploy [dir]',
      'Run gae build, then gcloud app deploy with app.yaml (and dispatch/cron/queue.yaml)',
    )
    .option('--dry-run', 'Print the gcloud command instead of running it')
    .option('--project <id>', 'Google Cloud project (gcloud --project)')
    .option('--app-version <id>', 'Version id to deploy as (gcloud --version)')
    .option('--no-promote', 'Deploy without sending traffic to the new version')
    .option('-y, --yes', 'Do not ask gcloud for confirmation (gcloud --quiet)')
    .option('--out <dir>', 'Output folder of the bundle (default: .gae/deploy)')
    .option('--external <package>', 'Leave a package out of the bundle (repeatable)')
    .example('gae deploy --dry-run')
    .example('gae deploy --project my-project --app-version v2 --no-promote')
    .action(
      (
        dir: string | undefined,
        options: {
          dryRun?: boolean;
          project?: string;
          appVersion?: string | number;
          promote: boolean;
          yes?: boolean;
          out?: string;
          external?: string | string[];
        },
      ) => {
        pending = deployCommand(
          dir,
          {
            dryRun: Boolean(options.dryRun),
            project: options.project,
            version: options.appVersion === undefined ? undefined : String(options.appVersion),
            promote: options.promote !== false,
            yes: Boolean(options.yes),
            outDir: options.out,
            external: options.external === undefined ? [] : [options.external].flat().map(String),
          },
          io,
        );
      },
    );

  cli.help();
  cli.version(VERSION);

  try {
    cli.parse(['node', 'gae', ...argv], { run: false });
    if (cli.options.help || cli.options.version) return ExitCode.ok;
    if (!cli.matchedCommand) {
      if (argv.length > 0) {
        io.err(
          `${c.red('error')} unknown command ${JSON.stringify(argv[0])}. Run gae --help for the list.`,
        );
        return ExitCode.usage;
      }
      cli.outputHelp();
      return ExitCode.ok;
    }
    await cli.runMatchedCommand();
    return pending ? await pending : ExitCode.ok;
  } catch (error) {
    const message = (error as Error).message;
    if ((error as Error).name === 'CACError') {
      io.err(`${c.red('error')} ${message}. Run gae --help for usage.`);
      return ExitCode.usage;
    }
    io.err(`${c.red('internal error')} ${(error as Error).stack ?? message}`);
    io.err('  This is a bug in gaekit: please report it with the command you ran.');
    return ExitCode.internal;
  }
}
