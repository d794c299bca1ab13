/**
 * Writes a config value as readable TypeScript source: identifiers unquoted, single-quoted
 * strings, one property per line for objects that do not fit on a line.
 */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_INLINE = 80;

function quote(text: string): string {
  const escaped = JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'");
  return `'${escaped}'`;
}

function inline(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value !== 'object' || value === null) return String(value);
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  const entries = Object.entries(value).map(
    ([k, v]) => `${IDENTIFIER.test(k) ? k : quote(k)}: ${inline(v)}`,
  );
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}

/** Source text of `value`, indented for a position `depth` levels deep. */
export function toTypeScriptValue(value: unknown, depth = 0): string {
  const flat = inline(value);
  if (typeof value !== 'object' || value === null || flat.length + depth * 2 <= MAX_INLINE)
    return flat;
  const pad = '  '.repeat(depth + 1);
  const end = '  '.repeat(depth);
  if (Array.isArray(value)) {
    return `[\n${value.map((item) => `${pad}${toTypeScriptValue(item, depth + 1)},`).join('\n')}\n${end}]`;
  }
  const lines = Object.entries(value).map(
    ([k, v]) => `${pad}${IDENTIFIER.test(k) ? k : quote(k)}: ${toTypeScriptValue(v, depth + 1)},`,
  );
  return `{\n${lines.join('\n')}\n${end}}`;
}

/** A complete `app.config.ts` module for a config. */
export function appConfigSource(config: unknown, origin: string): string {
  return `import { defineApp } from '@gaekit/config';

// Imported from ${origin} by \`gae import\`. Field names are app.yaml's in camelCase.
export default defineApp(${toTypeScriptValue(config)});
`;
}
