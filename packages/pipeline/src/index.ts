/**
 * @gaekit/pipeline — App Engine's front end for an app: `createPipeline(options).fetch(request)`
 * runs a request through every stage in-process; `listen()` serves the same over HTTP.
 */
export { type AuthSource, devCookieAuth, LOGIN_COOKIE, userIdFor } from './auth.js';
export { ELEMENT_EMULATION, type Emulation } from './coverage.js';
export {
  type ListenOptions,
  type PipelineServer,
  type RequestHandlerTarget,
  type ServeOptions,
  servePipeline,
} from './listen.js';
export type { PipelineOptions, ServiceOptions } from './options.js';
export {
  type ConnectionInfo,
  createPipeline,
  type Pipeline,
  type ServiceInfo,
} from './pipeline.js';
export { type GeoHeaders, UNKNOWN_LOCATION } from './request-headers.js';
