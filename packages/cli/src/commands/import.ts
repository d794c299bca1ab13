import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  type ConfigResult,
  OTHER_CONFIG_FILES,
  type OtherConfigName,
  validateAppYaml,
  validateCronYaml,
  validateDispatchYaml,
  validateQueueYaml,
} from '@gaekit/config';
import { type CliIo, colors, ExitCode, printDiagnostics, shown } from '../output.js';
import { appConfigSource, toTypeScriptValue } from '../to-typescript.js';

const VALIDATE_YAML: Record<
  OtherConfigName,
  (text: string, options: { fileName: string }) => ConfigResult<unknown>
> = {
  dispatch: validateDispatchYaml,
  cron: validateCronYaml,
  queues: validateQueueYaml,
};
const DEFINE: Record<OtherConfigName, string> = {
  dispatch: 'defineDispatch',
  cron: 'defineCron',
  queues: 'defineQueues',
};

/** `export const cron = defineCron([...]);` and the like, for the files that were read. */
function otherExports(values: Partial<Record<OtherConfigName, unknown>>): {
  imports: string[];
  source: string;
} {
  const names = Object.keys(values) as OtherConfigName[];
  const source = names
    .map((name) => {
      const file = OTHER_CONFIG_FILES[name];
      let value = values[name];
      // A queue.yaml with only queues reads best as the list.
      if (name === 'queues' && value && Object.keys(value).length === 1) {
        value = (value as { queue: unknown }).queue;
      }
      return `\n// Imported from ${file}; gae build writes ${file} from it.\nexport const ${name} = ${DEFINE[name]}(${toTypeScriptValue(value)});\n`;
    })
    .join('');
  return { imports: names.map((name) => DEFINE[name]), source };
}

/** Options of `gae import`. */
export interface ImportOptions {
  out?: string;
  force?: boolean;
}

/**
 * `gae import app.yaml`: writes an equivalent, typed app.config.ts; dispatch.yaml, cron.yaml
 * and queue.yaml next to it become its `dispatch`, `cron` and `queues` exports.
 */
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
  if (/^(dispatch|cron|queue)\.ya?ml$/.test(basename(source))) {
    io.err(
      `${c.red('error')} import the app.yaml next to ${shown(io, source)}: dispatch.yaml, cron.yaml and queue.yaml are imported with it.`,
    );
    return ExitCode.usage;
  }
  const result = validateAppYaml(readFileSync(source, 'utf8'), { fileName: source });
  printDiagnostics(io, result.diagnostics);
  let invalid = !result.success;
  const values: Partial<Record<OtherConfigName, unknown>> = {};
  for (const [name, fileName] of Object.entries(OTHER_CONFIG_FILES) as [
    OtherConfigName,
    string,
  ][]) {
    const path = join(dirname(source), fileName);
    if (!existsSync(path)) continue;
    const other = VALIDATE_YAML[name](readFileSync(path, 'utf8'), { fileName: path });
    printDiagnostics(io, other.diagnostics);
    if (other.success) values[name] = other.data;
    else {
      invalid = true;
      io.err(`${c.red('✗')} ${shown(io, path)} is invalid.`);
    }
  }
  if (!result.success || invalid) {
    io.err(`${c.red('✗')} ${shown(io, source)} is invalid; fix it first, then import again.`);
    return ExitCode.invalid;
  }
  const target = resolve(io.cwd, options.out ?? join(dirname(source), 'app.config.ts'));
  if (existsSync(target) && !options.force) {
    io.err(`${c.red('✗')} ${shown(io, target)} already exists; pass --force to overwrite it.`);
    return ExitCode.invalid;
  }
  const others = otherExports(values);
  const text = appConfigSource(result.data, basename(source)).replace(
    "import { defineApp } from '@gaekit/config';",
    `import { ${['defineApp', ...others.imports].join(', ')} } from '@gaekit/config';`,
  );
  writeFileSync(target, text + others.source);
  const also = Object.keys(values).map((name) => OTHER_CONFIG_FILES[name as OtherConfigName]);
  io.err(
    `${c.green('✓')} wrote ${shown(io, target)}${also.length > 0 ? ` (with ${also.join(', ')})` : ''}`,
  );
  io.err(
    c.dim(
      '  Next: gae build regenerates app.yaml from it; gae build --check in CI keeps them in step.',
    ),
  );
  return ExitCode.ok;
}
