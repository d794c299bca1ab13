import type { ConfigContext } from './app.js';
import {
  type ConfigFileKind,
  validateFileValue,
  validateFileYaml,
  writeFileYaml,
} from './config-file.js';
import type { Problem } from './diagnostics.js';
import { GaeError } from './errors.js';
import {
  DISPATCH_URL_ALLOWED,
  type DispatchRule,
  type DispatchUrl,
  dispatchFileSchema,
  readDispatchUrl,
} from './schema/dispatch.js';
import { type ConfigResult, unwrapResult } from './validate.js';
import { isRecord } from './yaml-support.js';

/** Most rules one dispatch.yaml may have. */
export const MAX_DISPATCH_RULES = 20;

/** dispatch.yaml rules, or a function of the mode that returns them. */
export type DispatchDefinition = DispatchRule[] | ((context: ConfigContext) => DispatchRule[]);

/** Options of the dispatch, cron and queue validators. */
export interface ValidateFileOptions {
  /** File name shown in diagnostics. @default "dispatch.yaml" (or cron.yaml, queue.yaml) for YAML text */
  fileName?: string;
}

function dispatchRules(value: unknown): Problem[] {
  if (!isRecord(value) || !Array.isArray(value.dispatch)) return [];
  const problems: Problem[] = [];
  if (value.dispatch.length > MAX_DISPATCH_RULES) {
    problems.push({
      code: 'config/too-many',
      path: ['dispatch'],
      message: `${value.dispatch.length} dispatch rules; App Engine allows at most ${MAX_DISPATCH_RULES}`,
      allowed: `at most ${MAX_DISPATCH_RULES} rules`,
      hint: 'Merge rules with a trailing "*" (prefix match) or a leading "*" on the host.',
    });
  }
  value.dispatch.forEach((rule, index) => {
    if (!isRecord(rule) || typeof rule.url !== 'string') return;
    const read = readDispatchUrl(rule.url);
    if (!read.url) return;
    if (read.url.host.includes('-dot-')) {
      problems.push({
        severity: 'warning',
        code: 'config/dispatch-dot-host',
        path: ['dispatch', index, 'url'],
        message: '"-dot-" host names are not supported in dispatch rules',
        found: rule.url,
        hint: 'Write the host with dots (api.example.com), or "*" to match every host.',
      });
    }
    if (read.url.path.startsWith('/_ah/')) {
      problems.push({
        severity: 'warning',
        code: 'config/dispatch-ah-path',
        path: ['dispatch', index, 'url'],
        message: 'paths under /_ah/ are never dispatched; this rule matches nothing there',
        found: rule.url,
      });
    }
  });
  return problems;
}

const DISPATCH_FILE: ConfigFileKind<{ dispatch?: DispatchRule[] | undefined }> = {
  fileName: 'dispatch.yaml',
  listKey: 'dispatch',
  schema: dispatchFileSchema,
  order: ['dispatch'],
  rules: dispatchRules,
  emptyAllowed: true,
  aliases: [['module', 'service']],
};

function rulesOf(
  result: ConfigResult<{ dispatch?: DispatchRule[] | undefined }>,
): ConfigResult<DispatchRule[]> {
  return result.success
    ? { success: true, data: result.data.dispatch ?? [], diagnostics: result.diagnostics }
    : result;
}

/**
 * Declares dispatch.yaml's rules with types. Export it as `dispatch` from app.config.ts and
 * `gae build` writes dispatch.yaml. Pass a function to vary the rules by mode.
 *
 * @example
 * ```ts
 * export const dispatch = defineDispatch([
 *   { url: '*.example.com/api/*', service: 'api' },
 *   { url: 'admin.example.com/*', service: 'admin' },
 * ]);
 * ```
 */
export function defineDispatch<T extends DispatchDefinition>(definition: T): T {
  return definition;
}

/** Validates dispatch rules (as written in TypeScript) and returns them or every problem. Never throws for bad input. */
export function validateDispatch(
  rules: unknown,
  options: ValidateFileOptions = {},
): ConfigResult<DispatchRule[]> {
  // The file's own shape, `{ dispatch: [...] }`, is read too.
  const value = isRecord(rules) && 'dispatch' in rules ? rules : { dispatch: rules };
  return rulesOf(validateFileValue(DISPATCH_FILE, value, options.fileName));
}

/**
 * Validates dispatch rules and returns them typed.
 * @throws {ConfigError} with every problem found.
 */
export function parseDispatch(rules: unknown, options: ValidateFileOptions = {}): DispatchRule[] {
  return unwrapResult(validateDispatch(rules, options));
}

/**
 * Writes dispatch.yaml text for the rules, validated first.
 * @throws {ConfigError} when a rule is invalid.
 */
export function dispatchToYaml(rules: readonly DispatchRule[]): string {
  return writeFileYaml(DISPATCH_FILE, { dispatch: parseDispatch(rules) });
}

/**
 * Reads dispatch.yaml text into rules, or every problem with line and column. An empty file
 * means no rules, as gcloud reads it; `module` is read as `service` with a warning.
 */
export function validateDispatchYaml(
  text: string,
  options: ValidateFileOptions = {},
): ConfigResult<DispatchRule[]> {
  return rulesOf(validateFileYaml(DISPATCH_FILE, text, options.fileName));
}

/**
 * Reads dispatch.yaml text into rules.
 * @throws {ConfigError} with every problem found, each with line and column.
 */
export function dispatchFromYaml(text: string, options: ValidateFileOptions = {}): DispatchRule[] {
  return unwrapResult(validateDispatchYaml(text, options));
}

/**
 * Splits a dispatch `url` pattern into what App Engine matches:
 * `parseDispatchUrl("*.example.com/api/*")` is
 * `{ host: ".example.com", hostExact: false, path: "/api/", pathExact: false }`.
 * @throws {GaeError} `config/invalid-dispatch-url` for a pattern App Engine refuses.
 */
export function parseDispatchUrl(url: string): DispatchUrl {
  const read = readDispatchUrl(url);
  if (read.url) return read.url;
  throw new GaeError('config/invalid-dispatch-url', `${read.message}.`, {
    hint: read.hint ?? `Allowed: ${DISPATCH_URL_ALLOWED}.`,
  });
}
