import { z } from 'zod';
import { SERVICE_PATTERN } from '../formats.js';
import { formatted, type IssueParams } from './common.js';

/** The parts of a dispatch rule's `url`, as App Engine matches them. */
export interface DispatchUrl {
  /** Host without a leading `*`: `example.com`, `.example.com`, or `` for `*`. */
  host: string;
  /** False when the pattern starts with `*`: the host must end with {@link DispatchUrl.host}. */
  hostExact: boolean;
  /** Path without a trailing `*`, starting with `/`. */
  path: string;
  /** False when the pattern ends with `*`: the path must start with {@link DispatchUrl.path}. */
  pathExact: boolean;
}

/** Longest host part and path part of a dispatch `url`. */
export const DISPATCH_PART_MAX = 100;

const SPLIT = /^([^/]+)(\/[^\n]*)$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
/** The SDK's exact-host pattern (dispatchinfo.py), written without nested repetition. */
const EXACT_HOST = new RegExp(`^(?:${LABEL}\\.)*${LABEL}$`);
/** The SDK's `*`-prefixed host pattern. */
const SUFFIX_HOST = new RegExp(
  `^(?:\\*|\\*[a-z0-9-]*[a-z0-9]|\\*(?:\\.|[a-z0-9-]*[a-z0-9]\\.)(?:${LABEL}\\.)*${LABEL})$`,
);
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** What a dispatch `url` may look like, for messages. */
export const DISPATCH_URL_ALLOWED =
  'HOST/PATH, where HOST is a lowercase host name that may start with "*" and PATH starts with "/" and may end with "*", e.g. "*/api/*" or "api.example.com/*"';

/** Why a dispatch `url` is invalid, or the parsed pattern. Mirrors dispatchinfo.py, plus the documented `*` and length rules. */
export function readDispatchUrl(
  url: string,
): { url: DispatchUrl } | { url?: undefined; message: string; hint?: string } {
  const split = SPLIT.exec(url);
  if (!split) {
    return {
      message: `${JSON.stringify(url)} is not a valid dispatch url: it must be HOST/PATH`,
      hint: url.startsWith('/')
        ? `Start with the host: ${JSON.stringify(`*${url}`)} matches every host.`
        : undefined,
    };
  }
  const [, hostPattern = '', pathPattern = ''] = split;
  const hostExact = !hostPattern.startsWith('*');
  const host = hostExact ? hostPattern : hostPattern.slice(1);
  if (hostExact ? !EXACT_HOST.test(host) : !SUFFIX_HOST.test(hostPattern)) {
    return {
      message: `invalid host pattern ${JSON.stringify(hostPattern)}`,
      hint: /[A-Z]/.test(hostPattern)
        ? 'Host patterns are lowercase.'
        : hostPattern.includes('*')
          ? '"*" may only start the host: "*", "*.example.com" or "*example.com".'
          : 'A host is lowercase letters, digits and hyphens in dot-separated labels.',
    };
  }
  const ip = IPV4.exec(host);
  if (hostExact && ip?.slice(1).every((part) => Number(part) <= 255)) {
    return { message: `the host may not be an IPv4 address (${JSON.stringify(host)})` };
  }
  const pathExact = !pathPattern.endsWith('*');
  const path = pathExact ? pathPattern : pathPattern.slice(0, -1);
  if (path.includes('*')) {
    return {
      message: `"*" may only end the path, not appear in ${JSON.stringify(pathPattern)}`,
      hint: 'Rules match a path exactly, or by prefix with a trailing "*"; they are not regular expressions.',
    };
  }
  for (const [part, what] of [
    [hostPattern, 'host'],
    [pathPattern, 'path'],
  ] as const) {
    if (part.length > DISPATCH_PART_MAX) {
      return {
        message: `the ${what} part is ${part.length} characters long; at most ${DISPATCH_PART_MAX} are allowed`,
      };
    }
  }
  return { url: { host, hostExact, path, pathExact } };
}

/** One dispatch.yaml rule: requests whose host and path match `url` go to `service`. */
export const dispatchRuleSchema = z.object({
  /** `HOST/PATH` pattern: `*` may start the host and end the path, e.g. `"*.example.com/api/*"`. */
  url: z.string().superRefine((url, ctx) => {
    const read = readDispatchUrl(url);
    if (read.url) return;
    ctx.addIssue({
      code: 'custom',
      message: read.message,
      input: url,
      params: {
        gae: 'config/invalid-dispatch-url',
        allowed: DISPATCH_URL_ALLOWED,
        ...(read.hint ? { hint: read.hint } : {}),
      } satisfies IssueParams,
    });
  }),
  /** Service that receives the matching requests (required). */
  service: formatted(
    SERVICE_PATTERN,
    'service id',
    'lowercase letters, digits and hyphens, 1–63 characters, no hyphen at either end',
  ),
});

/** The whole of dispatch.yaml. */
export const dispatchFileSchema = z.object({
  /** The rules, tried in order; the first match wins. */
  dispatch: z.array(dispatchRuleSchema).optional(),
});

/** One dispatch.yaml rule, e.g. `{ url: "example.com/api/*", service: "api" }`. */
export type DispatchRule = z.output<typeof dispatchRuleSchema>;
