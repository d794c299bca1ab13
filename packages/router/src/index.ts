/**
 * @gaekit/router — App Engine's routing as plain functions: URL handler matching with static
 * file resolution, the `secure` and `login` decisions, host names, services, versions,
 * instances and dispatch rules.
 */
export {
  type AuthUser,
  type Decision,
  decideLogin,
  decideSecure,
  type LoginOptions,
} from './decisions.js';
export { compileDispatch, type DispatchMatch, type DispatchMatcher } from './dispatch.js';
export { InvalidPatternError, REASONS } from './errors.js';
export { type HostForm, type ParsedHost, type ParseHostOptions, parseHost } from './host.js';
export {
  type ResolvedTarget,
  type RoutingTable,
  resolveTarget,
  type ServiceEntry,
} from './resolve.js';
export { createRouter, type RouteMatch, type Router, type RouterOptions } from './router.js';
