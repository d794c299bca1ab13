import { formatPath, type PathStyle } from './keys.js';

/** How serious a diagnostic is: errors make a config unusable, warnings do not. */
export type Severity = 'error' | 'warning';

/**
 * One problem found in a configuration. Paths are kept as segments so that a tool can
 * point at the field; `pathText` is the same path written as the user wrote the file.
 */
export interface Diagnostic {
  /** `error` makes the config unusable; `warning` is worth reading but deploys. */
  severity: Severity;
  /** Stable identifier from the catalog in `messages.ts`, e.g. `config/unknown-field`. */
  code: string;
  /** Field path in the TypeScript (camelCase) shape, e.g. `['handlers', 3, 'expiration']`. */
  path: (string | number)[];
  /** The path as written in the source: `handlers[3].expiration`; empty for the whole file. */
  pathText: string;
  /** What is wrong, in one sentence (the path is not repeated here). */
  message: string;
  /** The value found, when there was one. */
  found?: unknown;
  /** What is allowed instead. */
  allowed?: string;
  /** A likely fix, such as `did you mean "static_dir"?`. */
  hint?: string;
  /** The file the problem is in, when known. */
  file?: string;
  /** 1-based line in `file`, for YAML sources. */
  line?: number;
  /** 1-based column in `file`, for YAML sources. */
  column?: number;
}

/** A problem before its path is rendered for a source. */
export interface Problem {
  severity?: Severity;
  code: string;
  path: (string | number)[];
  message: string;
  found?: unknown;
  allowed?: string;
  hint?: string;
}

/** Turns a problem into a diagnostic whose path is written in the style of its source. */
export function toDiagnostic(problem: Problem, style: PathStyle, file?: string): Diagnostic {
  const diagnostic: Diagnostic = {
    severity: problem.severity ?? 'error',
    code: problem.code,
    path: problem.path,
    pathText: formatPath(problem.path, style),
    message: problem.message,
  };
  if ('found' in problem) diagnostic.found = problem.found;
  if (problem.allowed !== undefined) diagnostic.allowed = problem.allowed;
  if (problem.hint !== undefined) diagnostic.hint = problem.hint;
  if (file !== undefined) diagnostic.file = file;
  return diagnostic;
}

/** Shows a found value the way it would appear in the file. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null)
    return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a map';
  return String(value);
}

function location(d: Diagnostic): string {
  if (d.file === undefined) return '';
  if (d.line === undefined) return `${d.file}: `;
  return `${d.file}:${d.line}:${d.column ?? 1}: `;
}

/** Options of {@link formatDiagnostics}. */
export interface FormatOptions {
  /**
   * Wraps parts of the output, for colour. `kind` says which part it is.
   * @default no colour
   */
  style?: (kind: 'error' | 'warning' | 'path' | 'detail', text: string) => string;
}

/**
 * Prints diagnostics the way a compiler does, one block each:
 * `app.yaml:12:17: error handlers[3].expiration: "4x" is not a valid duration [config/invalid-format]`
 * followed by indented `found`, `allowed` and `hint` lines.
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: FormatOptions = {},
): string {
  const paint = options.style ?? ((_: string, text: string) => text);
  return diagnostics
    .map((d) => {
      const head = `${location(d)}${paint(d.severity, d.severity)} ${
        d.pathText === '' ? '' : `${paint('path', d.pathText)}: `
      }${d.message} [${d.code}]`;
      const details: string[] = [];
      if ('found' in d && d.found !== undefined && !d.message.includes(showValue(d.found))) {
        details.push(`found: ${showValue(d.found)}`);
      }
      if (d.allowed !== undefined) details.push(`allowed: ${d.allowed}`);
      if (d.hint !== undefined) details.push(`hint: ${d.hint}`);
      return [head, ...details.map((line) => `    ${paint('detail', line)}`)].join('\n');
    })
    .join('\n');
}

/** Sorts diagnostics by file, line and column, keeping discovery order otherwise. */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, index) => ({ d, index }))
    .sort(
      (a, b) =>
        (a.d.file ?? '').localeCompare(b.d.file ?? '') ||
        (a.d.line ?? 0) - (b.d.line ?? 0) ||
        (a.d.column ?? 0) - (b.d.column ?? 0) ||
        a.index - b.index,
    )
    .map(({ d }) => d);
}
