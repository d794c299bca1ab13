/** A Python `re` pattern rewritten for JavaScript's `RegExp`. */
export interface TranslatedPattern {
  /** The pattern body, without anchors. */
  source: string;
  /** `RegExp` flags taken from a leading `(?i)` / `(?s)`. */
  flags: string;
  /** Whether the pattern ignores case (then no literal prefix can be used for indexing). */
  ignoreCase: boolean;
}

const LEADING_FLAGS = /^\(\?([aiLmsux]+)\)/;

/**
 * Rewrites the parts of Python's regex syntax that app.yaml patterns use and JavaScript spells
 * differently: `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, a leading `]` in a class, and leading
 * global flags. Everything else is passed through; `RegExp` reports what it cannot read.
 */
export function translatePattern(pattern: string): TranslatedPattern {
  let body = pattern;
  let flags = '';
  const leading = LEADING_FLAGS.exec(body);
  if (leading) {
    const letters = leading[1] ?? '';
    if (letters.includes('x')) throw new SyntaxError('verbose patterns ((?x)) are not supported');
    if (letters.includes('i')) flags += 'i';
    if (letters.includes('s')) flags += 's';
    // (?m) is dropped: App Engine anchors the whole path, so ^ and $ must not match at lines.
    body = body.slice(leading[0].length);
  }
  let out = '';
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined) throw new SyntaxError('pattern ends with a lone backslash');
      if (!inClass && next === 'A') out += '^';
      else if (!inClass && next === 'Z') out += '$';
      else out += c + next;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (body[i + 1] === '^') {
        out += '^';
        i++;
      }
      // Python reads a `]` right after `[` or `[^` as a literal; JavaScript as an empty class.
      if (body[i + 1] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && body.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
      continue;
    }
    if (c === '(' && body.startsWith('(?P=', i)) {
      const close = body.indexOf(')', i);
      if (close < 0) throw new SyntaxError('unterminated (?P=name)');
      out += `\\k<${body.slice(i + 4, close)}>`;
      i = close;
      continue;
    }
    // Python's `.` excludes only \n; JavaScript's also \r, \u2028 and \u2029.
    out += c === '.' && !flags.includes('s') ? '[^\\n]' : c;
  }
  return { source: out, flags, ignoreCase: flags.includes('i') };
}

const META = '.^$|?*+()[]{}';

function hasTopLevelAlternation(pattern: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern[i + 1] === '^') i++;
      if (pattern[i + 1] === ']') i++;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/**
 * The literal text every string matched by `pattern` (anchored at the start) begins with, and
 * whether that text is the whole pattern. `/admin/.*` gives `/admin/`; `/a?b` gives `/`;
 * `/x|/y` gives the empty string.
 */
export function literalPrefix(pattern: string): {
  prefix: string;
  complete: boolean;
  rest: string;
} {
  if (hasTopLevelAlternation(pattern)) return { prefix: '', complete: false, rest: pattern };
  let prefix = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    let literal: string;
    let width: number;
    if (c === '\\') {
      const next = pattern[i + 1];
      // \d, \w, \1 … are classes or references; only escaped punctuation is a literal.
      if (next === undefined || /[A-Za-z0-9]/.test(next)) {
        return { prefix, complete: false, rest: pattern.slice(i) };
      }
      literal = next;
      width = 2;
    } else if (META.includes(c)) {
      const trailingDollar = c === '$' && i === pattern.length - 1;
      return { prefix, complete: trailingDollar, rest: pattern.slice(i) };
    } else {
      literal = c;
      width = 1;
    }
    const after = pattern[i + width];
    // A quantifier makes the character optional or repeated: it cannot be part of the prefix.
    if (after === '?' || after === '*' || after === '{') {
      return { prefix, complete: false, rest: pattern.slice(i) };
    }
    prefix += literal;
    if (after === '+') return { prefix, complete: false, rest: pattern.slice(i + width) };
    i += width;
  }
  return { prefix, complete: true, rest: '' };
}

/** Counts the capturing groups of a compiled regex. */
export function captureCount(regex: RegExp): number {
  return (new RegExp(`${regex.source}|`, regex.flags).exec('') as RegExpExecArray).length - 1;
}

/**
 * What may follow the literal prefix of a pattern that can be matched without a regex:
 * `.*`, `.+`, `[^/]*`, `[^/]+`, `\d*`, `\d+` (each optionally in one capturing group), or
 * nothing. `charset` is what every remaining character must be.
 */
export interface Tail {
  charset: 'none' | 'dot' | 'notSlash' | 'digit';
  min: 0 | 1;
  capture: boolean;
}

const TAILS: Record<string, Omit<Tail, 'capture'>> = {
  '': { charset: 'none', min: 0 },
  '.*': { charset: 'dot', min: 0 },
  '.+': { charset: 'dot', min: 1 },
  '[^/]*': { charset: 'notSlash', min: 0 },
  '[^/]+': { charset: 'notSlash', min: 1 },
  '\\d*': { charset: 'digit', min: 0 },
  '\\d+': { charset: 'digit', min: 1 },
};

/** The {@link Tail} of the text after a literal prefix, or `undefined` when a regex is needed. */
export function simpleTail(rest: string): Tail | undefined {
  const body = rest.endsWith('$') && !rest.endsWith('\\$') ? rest.slice(0, -1) : rest;
  const bare = TAILS[body];
  if (bare) return { ...bare, capture: false };
  if (body.startsWith('(') && body.endsWith(')') && !body.startsWith('(?')) {
    const inner = TAILS[body.slice(1, -1)];
    if (inner && inner.charset !== 'none') return { ...inner, capture: true };
  }
  return undefined;
}
