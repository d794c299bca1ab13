import { type DispatchRule, parseDispatch, parseDispatchUrl } from '@gaekit/config';

/** A dispatch rule that matched, with its position in the list. */
export interface DispatchMatch {
  /** Index of the rule. */
  index: number;
  /** The rule as given. */
  rule: DispatchRule;
}

/** Dispatch rules compiled once. */
export interface DispatchMatcher {
  /**
   * The first rule matching the host name (no port) and path, or `undefined`. Paths under
   * `/_ah/` are never dispatched.
   */
  match(hostname: string, path: string): DispatchMatch | undefined;
}

interface CompiledRule {
  index: number;
  rule: DispatchRule;
  /** Exact host, or the suffix after a leading `*`. */
  host: string;
  hostExact: boolean;
  /** Exact path, or the prefix before a trailing `*`. */
  path: string;
  pathExact: boolean;
}

/**
 * Validates dispatch.yaml rules with `@gaekit/config` (at most 20; `HOST/PATH` with `*` only
 * starting the host and ending the path; 100 characters per part; DNS host names) and compiles
 * them for matching (spec §2.3): a `*`-prefixed host matches by suffix, a `*`-suffixed path by
 * prefix, anything else exactly; the first matching rule wins.
 *
 * @throws {ConfigError} with every problem found.
 */
export function compileDispatch(rules: readonly DispatchRule[]): DispatchMatcher {
  const valid = parseDispatch(rules);
  const compiled: CompiledRule[] = valid.map((rule, index) => ({
    index,
    rule: rules[index] ?? rule,
    ...parseDispatchUrl(rule.url),
  }));
  return {
    match(hostname, path) {
      if (path.startsWith('/_ah/')) return undefined;
      const host = hostname.toLowerCase();
      for (const c of compiled) {
        if (c.hostExact ? host !== c.host : !host.endsWith(c.host)) continue;
        if (c.pathExact ? path === c.path : path.startsWith(c.path)) {
          return { index: c.index, rule: c.rule };
        }
      }
      return undefined;
    },
  };
}
