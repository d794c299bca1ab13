export {
  DEADLINE_MESSAGE,
  type Deadline,
  DeadlineExceededError,
  type DeadlineFactory,
  type DeadlineTiming,
  timerDeadline,
} from './deadline.js';
export { type FetchHandler, toRecord, toWebRequest } from './handler.js';
export { PENDING_TIMEOUT_BODY, SERVER_ERROR_BODY, UNAVAILABLE_BODY } from './pages.js';
export {
  createScheduler,
  type DispatchOptions,
  defaultEntrypoint,
  type EnvironmentOptions,
  type ScalingType,
  type Scheduler,
  type SchedulerAppConfig,
  type SchedulerOptions,
  scalingType,
} from './scheduler.js';
export type {
  DispatchResult,
  HeaderPairs,
  InstanceInfo,
  InstanceKind,
  InstanceState,
  Outcome,
  RequestRecord,
  ResponseRecord,
  SchedulerEvent,
  StopReason,
} from './types.js';
