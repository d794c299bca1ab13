import type { z } from 'zod';
import type { ConfigContext } from './app.js';
import { type Diagnostic, type Problem, sortDiagnostics, toDiagnostic } from './diagnostics.js';
import { keysToCamel, type PathStyle } from './keys.js';
import { coerceScalars } from './schema/walk.js';
import { type ConfigResult, runValidation } from './validate.js';
import { readYamlSource, writeYaml } from './yaml-source.js';
import { attachLocations, isRecord, orderKeys } from './yaml-support.js';

/**
 * The machinery shared by dispatch.yaml, cron.yaml and queue.yaml: each is a map with one list
 * (`dispatch:`, `cron:`, `queue:`) and is read, validated and written the same way as app.yaml.
 */

/** A config, or a function of the mode that returns one (as with `defineApp`). */
export type Definition<T> = T | ((context: ConfigContext) => T);

/** What differs between the three files. */
export interface ConfigFileKind<F> {
  /** `dispatch.yaml`, `cron.yaml` or `queue.yaml`. */
  fileName: string;
  /** The key of the list: `dispatch`, `cron` or `queue`. */
  listKey: string;
  /** Schema of the whole file, camelCase. */
  schema: z.ZodType<F>;
  /** Top-level keys in the order they are written. */
  order: readonly string[];
  /** Cross-field rules, run on the (camelCase) input whether or not the schema accepted it. */
  rules: (value: unknown, style: PathStyle) => Problem[];
  /** Whether a file without anything in it is valid (gcloud accepts an empty dispatch.yaml only). */
  emptyAllowed: boolean;
  /** Old field names of list items read as their current names: `[['module', 'service']]`. */
  aliases?: readonly (readonly [string, string])[];
}

/** Validates a file-shaped config (camelCase, as written in TypeScript). */
export function validateFileValue<F>(
  kind: ConfigFileKind<F>,
  value: unknown,
  file: string | undefined,
): ConfigResult<F> {
  return runValidation(kind.schema, value, (v) => kind.rules(v, 'camel'), {
    style: 'camel',
    file,
  });
}

function problemAt(file: string, message: string, code: string, hint?: string): Diagnostic {
  return {
    severity: 'error',
    code,
    path: [],
    pathText: '',
    message,
    file,
    line: 1,
    column: 1,
    ...(hint ? { hint } : {}),
  };
}

/** Renames old field names in the list items, warning about each. */
function renameAliases(kind: ConfigFileKind<unknown>, value: Record<string, unknown>): Problem[] {
  const list = value[kind.listKey];
  if (!kind.aliases || !Array.isArray(list)) return [];
  const problems: Problem[] = [];
  list.forEach((item, index) => {
    if (!isRecord(item)) return;
    for (const [old, current] of kind.aliases ?? []) {
      if (!(old in item)) continue;
      if (current in item) {
        problems.push({
          code: 'config/conflict',
          path: [kind.listKey, index, old],
          message: `${old} and ${current} cannot both be set; ${old} is the old name of ${current}`,
        });
      } else {
        problems.push({
          severity: 'warning',
          code: 'config/deprecated',
          path: [kind.listKey, index, old],
          message: `${old} is the old name of ${current}`,
          hint: `Rename it to ${current}.`,
        });
        item[current] = item[old];
      }
      delete item[old];
    }
  });
  return problems;
}

/**
 * Reads and validates a file's YAML text as gcloud does: YAML 1.1 scalars read as the type
 * each field expects, `application` refused, old field names accepted with a warning.
 * Every problem carries line and column.
 */
export function validateFileYaml<F>(
  kind: ConfigFileKind<F>,
  text: string,
  fileName: string | undefined,
): ConfigResult<F> {
  const file = fileName ?? kind.fileName;
  const source = readYamlSource(text, file);
  if (source.diagnostics.length > 0) return { success: false, diagnostics: source.diagnostics };
  let raw = source.value;
  if (raw === null || raw === undefined) {
    if (!kind.emptyAllowed) {
      return {
        success: false,
        diagnostics: [
          problemAt(
            file,
            `${kind.fileName} is empty, and gcloud refuses an empty ${kind.fileName}`,
            'config/empty-file',
            `Write "${kind.listKey}: []" to delete everything it configured.`,
          ),
        ],
      };
    }
    raw = {};
  }
  if (!isRecord(raw)) {
    return {
      success: false,
      diagnostics: [
        problemAt(
          file,
          `${kind.fileName} must be a map with a "${kind.listKey}:" list`,
          'config/invalid-type',
        ),
      ],
    };
  }
  const value = keysToCamel(raw) as Record<string, unknown>;
  const problems: Problem[] = [];
  if ('application' in value) {
    problems.push({
      code: 'config/not-used',
      path: ['application'],
      message: `application is not used by gcloud and must be removed from ${kind.fileName}`,
      hint: 'The project comes from gcloud config set project PROJECT_ID or --project.',
    });
    delete value.application;
  }
  // `dispatch:` with nothing after it is an empty list.
  if (value[kind.listKey] === null) value[kind.listKey] = [];
  problems.push(...renameAliases(kind as ConfigFileKind<unknown>, value));
  const coerced = coerceScalars(kind.schema, value);
  const result = runValidation(kind.schema, coerced, (v) => kind.rules(v, 'snake'), {
    style: 'snake',
    file,
  });
  const diagnostics = sortDiagnostics(
    attachLocations(
      [
        ...source.duplicateKeys,
        ...problems.map((p) => toDiagnostic(p, 'snake', file)),
        ...result.diagnostics,
      ],
      file,
      source.locate,
    ),
  );
  if (!result.success || diagnostics.some((d) => d.severity === 'error')) {
    return { success: false, diagnostics };
  }
  return { success: true, data: result.data, diagnostics };
}

/** Writes a validated file-shaped value as YAML: fixed key order, no folding. */
export function writeFileYaml<F>(kind: ConfigFileKind<F>, value: F): string {
  return writeYaml(orderKeys(kind.schema, value, kind.order));
}
