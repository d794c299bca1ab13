/**
 * app.yaml uses snake_case, TypeScript configs use camelCase; the two map one to one.
 * Maps whose keys are the user's own (environment variables, header names, builtin names)
 * are copied as they are.
 */

/** Fields whose values are maps keyed by user data, never renamed. */
const OPAQUE_MAPS = new Set(['envVariables', 'buildEnvVariables', 'httpHeaders']);
/** Fields whose list items are maps keyed by user data (`builtins: - remote_api: on`). */
const OPAQUE_ITEM_MAPS = new Set(['builtins']);

const SNAKE_KEY = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
/** Prefix given to YAML keys that are not snake_case, so they never match a known field. */
export const FOREIGN_KEY_PREFIX = '~';

/** `static_dir` -> `staticDir`. */
export function snakeToCamel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `staticDir` -> `static_dir`. */
export function camelToSnake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** True when the segment at `index` of `path` is a user-chosen key rather than a field name. */
export function isUserKey(path: readonly (string | number)[], index: number): boolean {
  const parent = path[index - 1];
  if (typeof parent === 'string' && OPAQUE_MAPS.has(parent)) return true;
  const grandparent = path[index - 2];
  return (
    typeof parent === 'number' &&
    typeof grandparent === 'string' &&
    OPAQUE_ITEM_MAPS.has(grandparent)
  );
}

function convertKeys(
  value: unknown,
  rename: (key: string) => string,
  mode: 'field' | 'opaque' | 'opaque-items',
): unknown {
  if (Array.isArray(value)) {
    return value.map((item) =>
      convertKeys(item, rename, mode === 'opaque-items' ? 'opaque' : 'field'),
    );
  }
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (mode === 'opaque') {
      out[key] = child;
      continue;
    }
    const renamed = rename(key);
    const camel = renamed.startsWith(FOREIGN_KEY_PREFIX) ? key : snakeToCamel(renamed);
    const childMode = OPAQUE_MAPS.has(camel)
      ? 'opaque'
      : OPAQUE_ITEM_MAPS.has(camel)
        ? 'opaque-items'
        : 'field';
    out[renamed] = convertKeys(child, rename, childMode);
  }
  return out;
}

/** Converts parsed YAML (snake_case) to the TypeScript shape (camelCase). */
export function keysToCamel(value: unknown): unknown {
  return convertKeys(
    value,
    (key) => (SNAKE_KEY.test(key) ? snakeToCamel(key) : `${FOREIGN_KEY_PREFIX}${key}`),
    'field',
  );
}

/** Converts a TypeScript config (camelCase) to the app.yaml shape (snake_case). */
export function keysToSnake(value: unknown): unknown {
  return convertKeys(value, camelToSnake, 'field');
}

/** How a path is written for the user: as in app.config.ts or as in the YAML file. */
export type PathStyle = 'camel' | 'snake';

/** Renders `['handlers', 3, 'staticDir']` as `handlers[3].static_dir` (snake) or `handlers[3].staticDir`. */
export function formatPath(path: readonly (string | number)[], style: PathStyle): string {
  let out = '';
  path.forEach((segment, index) => {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
      return;
    }
    let name = segment;
    if (name.startsWith(FOREIGN_KEY_PREFIX)) name = name.slice(FOREIGN_KEY_PREFIX.length);
    else if (style === 'snake' && !isUserKey(path, index)) name = camelToSnake(name);
    const plain = /^[A-Za-z_$][\w$-]*$/.test(name);
    if (!plain) out += `[${JSON.stringify(name)}]`;
    else out += out === '' ? name : `.${name}`;
  });
  return out;
}

/** The name of one field as the user writes it. */
export function fieldName(name: string, style: PathStyle): string {
  if (name.startsWith(FOREIGN_KEY_PREFIX)) return name.slice(FOREIGN_KEY_PREFIX.length);
  return style === 'snake' ? camelToSnake(name) : name;
}
