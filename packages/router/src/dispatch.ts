import { ConfigError, type Diagnostic } from '@gaekit/config';

/** One dispatch.yaml rule: requests whose host and path match `url` go to `service`. */
export interface DispatchRule {
  /** `HOST/PATH`: host exact or `*`-prefixed (`*.example.com`, `*`), path exact or `*`-suffixed (`/api/*`). */
  url: string;
  /** The service that gets the request. */
  service: string;
}

/** App Engine's dispatch limits (spec §2.3). */
export const DISPATCH_LIMITS = {
  /** Rules in one dispatch.yaml. */
  maxRules: 20,
  /** Characters in a rule's host part. */
  maxHostLength: 100,
  /** Characters in a rule's path part. */
  maxPathLength: 100,
} as const;

const URL_SPLIT = /^([^/]+)(\/.*)$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const EXACT_HOST = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
// The SDK's suffix forms: `*`, `*-a`, `*.b.c`, `*-a.b.c`.
const SUFFIX_HOST = new RegExp(
  `^\\*(?:|[a-z0-9-]*[a-z0-9]|(?:\\.|[a-z0-9-]*[a-z0-9]\\.)(?:${LABEL}\\.)*${LABEL})$`,
);
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const SERVICE = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function problem(
  index: number | undefined,
  field: string | undefined,
  code: string,
  message: string,
  extra: Partial<Diagnostic> = {},
): Diagnostic {
  const path: (string | number)[] = index === undefined ? [] : [index];
  if (field !== undefined) path.push(field);
  const pathText =
    index === undefined
      ? 'dispatch'
      : `dispatch[${index}]${field === undefined ? '' : `.${field}`}`;
  return { severity: 'error', code, path, pathText, message, ...extra };
}

/**
 * Checks dispatch rules as `gcloud app deploy dispatch.yaml` does (spec §2.3): at most 20
 * rules; each `url` is `HOST/PATH` with at most 100 characters in each part; `*` only at the
 * start of the host and the end of the path; exact hosts are DNS names (not IPv4 addresses,
 * not `-dot-` names); `service` is a valid service id. Returns every problem, none when valid.
 */
export function validateDispatch(rules: readonly DispatchRule[]): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (rules.length > DISPATCH_LIMITS.maxRules) {
    found.push(
      problem(
        undefined,
        undefined,
        'dispatch/too-many-rules',
        `has ${rules.length} rules; App Engine allows at most ${DISPATCH_LIMITS.maxRules}.`,
        {
          found: rules.length,
          hint: 'Merge rules with `*` patterns, or route by service host names instead.',
        },
      ),
    );
  }
  rules.forEach((rule, i) => {
    if (typeof rule.service !== 'string' || !SERVICE.test(rule.service)) {
      found.push(
        problem(i, 'service', 'dispatch/invalid-service', 'is not a service id.', {
          found: rule.service,
          allowed:
            'lowercase letters, digits and hyphens, 1–63 characters, no hyphen at either end',
        }),
      );
    }
    const split = typeof rule.url === 'string' ? URL_SPLIT.exec(rule.url) : null;
    if (!split) {
      found.push(
        problem(i, 'url', 'dispatch/invalid-url', 'is not of the form HOST/PATH.', {
          found: rule.url,
          hint: 'Write "*/path/*" to match any host.',
        }),
      );
      return;
    }
    const host = split[1] as string;
    const path = split[2] as string;
    if (host.length > DISPATCH_LIMITS.maxHostLength) {
      found.push(
        problem(
          i,
          'url',
          'dispatch/host-too-long',
          `has a host part of ${host.length} characters; at most ${DISPATCH_LIMITS.maxHostLength} are allowed.`,
          { found: host },
        ),
      );
    }
    if (path.length > DISPATCH_LIMITS.maxPathLength) {
      found.push(
        problem(
          i,
          'url',
          'dispatch/path-too-long',
          `has a path part of ${path.length} characters; at most ${DISPATCH_LIMITS.maxPathLength} are allowed.`,
          { found: path },
        ),
      );
    }
    if (host.includes('-dot-')) {
      found.push(
        problem(
          i,
          'url',
          'dispatch/dot-host',
          'uses a -dot- host, which dispatch rules do not support.',
          {
            found: host,
            hint: 'Write the host with dots, e.g. "v1.api.example.com".',
          },
        ),
      );
    } else if (
      host.startsWith('*') ? !SUFFIX_HOST.test(host) : !EXACT_HOST.test(host) || IPV4.test(host)
    ) {
      found.push(
        problem(
          i,
          'url',
          'dispatch/invalid-host',
          'has a host part that is not a lowercase DNS name, optionally starting with "*".',
          {
            found: host,
            allowed: '"*", "*.example.com", "*-suffix" or an exact DNS name (not an IP address)',
          },
        ),
      );
    }
    if (path.indexOf('*') >= 0 && path.indexOf('*') !== path.length - 1) {
      found.push(
        problem(
          i,
          'url',
          'dispatch/invalid-path',
          'has a "*" in its path part other than at the end.',
          {
            found: path,
            hint: 'A path matches exactly, or as a prefix with a single trailing "*".',
          },
        ),
      );
    }
  });
  return found;
}

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
  hostIsSuffix: boolean;
  /** Exact path, or the prefix before a trailing `*`. */
  path: string;
  pathIsPrefix: boolean;
}

/**
 * Validates and compiles dispatch rules for matching.
 * @throws {ConfigError} with every problem {@link validateDispatch} finds.
 */
export function compileDispatch(rules: readonly DispatchRule[]): DispatchMatcher {
  const problems = validateDispatch(rules);
  if (problems.length > 0) {
    throw new ConfigError(problems, {
      hint: 'Fix dispatch.yaml as listed; App Engine refuses to deploy it as it is.',
    });
  }
  const compiled: CompiledRule[] = rules.map((rule, index) => {
    const [, host = '', path = ''] = URL_SPLIT.exec(rule.url) ?? [];
    const hostIsSuffix = host.startsWith('*');
    const pathIsPrefix = path.endsWith('*');
    return {
      index,
      rule,
      host: hostIsSuffix ? host.slice(1) : host,
      hostIsSuffix,
      path: pathIsPrefix ? path.slice(0, -1) : path,
      pathIsPrefix,
    };
  });
  return {
    match(hostname, path) {
      if (path.startsWith('/_ah/')) return undefined;
      const host = hostname.toLowerCase();
      for (const c of compiled) {
        const hostOk = c.hostIsSuffix ? host.endsWith(c.host) : host === c.host;
        if (!hostOk) continue;
        const pathOk = c.pathIsPrefix ? path.startsWith(c.path) : path === c.path;
        if (pathOk) return { index: c.index, rule: c.rule };
      }
      return undefined;
    },
  };
}
