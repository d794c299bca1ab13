export {
  type AppConfigInput,
  type AppDefinition,
  type ConfigContext,
  defineApp,
  type FromYamlOptions,
  fromYaml,
  type HandlerInput,
  type Mode,
  parseApp,
  resolveDefinition,
  type ScriptHandler,
  type StaticDirHandler,
  type StaticFilesHandler,
  toYaml,
  type ValidateAppOptions,
  validateApp,
  validateAppYaml,
} from './app.js';
export {
  type CronDefinition,
  cronFromYaml,
  cronToYaml,
  defineCron,
  MAX_CRON_JOBS,
  parseCron,
  validateCron,
  validateCronYaml,
} from './cron.js';
export {
  type Diagnostic,
  type FormatOptions,
  formatDiagnostics,
  type Severity,
} from './diagnostics.js';
export {
  type DispatchDefinition,
  defineDispatch,
  dispatchFromYaml,
  dispatchToYaml,
  MAX_DISPATCH_RULES,
  parseDispatch,
  parseDispatchUrl,
  type ValidateFileOptions,
  validateDispatch,
  validateDispatchYaml,
} from './dispatch.js';
export { ConfigError, GaeError, type GaeErrorOptions } from './errors.js';
export { type CheckErrorFilesOptions, checkErrorFiles, MAX_ERROR_FILE_BYTES } from './files.js';
export {
  deployFileNameProblem,
  parseAgeLimit,
  parseExpiration,
  parseIdleTimeout,
  parsePendingLatency,
  parseQueueRate,
} from './formats.js';
export { camelToSnake, snakeToCamel } from './keys.js';
export {
  CONFIG_FILES,
  type LoadConfigOptions,
  type LoadedConfig,
  loadConfig,
  OTHER_CONFIG_FILES,
  type OtherConfigName,
} from './load.js';
export { captureCount, type TranslatedPattern, translatePattern } from './pattern.js';
export {
  defineQueues,
  parseQueues,
  type QueuesDefinition,
  type QueuesInput,
  queueFromYaml,
  queueToYaml,
  validateQueues,
  validateQueueYaml,
} from './queue.js';
export {
  INSTANCE_CLASSES,
  type InstanceClass,
  isNodeRuntime,
  type RuntimeGeneration,
  runtimeGeneration,
} from './runtime.js';
export {
  type IntervalSchedule,
  nextRuns,
  parseSchedule,
  SCHEDULE_ALLOWED,
  type Schedule,
  type SpecificSchedule,
  type TimeOfDay,
} from './schedule.js';
export {
  type AppConfig,
  type AutomaticScaling,
  appSchema,
  type BasicScaling,
  type ErrorHandler,
  type Handler,
  type ManualScaling,
} from './schema/app.js';
export {
  type CronJob,
  type CronRetryParameters,
  cronJobSchema,
} from './schema/cron.js';
export { type DispatchRule, type DispatchUrl, dispatchRuleSchema } from './schema/dispatch.js';
export {
  type Queue,
  type QueueConfig,
  type QueueRetryParameters,
  queueConfigSchema,
  queueSchema,
} from './schema/queue.js';
export type { ConfigResult } from './validate.js';
