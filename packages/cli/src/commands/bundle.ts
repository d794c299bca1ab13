import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import {
  type AppConfig,
  cronToYaml,
  dispatchToYaml,
  type LoadedConfig,
  queueToYaml,
  toYaml,
  translatePattern,
} from '@gaekit/config';
import { checkDeployLimits, type DeployLimitsReport } from '@gaekit/limits';
import { build } from 'esbuild';

/** Options of {@link bundleApp}. */
export interface BundleOptions {
  /** Output folder, relative to the app root. @default ".gae/deploy" */
  outDir?: string;
  /** Packages left out of the bundle and installed by App Engine from the output package.json. */
  external?: readonly string[];
  /** Minify the bundle. @default false (readable stack traces in Cloud Logging) */
  minify?: boolean;
}

/** What {@link bundleApp} wrote. */
export interface BundleResult {
  /** Absolute output folder. */
  outDir: string;
  /** The app's entry file, relative to the root. */
  entry: string;
  /** The bundle, relative to the output folder. */
  bundle: string;
  /** Every file written, relative to the output folder, with its size. */
  files: { path: string; bytes: number }[];
  /** The deploy limits of the output folder. */
  limits: DeployLimitsReport;
}

/** Thrown when the app cannot be bundled: no entry point, or esbuild failed. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/** Why there is nothing to bundle. */
export const NO_ENTRY =
  'no entry point: set `entrypoint: node server.js` in the config or `"start": "node server.js"` in package.json';

/** The default output folder. */
export const DEFAULT_OUT_DIR = '.gae/deploy';

