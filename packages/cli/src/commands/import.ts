import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { validateAppYaml } from '@gaekit/config';
import { type CliIo, colors, ExitCode, printDiagnostics, shown } from '../output.js';
import { appConfigSource } from '../to-typescript.js';

/** Options of `gae import`. */
export interface ImportOptions {
  out?: string;
  force?: boolean;
}

/** `gae import app.yaml`: writes an equivalent, typed app.config.ts. */
export async function importCommand(
  file: string,
  options: ImportOptions,
  io: CliIo,
): Promise<number> {
  const c = colors(io);
  const source = resolve(io.cwd, file);
  if (!existsSync(source)) {
    io.err(`${c.red('error')} ${shown(io, source)} does not exist.`);
    return ExitCode.usage;
  }
  const result = validateAppYaml(readFileSync(source, 'utf8'), { fileName: source });
  printDiagnostics(io, result.diagnostics);
  if (!result.success) {
    io.err(`${c.red('✗')} ${shown(io, source)} is invalid; fix it first, then import again.`);
    return ExitCode.invalid;
  }
  const target = resolve(io.cwd, options.out ?? join(dirname(source), 'app.config.ts'));
  if (existsSync(target) && !options.force) {
    io.err(`${c.red('✗')} ${shown(io, target)} already exists; pass --force to overwrite it.`);
    return ExitCode.invalid;
  }
  writeFileSync(target, appConfigSource(result.data, basename(source)));
  io.err(`${c.green('✓')} wrote ${shown(io, target)}`);
  io.err(
    c.dim(
      '  Next: gae build regenerates app.yaml from it; gae build --check in CI keeps them in step.',
    ),
  );
  return ExitCode.ok;
}
