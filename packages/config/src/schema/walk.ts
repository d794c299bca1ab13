import type { z } from 'zod';

/**
 * Walks a zod schema side by side with a value. Used for what zod does not do the way
 * App Engine does: reporting unknown fields with suggestions (without hiding other errors)
 * and reading YAML scalars as the type the field expects.
 */

type AnySchema = z.core.$ZodType;

interface Def {
  type: string;
  innerType?: AnySchema;
  in?: AnySchema;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  options?: AnySchema[];
  values?: unknown[];
  entries?: Record<string, unknown>;
}

function def(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Strips optional/nullable/default/pipe wrappers. */
export function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    const d = def(current);
    if (
      d.innerType &&
      ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(
        d.type,
      )
    ) {
      current = d.innerType;
    } else if (d.type === 'pipe' && d.in) {
      current = d.in;
    } else {
      return current;
    }
  }
}

/** The known field names of an object schema, or undefined when it is not an object. */
export function objectKeys(schema: AnySchema): string[] | undefined {
  const d = def(unwrap(schema));
  return d.type === 'object' && d.shape ? Object.keys(d.shape) : undefined;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Calls `onUnknown` for every key of `value` that the schema does not know. */
export function findUnknownKeys(
  schema: AnySchema,
  value: unknown,
  onUnknown: (path: (string | number)[], key: string, known: string[]) => void,
  path: (string | number)[] = [],
): void {
  const d = def(unwrap(schema));
  if (d.type === 'object' && d.shape && isPlainObject(value)) {
    const known = Object.keys(d.shape);
    for (const [key, child] of Object.entries(value)) {
      const childSchema = d.shape[key];
      if (childSchema === undefined) onUnknown(path, key, known);
      else findUnknownKeys(childSchema, child, onUnknown, [...path, key]);
    }
  } else if (d.type === 'array' && d.element && Array.isArray(value)) {
    const element = d.element;
    for (const [index, item] of value.entries())
      findUnknownKeys(element, item, onUnknown, [...path, index]);
  } else if (d.type === 'union' && d.options) {
    const objectOption = d.options.find((option) => objectKeys(option) !== undefined);
    const arrayOption = d.options.find((option) => def(unwrap(option)).type === 'array');
    if (isPlainObject(value) && objectOption) findUnknownKeys(objectOption, value, onUnknown, path);
    if (Array.isArray(value) && arrayOption) findUnknownKeys(arrayOption, value, onUnknown, path);
  }
}

const YAML_TRUE = new Set([
  'y',
  'Y',
  'yes',
  'Yes',
  'YES',
  'true',
  'True',
  'TRUE',
  'on',
  'On',
  'ON',
]);
const YAML_FALSE = new Set([
  'n',
  'N',
  'no',
  'No',
  'NO',
  'false',
  'False',
  'FALSE',
  'off',
  'Off',
  'OFF',
]);
const YAML_NUMBER = /^[-+]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** What kinds of scalar a schema takes, to read a YAML scalar as the right one. */
function scalarKinds(schema: AnySchema, kinds = new Set<string>()): Set<string> {
  const d = def(unwrap(schema));
  if (d.type === 'union' && d.options) {
    for (const option of d.options) scalarKinds(option, kinds);
  } else if (d.type === 'literal' && d.values) {
    for (const literal of d.values) kinds.add(typeof literal);
  } else if (d.type === 'enum') {
    kinds.add('string');
  } else {
    kinds.add(d.type);
  }
  return kinds;
}

/**
 * Reads YAML scalars (kept as source text) as the type each field expects, the way App
 * Engine's YAML 1.1 reader and validator do: `yes`/`on` are booleans where a boolean is
 * expected, `10` is a number where a number is expected and the string "10" where a string is.
 */
export function coerceScalars(schema: AnySchema, value: unknown): unknown {
  const inner = unwrap(schema);
  const d = def(inner);
  if (Array.isArray(value)) {
    const element =
      d.type === 'array'
        ? d.element
        : d.type === 'union'
          ? d.options?.map((o) => def(unwrap(o))).find((o) => o.type === 'array')?.element
          : undefined;
    return element ? value.map((item) => coerceScalars(element, item)) : value;
  }
  if (isPlainObject(value)) {
    const objectDef =
      d.type === 'union'
        ? d.options?.map((o) => def(unwrap(o))).find((o) => o.type === 'object')
        : d;
    if (objectDef?.type === 'object' && objectDef.shape) {
      const shape = objectDef.shape;
      return Object.fromEntries(
        Object.entries(value).map(([key, child]) => [
          key,
          shape[key] ? coerceScalars(shape[key], child) : child,
        ]),
      );
    }
    if (objectDef?.type === 'record' && objectDef.valueType) {
      const valueType = objectDef.valueType;
      return Object.fromEntries(
        Object.entries(value).map(([key, child]) => [key, coerceScalars(valueType, child)]),
      );
    }
    return value;
  }
  if (typeof value !== 'string') return value;
  const kinds = scalarKinds(inner);
  if (kinds.has('boolean') && (YAML_TRUE.has(value) || YAML_FALSE.has(value))) {
    return YAML_TRUE.has(value);
  }
  // App Engine's validator also reads the integers 1 and 0 as booleans.
  if (kinds.has('boolean') && !kinds.has('number') && (value === '1' || value === '0')) {
    return value === '1';
  }
  if (kinds.has('number') && YAML_NUMBER.test(value)) {
    const asNumber = Number(value.replaceAll('_', ''));
    if (!kinds.has('string')) return asNumber;
    // A field taking a number or a word ("automatic") reads digits as the number.
    const words =
      d.type === 'union' ? d.options?.every((o) => def(unwrap(o)).type !== 'string') : false;
    return words ? asNumber : value;
  }
  return value;
}
