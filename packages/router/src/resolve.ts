import type { DispatchRule } from '@gaekit/config';
import { compileDispatch, type DispatchMatcher } from './dispatch.js';
import { REASONS } from './errors.js';
import { parseHost } from './host.js';

/** One service as routing sees it. */
export interface ServiceEntry {
  /** Its versions that serve traffic. */
  versions: readonly string[];
  /** The version requests go to when none is named. */
  defaultVersion: string;
  /**
   * Ids of the instances that can be addressed by name (manual scaling). Absent: instances
   * cannot be addressed, as on App Engine for automatic and basic scaling.
   */
  instances?: () => readonly string[];
}

/** The app's services, its dispatch rules and its domain: what {@link resolveTarget} routes with. */
export interface RoutingTable {
  /** Services by id; `default` must be one of them. */
  services: Map<string, ServiceEntry>;
  /**
   * dispatch.yaml rules (`DispatchRule` of `@gaekit/config`), in order. Validated and compiled
   * on first use, once per array: an invalid list makes `resolveTarget` throw `ConfigError`.
   */
  dispatch?: readonly DispatchRule[];
  /**
   * The host the default service answers on.
   * @default "localhost"
   */
  appDomain?: string;
}

/** Where a request goes, or the status App Engine answers instead. */
export type ResolvedTarget =
  | {
      kind: 'target';
      service: string;
      version: string;
      /** Set when the host names an instance. */
      instance?: string;
      /** `host`: named by the host; `dispatch`: a dispatch rule; `default`: neither. */
      via: 'host' | 'dispatch' | 'default';
      /** Set when the host named something that does not exist and the request was soft-routed. */
      softRouted?: string;
      /** Index of the dispatch rule used, with `via: 'dispatch'`. */
      dispatchRule?: number;
    }
  | { kind: 'error'; status: number; reason: string };

const compiledDispatch = new WeakMap<readonly DispatchRule[], DispatchMatcher>();

function dispatcherFor(rules: readonly DispatchRule[]): DispatchMatcher {
  let matcher = compiledDispatch.get(rules);
  if (!matcher) {
    matcher = compileDispatch(rules);
    compiledDispatch.set(rules, matcher);
  }
  return matcher;
}

interface HostTarget {
  service: string;
  version?: string;
  instance?: string;
}

/** Reads the host's names against the services; a string says what does not exist. */
function readNames(
  names: readonly string[],
  services: RoutingTable['services'],
): HostTarget | string {
  if (names.length === 1) {
    const [name = ''] = names;
    if (services.has(name)) return { service: name };
    // A custom domain's VERSION.DOMAIN names a version of the default service (spec §2.1).
    if (services.get('default')?.versions.includes(name))
      return { service: 'default', version: name };
    return `no service or default-service version is named "${name}"`;
  }
  if (names.length === 2) {
    const [first = '', name = ''] = names;
    const service = services.get(name);
    if (!service) return `no service is named "${name}"`;
    if (service.versions.includes(first)) return { service: name, version: first };
    // `123.svc` is version 123 when it exists, else instance 123 of the default version.
    if (service.instances?.().includes(first)) {
      return { service: name, version: service.defaultVersion, instance: first };
    }
    return `service "${name}" has no version or addressable instance "${first}"`;
  }
  if (names.length === 3) {
    const [instance = '', version = '', name = ''] = names;
    const service = services.get(name);
    if (!service) return `no service is named "${name}"`;
    if (!service.versions.includes(version)) return `service "${name}" has no version "${version}"`;
    if (!service.instances?.().includes(instance)) {
      return `version "${version}" of service "${name}" has no addressable instance "${instance}"`;
    }
    return { service: name, version, instance };
  }
  return `the host has ${names.length} names in front of the app domain; at most 3 (instance, version, service) are read`;
}

/**
 * Picks the service, version and instance for a request (spec §2.2–§2.3):
 *
 * 1. A host naming a version or an instance is routed there, never through dispatch.
 * 2. Otherwise the first matching dispatch rule wins (`/_ah/` paths are exempt).
 * 3. Otherwise a host naming a service goes to that service's default version, and the app
 *    domain itself to the default service.
 *
 * A name that does not exist is soft-routed to the default service on appspot and local hosts
 * (as if no name were given, noted in `softRouted`); on a custom domain it is answered 404
 * unless a dispatch rule matches the host.
 */
export function resolveTarget(
  request: { host: string; path: string },
  table: RoutingTable,
): ResolvedTarget {
  const host = parseHost(request.host, { appDomain: table.appDomain ?? 'localhost' });
  let named: HostTarget | undefined;
  let unknown: string | undefined;
  if (host.names.length > 0) {
    const read = readNames(host.names, table.services);
    if (typeof read === 'string') unknown = read;
    else named = read;
  }

  if (named?.version !== undefined) {
    const target = {
      kind: 'target',
      service: named.service,
      version: named.version,
      via: 'host',
    } as const;
    return named.instance === undefined ? target : { ...target, instance: named.instance };
  }
  // A custom domain answers 404 for names it does not know, unless a rule claims the host.
  const soft = unknown !== undefined && host.form !== 'custom' ? { softRouted: unknown } : {};

  if (table.dispatch && table.dispatch.length > 0) {
    const hit = dispatcherFor(table.dispatch).match(host.hostname, request.path);
    if (hit) {
      const service = table.services.get(hit.rule.service);
      if (!service) {
        return {
          kind: 'error',
          status: 404,
          reason: `dispatch rule ${hit.index} ("${hit.rule.url}") sends the request to service "${hit.rule.service}", which is not running`,
        };
      }
      return {
        kind: 'target',
        service: hit.rule.service,
        version: service.defaultVersion,
        via: 'dispatch',
        dispatchRule: hit.index,
        ...soft,
      };
    }
  }
  if (unknown !== undefined && host.form === 'custom') {
    return { kind: 'error', status: 404, reason: unknown };
  }

  if (named) {
    const service = table.services.get(named.service);
    if (service) {
      return {
        kind: 'target',
        service: named.service,
        version: service.defaultVersion,
        via: 'host',
      };
    }
  }
  const fallback = table.services.get('default');
  if (!fallback) return { kind: 'error', status: 404, reason: REASONS.noDefaultService };
  return {
    kind: 'target',
    service: 'default',
    version: fallback.defaultVersion,
    via: 'default',
    ...soft,
  };
}