interface PackageJson {
  name?: string;
  main?: string;
  type?: string;
  engines?: Record<string, string>;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

const NODE_COMMAND = /^node\s+(?:--?\S+\s+)*([^\s-][^\s]*)/;

/** The file `npm start` / the entrypoint runs: entrypoint, scripts.start, main, then the usual names. */
export function findEntry(root: string, app: AppConfig): string | undefined {
  const pkgPath = join(root, 'package.json');
  const pkg = existsSync(pkgPath)
    ? (JSON.parse(readFileSync(pkgPath, 'utf8')) as PackageJson)
    : undefined;
  const candidates = [
    app.entrypoint && NODE_COMMAND.exec(app.entrypoint.trim())?.[1],
    pkg?.scripts?.start && NODE_COMMAND.exec(pkg.scripts.start.trim())?.[1],
    pkg?.main,
    'server.js',
    'server.mjs',
    'index.js',
    'app.js',
  ];
  for (const candidate of candidates) {
    if (
      candidate &&
      existsSync(join(root, candidate)) &&
      statSync(join(root, candidate)).isFile()
    ) {
      return candidate.replace(/^\.\//, '');
    }
  }
  return undefined;
}

function walk(root: string, dir: string, skip: (path: string) => boolean, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (skip(rel)) continue;
    if (entry.isDirectory()) walk(root, path, skip, out);
    else if (entry.isFile()) out.push(rel);
  }
}

/** Files the front end serves (static handlers, upload patterns) and error pages, relative to root. */
function staticFiles(root: string, app: AppConfig, outDir: string): string[] {
  const outRel = relative(root, outDir).split(sep).join('/');
  const skip = (rel: string) =>
    rel === 'node_modules' || rel === '.git' || rel === outRel || rel.startsWith(`${outRel}/`);
  const all: string[] = [];
  walk(root, root, skip, all);
  const wanted = new Set<string>();
  for (const handler of app.handlers ?? []) {
    if (handler.staticDir) {
      const prefix = `${handler.staticDir.replace(/\/+$/, '')}/`;
      for (const file of all) if (file.startsWith(prefix)) wanted.add(file);
    }
    if (handler.staticFiles && handler.upload) {
      // Python syntax, read as validation and the router read it.
      const { source, flags } = translatePattern(handler.upload);
      const upload = new RegExp(`^(?:${source})$`, flags);
      for (const file of all) if (upload.test(file)) wanted.add(file);
    }
  }
  for (const page of app.errorHandlers ?? []) wanted.add(page.file);
  return [...wanted].filter((file) => existsSync(join(root, file))).sort();
}

function sizeOf(path: string): number {
  return statSync(path).size;
}

/**
 * Bundles the app with esbuild into a folder `gcloud app deploy` takes as it is: one ES module
 * with every dependency inside (except `external` ones), a package.json whose `npm start` runs
 * it, the static files and error pages, and the generated YAML files.
 */
export async function bundleApp(
  loaded: LoadedConfig,
  options: BundleOptions = {},
): Promise<BundleResult> {
  const root = resolve(loaded.root);
  const outDir = resolve(root, options.outDir ?? DEFAULT_OUT_DIR);
  if (outDir === root || !outDir.startsWith(root + sep)) {
    throw new BundleError(`the output folder must be inside the app folder: ${outDir}`);
  }
  const pkgPath = join(root, 'package.json');
  const pkg = existsSync(pkgPath)
    ? (JSON.parse(readFileSync(pkgPath, 'utf8')) as PackageJson)
    : undefined;
  const entry = findEntry(root, loaded.app);
  if (entry === undefined) throw new BundleError(NO_ENTRY);
  const bundle = `${entry.slice(0, entry.length - extname(entry).length)}.mjs`;
  const external = [...(options.external ?? [])];

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    await build({
      absWorkingDir: root,
      entryPoints: [join(root, entry)],
      outfile: join(outDir, bundle),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      sourcemap: true,
      minify: options.minify ?? false,
      external: [...external, '*.node'],
      logLevel: 'silent',
      // CommonJS dependencies inside an ES module still call require() for node built-ins.
      banner: {
        js: "import { createRequire as __gaeCreateRequire } from 'node:module'; const require = __gaeCreateRequire(import.meta.url);",
      },
    });
  } catch (error) {
    const errors = (
      error as {
        errors?: { text: string; location?: { file: string; line: number; column: number } }[];
      }
    ).errors;
    const detail = errors?.length
      ? errors
          .map((e) =>
            e.location
              ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}`
              : e.text,
          )
          .join('\n')
      : (error as Error).message;
    throw new BundleError(`esbuild could not bundle ${entry}:\n${detail}`);
  }

  for (const file of staticFiles(root, loaded.app, outDir)) {
    mkdirSync(dirname(join(outDir, file)), { recursive: true });
    cpSync(join(root, file), join(outDir, file));
  }

  const start = `node ${bundle}`;
  const outPkg = {
    name: pkg?.name ?? 'gae-app',
    private: true,
    type: 'module',
    ...(pkg?.engines ? { engines: pkg.engines } : {}),
    scripts: { start },
    dependencies: Object.fromEntries(
      external.map((name) => [name, pkg?.dependencies?.[name] ?? '*']),
    ),
  };
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(outPkg, null, 2)}\n`);
  // The bundle starts itself; an entrypoint naming the source file would not exist there.
  const app = loaded.app.entrypoint ? { ...loaded.app, entrypoint: start } : loaded.app;
  writeFileSync(join(outDir, 'app.yaml'), toYaml(app));
  if (loaded.dispatch)
    writeFileSync(join(outDir, 'dispatch.yaml'), dispatchToYaml(loaded.dispatch));
  if (loaded.cron) writeFileSync(join(outDir, 'cron.yaml'), cronToYaml(loaded.cron));
  if (loaded.queues) writeFileSync(join(outDir, 'queue.yaml'), queueToYaml(loaded.queues));

  const written: string[] = [];
  walk(outDir, outDir, () => false, written);
  const limits = await checkDeployLimits(outDir, { skipFiles: loaded.app.skipFiles });
  return {
    outDir,
    entry,
    bundle,
    files: written.sort().map((path) => ({ path, bytes: sizeOf(join(outDir, path)) })),
    limits,
  };
}
