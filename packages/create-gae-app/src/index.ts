export { type CreateIo, runCreate } from './run.js';
export {
  isEmptyDir,
  packageNameFor,
  ScaffoldError,
  type ScaffoldOptions,
  type ScaffoldResult,
  scaffold,
} from './scaffold.js';
export {
  TEMPLATE_DESCRIPTIONS,
  TEMPLATES,
  type TemplateName,
  type TemplateVersions,
} from './templates.js';
