/*
 * app.yaml's URL, upload and skip_files patterns are Python `re` patterns (the SDK compiles
 * them with Python's `re`). The router matches with JavaScript's `RegExp` and validation
 * must accept exactly what the router can run, so both use this one translation.
 */

/** A Python `re` pattern (app.yaml's `url`, `upload`, `skip_files`) rewritten for JavaScript's `RegExp`. */
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
 * Throws a `SyntaxError` for what has no JavaScript form (verbose `(?x)`, a lone backslash).
 *
 * @example
 * const { source, flags } = translatePattern('/(?P<user>\\w+)/(?P=user)');
 * new RegExp(`^(?:${source})$`, flags).test('/ann/ann'); // true
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
  /** Named groups opened so far: `(?P=name)` may only refer back to one of them. */
  const names = new Set<string>();
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
      const close = body.indexOf('>', i);
      if (close > i) names.add(body.slice(i + 4, close));
      out += '(?<';
      i += 3;
      continue;
    }
    if (c === '(' && body.startsWith('(?P=', i)) {
      const close = body.indexOf(')', i);
      if (close < 0) throw new SyntaxError('unterminated (?P=name)');
      const name = body.slice(i + 4, close);
      // JavaScript would read \k<name> as plain text when the pattern has no named group.
      if (!names.has(name)) throw new SyntaxError(`unknown group name ${JSON.stringify(name)}`);
      out += `\\k<${name}>`;
      i = close;
      continue;
    }
    // Python's `.` excludes only \n; JavaScript's also \r, \u2028 and \u2029.
    out += c === '.' && !flags.includes('s') ? '[^\\n]' : c;
  }
  return { source: out, flags, ignoreCase: flags.includes('i') };
}

/**
 * Counts the capturing groups of a compiled regex (named ones included, as Python numbers
 * them too).
 *
 * @example
 * captureCount(/(a)(?<b>b)(?:c)/); // 2
 */
export function captureCount(regex: RegExp): number {
  return (new RegExp(`${regex.source}|`, regex.flags).exec('') as RegExpExecArray).length - 1;
}
