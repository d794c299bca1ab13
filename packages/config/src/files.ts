import { statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { formatPath } from './keys.js';
import type { AppConfig } from './schema/app.js';
import { readYamlSource } from './yaml-source.js';

/**
 * Largest `error_handlers` file App Engine serves: "less than 10 kilobytes" (spec §1.12).
 * Which kilobyte is not said; 10 × 1024 bytes is taken, the larger reading.
 */
export const MAX_ERROR_FILE_BYTES = 10 * 1024;

/** Options of {@link checkErrorFiles}. */
export interface CheckErrorFilesOptions {
  /** The config file, named in each problem. */
  file?: string;
  /** The app.yaml text the config was read from: problems get its line and column. */
  yamlText?: string;
}

/**
 * Checks the `error_handlers` files against the app's folder: each must exist and be under
 * {@link MAX_ERROR_FILE_BYTES}, or the deploy fails (spec §1.12). `loadConfig` runs it;
 * `gae validate` runs it for app.yaml files too.
 *
 * @example
 * const problems = checkErrorFiles(config, '/srv/app', { file: 'app.yaml', yamlText });
 */
export function checkErrorFiles(
  app: AppConfig,
  root: string,
  options: CheckErrorFilesOptions = {},
): Diagnostic[] {
  const handlers = app.errorHandlers ?? [];
  if (handlers.length === 0) return [];
  const file = options.file;
  // The YAML is read again only to place a problem, so only when there are files to check.
  const locate =
    options.yamlText === undefined
      ? undefined
      : readYamlSource(options.yamlText, file ?? 'app.yaml').locate;
  const problems: Diagnostic[] = [];
  handlers.forEach((handler, index) => {
    const path = ['errorHandlers', index, 'file'];
    const snake = ['error_handlers', index, 'file'];
    const at = locate?.(snake, false);
    const where = {
      path,
      pathText: formatPath(path, locate ? 'snake' : 'camel'),
      ...(file === undefined ? {} : { file }),
      ...(at ? { line: at.line, column: at.column } : {}),
    };
    const target = resolve(root, handler.file);
    const inside = !isAbsolute(handler.file) && !relative(root, target).startsWith('..');
    if (!inside) {
      problems.push({
        severity: 'error',
        code: 'config/error-file-missing',
        message: `${JSON.stringify(handler.file)} is outside the app's folder, which is all that is deployed`,
        found: handler.file,
        allowed: `a file of the app, relative to ${root}`,
        ...where,
      });
      return;
    }
    const size = fileSize(target);
    if (size === undefined) {
      problems.push({
        severity: 'error',
        code: 'config/error-file-missing',
        message: `${JSON.stringify(handler.file)} is not a file in the app's folder`,
        found: handler.file,
        allowed: `a file of the app, relative to ${root}`,
        ...where,
      });
    } else if (size >= MAX_ERROR_FILE_BYTES) {
      problems.push({
        severity: 'error',
        code: 'config/error-file-too-large',
        message: `${JSON.stringify(handler.file)} is ${size.toLocaleString('en-US')} bytes`,
        found: handler.file,
        allowed: `under 10 KB (${MAX_ERROR_FILE_BYTES.toLocaleString('en-US')} bytes)`,
        ...where,
      });
    }
  });
  return problems;
}

/** The size of a regular file, or undefined when there is none at `path`. */
function fileSize(path: string): number | undefined {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined;
  }
}
