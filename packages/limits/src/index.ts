/**
 * @gaekit/limits — App Engine's request and response limits, request deadlines and deploy
 * limits, as small functions over buffered values plus node:http and Web helpers.
 */
export { APP_ENGINE_LIMITS, BODYLESS_METHODS, MiB } from './constants.js';
export {
  createDeadline,
  type Deadline,
  type DeadlineOptions,
  type DeadlineOutcome,
  type RequestTimeoutOptions,
  type RunWithDeadlineOptions,
  requestTimeoutFor,
  runWithDeadline,
  type Scaling,
} from './deadline.js';
export {
  assertDeployLimits,
  checkDeployLimits,
  DEFAULT_SKIP_FILES,
  type DeployLimitOptions,
  DeployLimitsError,
  type DeployLimitsReport,
  type DeployViolation,
} from './deploy.js';
export {
  BodyTooLargeError,
  DEADLINE_EXCEEDED_MESSAGE,
  DeadlineExceededError,
} from './errors.js';
export { type HeaderPairs, type HeadersInput, toHeaderPairs } from './headers.js';
export {
  applyServerLimits,
  createLimitedListener,
  type HandlerContext,
  type LimitedHandler,
  type LimitedListenerOptions,
  type LimitsLogEntry,
  type NodeReadResult,
  nodeServerOptions,
  readNodeRequest,
  readNodeRequestNow,
  type SendOptions,
  type ServerLimitOptions,
  sendNodeResponse,
} from './node.js';
export {
  BAD_GATEWAY_PAGE,
  platformErrorResponse,
  type RequestRecord,
  type ResponseRecord,
  SERVER_ERROR_PAGE,
} from './records.js';
export {
  BAD_REQUEST_TEXT,
  checkRequest,
  checkRequestHeaders,
  REQUEST_TIMEOUT_TEXT,
  type ReadBodyOptions,
  type RequestHead,
  type RequestLimitOptions,
  type RequestRejection,
  type RequestRejectionCode,
  readBodyWithLimit,
  uploadLimitText,
} from './request.js';
export {
  checkResponse,
  inspectResponse,
  RESPONSE_HEADERS_TOO_LARGE_LOG,
  type ResponseInput,
  type ResponseLimitOptions,
  type ResponseViolation,
  responseHeaderBytes,
} from './response.js';
export {
  type FetchContext,
  readWebRequest,
  readWebResponse,
  toWebResponse,
  type WebReadResult,
  type WithLimitsOptions,
  withLimits,
} from './web.js';
