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
