import {
  Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';

import type { Diagnostic } from './diagnostics.js';
import { formatPath, isUserKey, keysToSnake, snakeToCamel } from './keys.js';

/** Parsed YAML with a way back from a field path to its line and column. */
export interface YamlSource {
  /** The document as plain data; plain scalars are kept as their source text (see coerceScalars). */
  value: unknown;
  /** Syntax errors, each with line and column: the document cannot be read. */
  diagnostics: Diagnostic[];
  /**
   * Keys written twice in one map, each at its second place (the later value is read, as
   * PyYAML does): errors, but the rest of the document can still be checked.
   */
  duplicateKeys: Diagnostic[];
  /** Line and column of the node at a snake_case path, or of its nearest existing parent. */
  locate(
    path: readonly (string | number)[],
    key?: boolean,
  ): { line: number; column: number } | undefined;
}

function toPlain(node: unknown, doc: Document): unknown {
  if (isAlias(node)) return toPlain(node.resolve(doc), doc);
  if (isScalar(node)) {
    if (node.value === null) return null;
    if (node.type === 'PLAIN' && typeof node.source === 'string') return node.source;
    return node.value;
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.source ?? pair.key.value) : String(pair.key);
      out[key] = toPlain(pair.value, doc);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => toPlain(item, doc));
  return node ?? null;
}

/**
 * Reads YAML the way App Engine does (YAML 1.1), keeping plain scalars as text so that each
 * field can read them as the type it expects.
 */
export function readYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {
    version: '1.1',
    lineCounter,
    prettyErrors: false,
    // Duplicates are found below, with their field path, without stopping the reading.
    uniqueKeys: false,
  });
  const position = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const diagnostics: Diagnostic[] = doc.errors.map((error) => ({
    severity: 'error',
    code: error.code === 'DUPLICATE_KEY' ? 'config/duplicate-key' : 'config/yaml-syntax',
    path: [],
    pathText: '',
    message: error.message.split('\n')[0] ?? error.message,
    file,
    ...position(error.pos[0]),
  }));
  const duplicateKeys: Diagnostic[] = [];
  /** `path` is the camelCase path so far (names the user chose kept as written). */
  const findDuplicates = (node: unknown, path: (string | number)[]) => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        // Merge keys (`<<`) may repeat: each merges another map.
        if (
          isScalar(pair.key) &&
          (typeof pair.key.value === 'symbol' || pair.key.source === '<<')
        ) {
          continue;
        }
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const at = [...path, isUserKey([...path, name], path.length) ? name : snakeToCamel(name)];
        if (seen.has(name)) {
          const range = (pair.key as Node | null)?.range;
          duplicateKeys.push({
            severity: 'error',
            code: 'config/duplicate-key',
            path: at,
            pathText: formatPath(at, 'snake'),
            message: `${JSON.stringify(name)} is written twice in the same map`,
            hint: 'Keep one of them (the later one is read).',
            file,
            ...(range ? position(range[0]) : {}),
          });
        }
        seen.add(name);
        findDuplicates(pair.value, at);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => {
        findDuplicates(item, [...path, index]);
      });
    }
  };
  if (diagnostics.length === 0) findDuplicates(doc.contents, []);
  const locate = (path: readonly (string | number)[], key = false) => {
    let node: unknown = doc.contents;
    let found: { line: number; column: number } | undefined;
    const mark = (n: unknown) => {
      const range = (n as Node | null)?.range;
      if (range) found = position(range[0]);
    };
    mark(node);
    for (let i = 0; i < path.length; i++) {
      const segment = path[i];
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        // The last pair of a name: it is the one read when a key is written twice.
        const pair = node.items.findLast(
          (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment),
        );
        if (!pair) break;
        if (key && i === path.length - 1) {
          mark(pair.key);
          break;
        }
        node = pair.value ?? pair.key;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
      } else {
        break;
      }
      mark(node);
    }
    return found;
  };
  return { value: toPlain(doc.contents, doc), diagnostics, duplicateKeys, locate };
}

/** Tabs and control characters, `=` (YAML 1.1's value key) and `<<`: PyYAML misreads them unquoted. */
function unsafeForPyYaml(text: string): boolean {
  if (text === '=' || text === '<<') return true;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x0a) || code === 0x7f) return true;
  }
  return false;
}

/**
 * The implicit YAML 1.1 types of ruamel.yaml, which App Engine's SDK reads config files with,
 * each tried only for the first characters ruamel tries it for. A plain string matching one
 * would come back as a number, boolean, date or null (or fail: ruamel takes `-_` for an int).
 */
const RUAMEL_IMPLICIT: [firstChars: string, pattern: RegExp][] = [
  [
    'yYnNtTfFoO',
    /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  ],
  [
    '-+0123456789.',
    /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  ],
  [
    '-+0123456789',
    /^(?:[-+]?0b[0-1_]+|[-+]?0?[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  ],
  ['~nN', /^(?:~|null|Null|NULL)$/],
  [
    '0123456789',
    /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  ],
];

/** True when App Engine's YAML reader would not read `text`, written plain, as that string. */
function notAStringForRuamel(text: string): boolean {
  if (text === '') return true;
  const first = text[0] as string;
  return RUAMEL_IMPLICIT.some(([chars, pattern]) => chars.includes(first) && pattern.test(text));
}

/**
 * Writes a config as YAML that App Engine reads back unchanged: YAML 1.1 quoting (so
 * strings like `yes` or `1:30` stay strings), no line folding, keys in the given order.
 */
export function writeYaml(value: unknown): string {
  const doc = new Document(keysToSnake(value), {
    version: '1.1',
    aliasDuplicateObjects: false,
    // Without the merge tag, a "<<" string is written as a string, not as a merge key.
    customTags: (tags) =>
      tags.filter((tag) => typeof tag === 'string' || tag.tag !== 'tag:yaml.org,2002:merge'),
  });
  // Strings PyYAML (App Engine's reader) would not read back as the same plain scalar.
  visit(doc, {
    Scalar(_, node) {
      if (
        typeof node.value === 'string' &&
        (unsafeForPyYaml(node.value) || notAStringForRuamel(node.value))
      )
        node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({
    lineWidth: 0,
    minContentWidth: 0,
    indent: 2,
    indentSeq: false,
    defaultStringType: 'PLAIN',
    defaultKeyType: 'PLAIN',
    doubleQuotedAsJSON: true,
    singleQuote: false,
    nullStr: '',
  });
}
