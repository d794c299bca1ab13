import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import {
  renderTemplate,
  TEMPLATES,
  type TemplateName,
  type TemplateVersions,
} from './templates.js';

/** Options of {@link scaffold}. */
export interface ScaffoldOptions {
  /** Folder to create the app in; it must not exist or be empty (a `.git` folder is allowed). */
  dir: string;
  /** The app's framework. @default "fetch" */
  template?: TemplateName;
  /** package.json `name`. @default derived from the folder name */
  name?: string;
  /** Versions of the gaekit packages in the new package.json. @default the versions this create-gae-app was released with */
  versions?: Partial<TemplateVersions>;
}

/** What {@link scaffold} wrote. */
export interface ScaffoldResult {
  /** Absolute path of the new app. */
  dir: string;
  /** package.json `name`. */
  name: string;
  template: TemplateName;
  /** Relative paths of the files written, in order. */
  files: string[];
}

/** Thrown when the target folder has files in it, or an option is invalid; nothing is written. */
export class ScaffoldError extends Error {
  override name = 'ScaffoldError';
}

/** A valid npm package name from a folder name: lower case, URL-safe characters only. */
export function packageNameFor(dir: string): string {
  const cleaned = basename(resolve(dir))
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '-')
    .replace(/^[._]+/, '')
    .replace(/[^a-z0-9~.-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return cleaned || 'gae-app';
}

const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/;

interface OwnPackage {
  version: string;
  devDependencies?: Record<string, string>;
}

function ownPackage(): OwnPackage {
  return JSON.parse(
    readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
  ) as OwnPackage;
}

/** This create-gae-app's version. */
export function ownVersion(): string {
  return ownPackage().version;
}

function defaultVersions(): TemplateVersions {
  // After `pnpm publish`, `workspace:^` in this package.json has become `^x.y.z`.
  const pkg = ownPackage();
  const version = (name: string) => {
    const found = pkg.devDependencies?.[`@gaekit/${name}`];
    return found && !found.startsWith('workspace:') ? found : 'latest';
  };
  return { cli: version('cli'), config: version('config'), pipeline: version('pipeline') };
}

/** Whether `dir` is missing, or empty apart from a `.git` folder. */
export function isEmptyDir(dir: string): boolean {
  if (!existsSync(dir)) return true;
  if (!statSync(dir).isDirectory()) return false;
  return readdirSync(dir).every((entry) => entry === '.git');
}

/** Writes a new app from a template. Refuses (throws {@link ScaffoldError}) rather than overwrite anything. */
export function scaffold(options: ScaffoldOptions): ScaffoldResult {
  const template = options.template ?? 'fetch';
  if (!TEMPLATES.includes(template)) {
    throw new ScaffoldError(
      `unknown template "${String(template)}": use ${TEMPLATES.map((t) => `"${t}"`).join(', ')}`,
    );
  }
  const dir = resolve(options.dir);
  const name = options.name ?? packageNameFor(dir);
  if (!NPM_NAME.test(name) || name.length > 214) {
    throw new ScaffoldError(
      `"${name}" is not a valid package name: lower-case letters, digits, "-", "." and "_", at most 214 characters`,
    );
  }
  if (!isEmptyDir(dir)) {
    throw new ScaffoldError(
      `${dir} is not empty: choose a new folder, or empty this one first (nothing was written)`,
    );
  }
  const files = renderTemplate({
    name,
    template,
    versions: { ...defaultVersions(), ...options.versions },
  });
  for (const [path, content] of files) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { flag: 'wx' });
  }
  return { dir, name, template, files: [...files.keys()] };
}
