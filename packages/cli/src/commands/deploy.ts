import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { isNodeRuntime, loadConfig } from '@gaekit/config';
import { type CliIo, colors, ExitCode, shown } from '../output.js';
import { buildCommand } from './build.js';
import { DEFAULT_OUT_DIR, findEntry } from './bundle.js';

/** Options of `gae deploy`. */
export interface DeployOptions {
  /** Print the gcloud command instead of running it. */
  dryRun?: boolean;
  /** `--project` for gcloud. */
  project?: string;
  /** `--version` for gcloud. */
  version?: string;
  /** `--no-promote`: deploy without sending traffic to the new version. */
  promote?: boolean;
  /** `--quiet`: no confirmation prompt. */
  yes?: boolean;
  /** Where gcloud is looked up. @default `process.env.PATH` */
  path?: string;
  /** Output folder of the bundle, relative to the app. @default ".gae/deploy" */
  outDir?: string;
  /** Packages left out of the bundle. */
  external?: string[];
}

/** The deployment descriptors gcloud takes next to app.yaml, in the order it expects them. */
const DESCRIPTORS = ['app.yaml', 'dispatch.yaml', 'cron.yaml', 'queue.yaml'] as const;

/** Finds an executable on a PATH-like list. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Quotes an argument for display in a POSIX shell. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, "'\\''")}'`;
}

/**
 * `gae deploy [dir]`: `gae build` (which bundles a Node.js app into `.gae/deploy`), then
 * `gcloud app deploy` there with the generated descriptors.
 * Exit codes: 0 deployed (or printed with `--dry-run`), 1 invalid config or gcloud missing,
 * otherwise gcloud's own exit code.
 */
export async function deployCommand(
  dir: string | undefined,
  options: DeployOptions,
  io: CliIo,
): Promise<number> {
  const c = colors(io);
  const built = await buildCommand(
    dir,
    { mode: 'production', outDir: options.outDir, external: options.external },
    io,
  );
  if (built !== ExitCode.ok) return built;
  const loaded = await loadConfig(resolve(io.cwd, dir ?? '.'), { mode: 'production' });
  // A bundled Node.js app deploys from the bundle folder; anything else from the app folder.
  const outDir = resolve(loaded.root, options.outDir ?? DEFAULT_OUT_DIR);
  const bundled =
    isNodeRuntime(loaded.app.runtime ?? 'nodejs22') &&
    findEntry(loaded.root, loaded.app) !== undefined;
  const root = bundled ? outDir : resolve(loaded.root);
  const files = DESCRIPTORS.filter((name) => existsSync(join(root, name)));
  const args = ['app', 'deploy', ...files];
  if (options.project) args.push('--project', options.project);
  if (options.version) args.push('--version', options.version);
  if (options.promote === false) args.push('--no-promote');
  if (options.yes) args.push('--quiet');
  const command = ['gcloud', ...args].map(quote).join(' ');
  if (options.dryRun) {
    io.err(`${c.dim('›')} would run in ${shown(io, root)}:`);
    io.out(command);
    return ExitCode.ok;
  }
  const gcloud = findExecutable('gcloud', options.path);
  if (!gcloud) {
    io.err(
      `${c.red('error')} gcloud is not installed (or not on PATH). Install the Google Cloud CLI (https://cloud.google.com/sdk/docs/install), or run ${c.bold('gae deploy --dry-run')} to see the command.`,
    );
    return ExitCode.invalid;
  }
  io.err(`${c.dim('›')} ${command}`);
  return await new Promise<number>((done) => {
    const child = spawn(gcloud, args, { cwd: root, stdio: 'inherit' });
    child.once('error', (error) => {
      io.err(`${c.red('error')} could not start gcloud: ${error.message}`);
      done(ExitCode.invalid);
    });
    child.once('exit', (code, signal) => done(code ?? (signal ? 128 : 1)));
  });
}
