/**
 * Which kind of host a request came to:
 * - `appspot`: `*.appspot.com`, where unknown names are soft-routed to the default service;
 * - `local`: `localhost`, `*.localhost` or an IP address (the dev machine), routed like appspot;
 * - `custom`: a custom domain (the app domain is neither of the above), where unknown names give 404;
 * - `other`: a host unrelated to the app domain, taken as the app domain itself.
 */
export type HostForm = 'appspot' | 'local' | 'custom' | 'other';

/** A `Host` header read as App Engine reads it (spec §2.1). */
export interface ParsedHost {
  /** Host name, lowercase, without port or trailing dot. */
  hostname: string;
  /** Port, when the header has one. */
  port: number | undefined;
  /** What kind of host it is. */
  form: HostForm;
  /**
   * The names in front of the app's domain, left to right, split on `.` and `-dot-`:
   * `[]` for the app domain, `[service]`, `[version, service]` or `[instance, version, service]`.
   */
  names: string[];
  /** appspot hosts: the project id. */
  project?: string;
  /** appspot hosts with `REGION_ID.r`: the region code. */
  region?: string;
  /** The service, read by position (the last name). */
  service?: string;
  /** The version, read by position (the middle name of two or three). */
  version?: string;
  /** The instance, read by position (the first of three names). */
  instance?: string;
}

/** Options of {@link parseHost}. */
export interface ParseHostOptions {
  /**
   * The host the default service answers on: `localhost`, `PROJECT.REGION.r.appspot.com`
   * or a custom domain. A port in it is ignored.
   */
  appDomain: string;
}

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;
const APPSPOT = '.appspot.com';

function splitHostPort(host: string): { hostname: string; port: number | undefined } {
  let hostname = host.trim().toLowerCase();
  let port: number | undefined;
  if (hostname.startsWith('[')) {
    const close = hostname.indexOf(']');
    const rest = close < 0 ? '' : hostname.slice(close + 1);
    if (rest.startsWith(':')) port = Number(rest.slice(1));
    hostname = close < 0 ? hostname : hostname.slice(0, close + 1);
  } else {
    const colon = hostname.lastIndexOf(':');
    if (colon >= 0) {
      port = Number(hostname.slice(colon + 1));
      hostname = hostname.slice(0, colon);
    }
  }
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  return { hostname, port: port !== undefined && Number.isInteger(port) ? port : undefined };
}

function isLocal(hostname: string): boolean {
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    IPV4.test(hostname) ||
    hostname.startsWith('[')
  );
}

function formOf(domain: string): HostForm {
  if (domain === 'appspot.com' || domain.endsWith(APPSPOT)) return 'appspot';
  return isLocal(domain) ? 'local' : 'custom';
}

function splitNames(prefix: string): string[] {
  return prefix.split('.').flatMap((label) => label.split('-dot-'));
}

function withPositions(parsed: ParsedHost): ParsedHost {
  const n = parsed.names;
  if (n.length >= 1 && n.length <= 3) parsed.service = n[n.length - 1];
  if (n.length >= 2 && n.length <= 3) parsed.version = n[n.length - 2];
  if (n.length === 3) parsed.instance = n[0];
  return parsed;
}

/**
 * Reads a `Host` header the way App Engine routes it (spec §2.1): every appspot form
 * (`INSTANCE-dot-VERSION-dot-SERVICE-dot-PROJECT.REGION.r.appspot.com`, the shorter ones,
 * the `.`-separated ones, with or without `REGION.r`), names in front of a custom domain, and
 * the same in front of the app domain on a dev machine: `v2-dot-api.localhost:8080`,
 * `i1-dot-v2-dot-api.localhost`, `api.localhost`.
 */
export function parseHost(host: string, options: ParseHostOptions): ParsedHost {
  const { hostname, port } = splitHostPort(host);
  const appDomain = splitHostPort(options.appDomain).hostname;
  if (hostname === appDomain)
    return withDomain({ hostname, port, form: formOf(appDomain), names: [] });
  for (const separator of ['.', '-dot-']) {
    if (hostname.endsWith(separator + appDomain)) {
      const prefix = hostname.slice(0, hostname.length - appDomain.length - separator.length);
      return withDomain({ hostname, port, form: formOf(appDomain), names: splitNames(prefix) });
    }
  }
  if (hostname.endsWith(APPSPOT)) return withDomain({ hostname, port, form: 'appspot', names: [] });
  if (hostname === 'localhost') return { hostname, port, form: 'local', names: [] };
  if (hostname.endsWith('.localhost')) {
    const prefix = hostname.slice(0, -'.localhost'.length);
    return withPositions({ hostname, port, form: 'local', names: splitNames(prefix) });
  }
  return { hostname, port, form: isLocal(hostname) ? 'local' : 'other', names: [] };
}

/**
 * For appspot hosts, reads `[NAMES-dot-]PROJECT[.REGION.r].appspot.com`: the project, the
 * region, and any names in front of the project that `names` does not hold yet.
 */
function withDomain(parsed: ParsedHost): ParsedHost {
  if (parsed.form !== 'appspot') return withPositions(parsed);
  let labels = parsed.hostname.slice(0, -APPSPOT.length).split('.');
  if (labels.length >= 3 && labels[labels.length - 1] === 'r') {
    parsed.region = labels[labels.length - 2];
    labels = labels.slice(0, -2);
  }
  const all = labels.flatMap((label) => label.split('-dot-'));
  const project = all.pop();
  if (project !== undefined) parsed.project = project;
  parsed.names = all;
  return withPositions(parsed);
}
