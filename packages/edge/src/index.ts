/**
 * @gaekit/edge — what App Engine's front end does to responses: the gzip decision and
 * encoding, the front-end cache, and static file responses with expiration headers and 304s.
 */
export {
  CACHE_DEBUG_HEADER,
  createEdgeCache,
  type EdgeCache,
  type EdgeCacheOptions,
  type EdgeCacheStats,
  HONOURED_VARY,
  type StoreOptions,
} from './cache.js';
export {
  acceptsGzip,
  type CompressDecision,
  type CompressOptions,
  compressResponse,
  compressResponseNow,
  isCompressibleType,
  shouldCompress,
  type TrustedUserAgents,
} from './compress.js';
export { EDGE_ERROR_CODES } from './errors.js';
export type { EdgeRequest, HeaderPairs, ResponseRecordLike } from './records.js';
export {
  contentTypeFor,
  createStaticFiles,
  DEFAULT_STATIC_EXPIRATION,
  type StaticFiles,
  type StaticFilesOptions,
} from './static.js';
