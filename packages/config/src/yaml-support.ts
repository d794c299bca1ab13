import type { z } from 'zod';
import type { Diagnostic } from './diagnostics.js';
import { camelToSnake, FOREIGN_KEY_PREFIX, isUserKey } from './keys.js';
import { objectKeys, unwrap } from './schema/walk.js';
import type { YamlSource } from './yaml-source.js';

/** True for a plain object (a YAML map). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The YAML (snake_case) form of a camelCase path. */
export function snakePath(path: readonly (string | number)[]): (string | number)[] {
  return path.map((segment, index) => {
    if (typeof segment === 'number') return segment;
    if (segment.startsWith(FOREIGN_KEY_PREFIX)) return segment.slice(FOREIGN_KEY_PREFIX.length);
    return isUserKey(path, index) ? segment : camelToSnake(segment);
  });
}

const KEY_CODES = new Set([
  'config/unknown-field',
  'config/field-not-allowed',
  'config/not-for-runtime',
  'config/not-in-include',
  'config/not-used',
  'config/not-for-pull-queue',
]);

/** Adds line and column to the diagnostics of `file` that lack them. */
export function attachLocations(
  diagnostics: Diagnostic[],
  file: string,
  locate: YamlSource['locate'],
): Diagnostic[] {
  return diagnostics.map((d) => {
    if (d.line !== undefined || (d.file !== undefined && d.file !== file)) return d;
    const at = locate(snakePath(d.path), KEY_CODES.has(d.code));
    return at ? { ...d, file, line: at.line, column: at.column } : { ...d, file };
  });
}

/**
 * Copies a value with its keys in a fixed order: `topOrder` for the top level, the schema's
 * field order below, user maps sorted by nothing (kept as written).
 */
export function orderKeys(
  schema: z.core.$ZodType,
  value: unknown,
  topOrder?: readonly string[],
): unknown {
  if (Array.isArray(value)) {
    const def = (
      unwrap(schema) as unknown as {
        _zod: { def: { type: string; element?: z.core.$ZodType; options?: z.core.$ZodType[] } };
      }
    )._zod.def;
    const element =
      def.type === 'array'
        ? def.element
        : def.options
            ?.map(
              (o) =>
                (
                  unwrap(o) as unknown as {
                    _zod: { def: { type: string; element?: z.core.$ZodType } };
                  }
                )._zod.def,
            )
            .find((d) => d.type === 'array')?.element;
    return element ? value.map((item) => orderKeys(element, item)) : value;
  }
  if (!isRecord(value)) return value;
  const known = objectKeys(schema);
  if (!known) return value;
  const order = topOrder ?? known;
  const shape = (
    unwrap(schema) as unknown as { _zod: { def: { shape: Record<string, z.core.$ZodType> } } }
  )._zod.def.shape;
  const out: Record<string, unknown> = {};
  for (const key of order) {
    const child = value[key];
    const childSchema = shape[key];
    if (child !== undefined && childSchema) out[key] = orderKeys(childSchema, child);
  }
  return out;
}
