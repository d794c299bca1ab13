import { type ChildProcess, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import {
  catalogVersion,
  createPool,
  describeRun,
  firstExample,
  freePort,
  gaekitImports,
  killGroup,
  packageDir,
  processesUnder,
  type RunResult,
  readFromTarball,
  repoRoot,
  run,
  userEnv,
  workspacePackages,
} from './helpers.js';

/**
 * README examples that cannot run as-is in an empty project, each with the README and why. The
 * package is still installed and imported. With `files`, the example still runs after those
 * files are written (the README implies them); without, it is not run. An entry holds only
 * while `applies` says its reason is still true: once a README is fixed, its example runs.
 */
const exampleExceptions: Record<
  string,
  {
    readme: string;
    reason: string;
    files?: Record<string, string>;
    applies?: (example: string | undefined) => boolean;
  }
> = {
  '@gaekit/cli': {
    readme: 'packages/cli/README.md',
    reason: "the example validates ./app.yaml, which a user has but an empty project doesn't",
    files: { 'app.yaml': 'runtime: nodejs22\n' },
  },
  '@gaekit/edge': {
    readme: 'packages/edge/README.md',
    reason: 'the example starts a server on 127.0.0.1:8080 and never closes it',
    applies: (example) => serverNeverCloses(example),
  },
  '@gaekit/limits': {
    readme: 'packages/limits/README.md',
    reason: 'the example starts a server on 127.0.0.1:8080 and never closes it',
    applies: (example) => serverNeverCloses(example),
  },
  '@gaekit/router': {
    readme: 'packages/router/README.md',
    reason:
      'the example starts a server on 127.0.0.1:8080 and never closes it (and wants public/hello.txt)',
    applies: (example) => serverNeverCloses(example),
  },
  '@gaekit/scheduler': {
    readme: 'packages/scheduler/README.md',
    reason: "the example loads ./app.js, which its comment spells out but the README doesn't ship",
    files: { 'app.js': "export default { fetch: (request) => new Response('hello') };\n" },
  },
};

function serverNeverCloses(example: string | undefined): boolean {
  return /\.listen\(8080/.test(example ?? '') && !/\.close\(/.test(example ?? '');
}

/** The first example of a package's README, and the exception that applies to it, if any. */
function readmeExample(name: string, sourceDir: string) {
  const readmePath = join(sourceDir, 'README.md');
  const example = existsSync(readmePath)
    ? firstExample(readFileSync(readmePath, 'utf8'))
    : undefined;
  const entry = exampleExceptions[name];
  const exception = entry && (entry.applies?.(example) ?? true) ? entry : undefined;
  return { readmePath, example, exception };
}

const publishable = workspacePackages().filter((pkg) => !pkg.private);
const versionOf = new Map(publishable.map((pkg) => [pkg.name, pkg.version]));
const pool = createPool(2);
// Kept between runs (under node_modules, so never committed): a warm run downloads nothing.
const npmCache = join(packageDir, 'node_modules', '.cache', 'npm');

let work = '';
/** Package name -> absolute path of its tarball. */
const tarballs = new Map<string, string>();

/** `file:` specifiers for every packed package, since none of them is on the registry. */
function tarballSpecs(except?: string): Record<string, string> {
  return Object.fromEntries(
    [...tarballs].filter(([name]) => name !== except).map(([name, file]) => [name, `file:${file}`]),
  );
}

function npmInstall(cwd: string, options?: { first?: boolean }): Promise<RunResult> {
  return pool(
    () =>
      run('npm', ['install', '--no-audit', '--no-fund', '--cache', npmCache], {
        cwd,
        timeoutMs: 240_000,
      }),
    options,
  );
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

beforeAll(async () => {
  for (const pkg of publishable) {
    if (!existsSync(join(pkg.dir, 'dist'))) {
      throw new Error(
        `${pkg.name} has no dist/: run \`pnpm build\` first (root \`pnpm test\` does)`,
      );
    }
  }
  // realpath: /proc reports cwds with symlinks (macOS-style /tmp) resolved.
  work = realpathSync(mkdtempSync(join(tmpdir(), 'gaekit-install-')));
  const packsDir = join(work, 'packs');
  mkdirSync(packsDir);
  // One pnpm process for all: pnpm pack rewrites workspace: and catalog: specifiers.
  const filters = publishable.flatMap((pkg) => ['--filter', pkg.name]);
  const packed = await run(
    'pnpm',
    ['-r', ...filters, 'pack', '--pack-destination', packsDir, '--json'],
    { cwd: repoRoot, timeoutMs: 90_000 },
  );
  if (packed.code !== 0) throw new Error(describeRun('pnpm -r pack', packed));
  const json = JSON.parse(packed.stdout.slice(packed.stdout.search(/[[{]/))) as
    | { name: string; filename: string }
    | { name: string; filename: string }[];
  for (const entry of Array.isArray(json) ? json : [json]) tarballs.set(entry.name, entry.filename);
});

afterAll(async () => {
  if (!work) return;
  // A failed test may leave a server behind: stop whatever still runs in our temp dir.
  for (const pid of processesUnder(work)) killPid(pid, 'SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const pid of processesUnder(work)) killPid(pid, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Temp projects with one package installed, shared by its import and example tests. */
const installs = new Map<string, Promise<{ dir: string; install: RunResult }>>();

function installAlone(name: string): Promise<{ dir: string; install: RunResult }> {
  let pending = installs.get(name);
  if (!pending) {
    const dir = join(work, `alone-${name.replace(/^@/, '').replace('/', '-')}`);
    mkdirSync(dir);
    writeJson(join(dir, 'package.json'), {
      name: 'install-alone',
      version: '0.0.0',
      private: true,
      type: 'module',
      dependencies: { [name]: `file:${tarballs.get(name)}` },
      devDependencies: { tsx: catalogVersion('tsx') },
      // The other gaekit packages are not on the registry: their tarballs stand in.
      overrides: tarballSpecs(name),
    });
    pending = npmInstall(dir).then((install) => ({ dir, install }));
    installs.set(name, pending);
  }
  return pending;
}

// Everything below runs concurrently; the pool keeps npm installs to 2 at a time.
describe.concurrent('install-test', () => {
  describe('create-gae-app from its tarball', () => {
    it('scaffolds a hono app that builds, passes its tests and serves under gae dev', async ({
      expect,
    }) => {
      const user = join(work, 'user');
      mkdirSync(user);
      writeJson(join(user, 'package.json'), {
        name: 'user',
        version: '0.0.0',
        private: true,
        dependencies: { 'create-gae-app': `file:${tarballs.get('create-gae-app')}` },
        overrides: tarballSpecs('create-gae-app'),
      });
      const install = await npmInstall(user, { first: true });
      expect(install.code, describeRun('npm install create-gae-app', install)).toBe(0);

      const created = await run(
        'npx',
        ['--no-install', 'create-gae-app', 'my-app', '--template', 'hono', '--yes'],
        { cwd: user, timeoutMs: 60_000 },
      );
      expect(created.code, describeRun('create-gae-app', created)).toBe(0);
      const app = join(user, 'my-app');
      expect(existsSync(join(app, 'app.config.ts'))).toBe(true);

      // The app asks for released versions; point them at the tarballs. npm refuses an override
      // that differs from a direct dependency's spec (EOVERRIDE), so direct ones get the same.
      const manifestPath = join(app, 'package.json');
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        overrides?: Record<string, string>;
      };
      const specs = tarballSpecs();
      const direct: string[] = [];
      for (const deps of [manifest.dependencies ?? {}, manifest.devDependencies ?? {}]) {
        for (const [dep, spec] of Object.entries(deps)) {
          const local = specs[dep];
          if (local === undefined) continue;
          direct.push(dep);
          expect(spec, `my-app asks for ${dep}`).toMatch(/^[~^]?\d/);
          expect(spec.replace(/^[~^]/, ''), `my-app asks for ${dep}`).toBe(versionOf.get(dep));
          deps[dep] = local;
        }
      }
      expect(direct).toContain('@gaekit/cli');
      manifest.overrides = specs;
      writeJson(manifestPath, manifest);

      const appInstall = await npmInstall(app, { first: true });
      expect(appInstall.code, describeRun('npm install in my-app', appInstall)).toBe(0);

      const built = await run('npx', ['--no-install', 'gae', 'build'], {
        cwd: app,
        timeoutMs: 60_000,
      });
      expect(built.code, describeRun('gae build', built)).toBe(0);
      expect(readFileSync(join(app, 'app.yaml'), 'utf8')).toMatch(/^runtime: nodejs/m);

      const tested = await run('npm', ['test'], { cwd: app, timeoutMs: 120_000 });
      expect(tested.code, describeRun('npm test in my-app', tested)).toBe(0);
      expect(tested.stdout).toMatch(/Tests\s+.*\d+ passed/);

      const port = await freePort();
      const dev = spawnDev(app, port);
      try {
        const page = await waitForPage(`http://127.0.0.1:${port}/`, dev, 60_000);
        expect(page.status, describeDev(dev)).toBe(200);
        expect(page.body).toContain('Hello from App Engine');

        // To the whole group, as a terminal's Ctrl+C or a supervisor does: npm exec runs the
        // bin under `sh -c`, which does not pass a SIGTERM sent to npx alone on to gae.
        killGroup(dev.child.pid, 'SIGTERM');
        const exit = await Promise.race([
          dev.exited,
          new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000)),
        ]);
        expect(exit, `gae dev after SIGTERM\n${describeDev(dev)}`).not.toBe('timeout');
        // gae dev stopped what it started (esbuild, the app's `npm start`), and the port is free.
        await expect
          .poll(() => processesUnder(app), { timeout: 10_000, interval: 200 })
          .toEqual([]);
        await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
      } finally {
        killGroup(dev.child.pid, 'SIGKILL');
      }
    });
  });

  describe('pnpm pack', () => {
    it('packs every publishable package under packages/*', ({ expect }) => {
      expect(publishable.length).toBeGreaterThan(0);
      expect([...tarballs.keys()].sort()).toEqual(publishable.map((pkg) => pkg.name).sort());
      for (const file of tarballs.values()) expect(existsSync(file)).toBe(true);
    });

    it('leaves no workspace: or catalog: specifier, and depends only on published packages', ({
      expect,
    }) => {
      const privateNames = new Set(
        workspacePackages()
          .filter((pkg) => pkg.private)
          .map((pkg) => pkg.name),
      );
      for (const [name, file] of tarballs) {
        const text = readFromTarball(file, 'package/package.json');
        expect(text, `${name}: package.json in ${file}`).toBeDefined();
        expect(text, `${name}: packed package.json`).not.toMatch(/"(workspace|catalog):/);
        const manifest = JSON.parse(text ?? '{}') as Record<string, unknown>;
        expect(manifest.name).toBe(name);
        expect(manifest.version).toBe(versionOf.get(name));
        for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
          const deps = (manifest[field] ?? {}) as Record<string, string>;
          for (const [dep, spec] of Object.entries(deps)) {
            expect(privateNames.has(dep), `${name} ${field} has the private ${dep}`).toBe(false);
            const internal = versionOf.get(dep);
            if (internal === undefined) continue;
            // An internal dependency accepts the version packed beside it.
            expect(spec, `${name} -> ${dep}`).toMatch(/^[~^]?\d/);
            expect(spec.replace(/^[~^]/, ''), `${name} -> ${dep}`).toBe(internal);
          }
        }
      }
    });
  });

  describe.each(publishable)('$name alone', ({ name, dir: sourceDir }) => {
    it('installs from its tarball with npm and imports as ESM', async ({ expect }) => {
      const { dir, install } = await installAlone(name);
      expect(install.code, describeRun('npm install', install)).toBe(0);
      const installed = JSON.parse(
        readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'),
      ) as { version: string; bin?: string | Record<string, string> };
      expect(installed.version).toBe(versionOf.get(name));

      const imported = await run(
        'node',
        ['-e', `import(${JSON.stringify(name)}).then((m) => console.log(Object.keys(m).length))`],
        { cwd: dir, timeoutMs: 30_000 },
      );
      expect(imported.code, describeRun('node -e import()', imported)).toBe(0);
      expect(Number(imported.stdout.trim()), 'number of exports').toBeGreaterThan(0);

      // Every command the package installs answers --help.
      const bins =
        typeof installed.bin === 'string'
          ? [name.replace(/^@[^/]+\//, '')]
          : Object.keys(installed.bin ?? {});
      for (const bin of bins) {
        const help = await run('npx', ['--no-install', bin, '--help'], {
          cwd: dir,
          timeoutMs: 30_000,
        });
        expect(help.code, describeRun(`npx ${bin} --help`, help)).toBe(0);
        expect(help.stdout).toContain(bin);
      }
    });

    const { readmePath, example, exception } = readmeExample(name, sourceDir);
    if (exception && !exception.files) {
      // Not run, but what it imports from gaekit must still exist in the installed packages.
      it(`does not run its README example (${exception.reason}), but its imports exist`, async ({
        expect,
      }) => {
        const { dir, install } = await installAlone(name);
        expect(install.code, describeRun('npm install', install)).toBe(0);
        for (const [specifier, names] of gaekitImports(example ?? '', [...versionOf.keys()])) {
          const listed = await run(
            'node',
            [
              '-e',
              `import(${JSON.stringify(specifier)}).then((m) => console.log(JSON.stringify(Object.keys(m))))`,
            ],
            { cwd: dir, timeoutMs: 30_000 },
          );
          expect(listed.code, describeRun(`import ${specifier}`, listed)).toBe(0);
          const exported = JSON.parse(listed.stdout) as string[];
          for (const imported of names) {
            expect(exported, `${exception.readme} imports ${imported} from ${specifier}`).toContain(
              imported,
            );
          }
        }
      });
      return;
    }

    const title = exception
      ? `runs the first example of its README, given ${Object.keys(exception.files ?? {}).join(', ')} (${exception.reason})`
      : 'runs the first example of its README';
    it(title, async ({ expect }) => {
      expect(example, `${readmePath} has a \`\`\`ts or \`\`\`js example`).toBeDefined();
      const { dir, install } = await installAlone(name);
      expect(install.code, describeRun('npm install', install)).toBe(0);
      for (const [file, content] of Object.entries(exception?.files ?? {})) {
        mkdirSync(dirname(join(dir, file)), { recursive: true });
        writeFileSync(join(dir, file), content);
      }
      writeFileSync(join(dir, 'example.mts'), example ?? '');
      const ran = await run('npx', ['--no-install', 'tsx', 'example.mts'], {
        cwd: dir,
        timeoutMs: 60_000,
      });
      expect(ran.code, describeRun(`${readmePath} example`, ran)).toBe(0);
      expect(ran.stderr, describeRun(`${readmePath} example`, ran)).toBe('');
    });
  });

  describe('changesets', () => {
    const changesetFiles = (dir = join(repoRoot, '.changeset')) =>
      readdirSync(dir)
        .filter((file) => file.endsWith('.md') && file !== 'README.md')
        .sort();

    it('`changeset status --verbose` lists every pending changeset and exits 0', async ({
      expect,
    }) => {
      const pending = changesetFiles();
      const status = await run('pnpm', ['changeset', 'status', '--verbose'], {
        cwd: repoRoot,
        timeoutMs: 60_000,
      });
      expect(status.code, describeRun('pnpm changeset status --verbose', status)).toBe(0);
      for (const file of pending) expect(status.stdout).toContain(`.changeset/${file}`);
    });

    it('`changeset version` on a copy gives each package its own version and changelog', async ({
      expect,
    }) => {
      const before = changesetFiles();
      const statusFile = join(work, 'changeset-status.json');
      const status = await run('pnpm', ['changeset', 'status', '--output', statusFile], {
        cwd: repoRoot,
        timeoutMs: 60_000,
      });
      expect(status.code, describeRun('pnpm changeset status --output', status)).toBe(0);
      const { releases } = JSON.parse(readFileSync(statusFile, 'utf8')) as {
        releases: { name: string; type: string; newVersion: string }[];
      };
      const config = JSON.parse(
        readFileSync(join(repoRoot, '.changeset', 'config.json'), 'utf8'),
      ) as { fixed: unknown; linked: unknown };
      // Independent versions: no package's version is tied to another's.
      expect(config.fixed).toEqual([]);
      expect(config.linked).toEqual([]);

      // What changesets reads: the workspace layout, every package.json, and .changeset/.
      const copy = join(work, 'changeset-copy');
      for (const file of [
        'package.json',
        'pnpm-workspace.yaml',
        ...readdirSync(join(repoRoot, '.changeset')).map((file) => `.changeset/${file}`),
        ...workspaceManifests(),
      ]) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(repoRoot, file), join(copy, file));
      }
      const changeset = join(packageDir, 'node_modules', '.bin', 'changeset');
      const versioned = await run(changeset, ['version'], { cwd: copy, timeoutMs: 60_000 });
      expect(versioned.code, describeRun('changeset version', versioned)).toBe(0);
      expect(changesetFiles(join(copy, '.changeset')), 'changesets left unused').toEqual([]);

      for (const pkg of publishable) {
        const dir = pkg.dir.slice(repoRoot.length);
        const after = JSON.parse(readFileSync(join(copy, dir, 'package.json'), 'utf8')) as {
          version: string;
        };
        const release = releases.find((entry) => entry.name === pkg.name && entry.type !== 'none');
        expect(after.version, pkg.name).toBe(release?.newVersion ?? pkg.version);
        if (!release) continue;
        const changelog = readFileSync(join(copy, dir, 'CHANGELOG.md'), 'utf8');
        expect(changelog).toContain(`# ${pkg.name}`);
        expect(changelog).toContain(`## ${release.newVersion}`);
      }
      expect(changesetFiles(), 'the real .changeset/ is untouched').toEqual(before);
    });
  });
});

/** Every workspace package.json, relative to the root. */
function workspaceManifests(): string[] {
  return ['packages', 'apps', 'tooling'].flatMap((group) =>
    existsSync(join(repoRoot, group))
      ? readdirSync(join(repoRoot, group))
          .map((name) => `${group}/${name}/package.json`)
          .filter((file) => existsSync(join(repoRoot, file)))
      : [],
  );
}

/** `npx gae dev` in its own process group, with its output so far. */
interface DevServer {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function spawnDev(cwd: string, port: number): DevServer {
  const child = spawn('npx', ['--no-install', 'gae', 'dev', '--port', String(port), '--no-watch'], {
    cwd,
    env: userEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, output, exited };
}

function describeDev(dev: DevServer): string {
  return `--- gae dev stdout\n${dev.output.stdout}\n--- gae dev stderr\n${dev.output.stderr}`;
}

/** Fetches `url` until it answers: the dev server and the app's process take a moment. */
async function waitForPage(
  url: string,
  dev: DevServer,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void dev.exited.then(() => {
    exited = true;
  });
  for (;;) {
    try {
      const response = await fetch(url);
      return { status: response.status, body: await response.text() };
    } catch (error) {
      if (exited) throw new Error(`gae dev exited before answering\n${describeDev(dev)}`);
      if (Date.now() > until) {
        throw new Error(`no answer from ${url}: ${String(error)}\n${describeDev(dev)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
