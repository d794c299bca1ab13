import { relative } from 'node:path';
import * as prompts from '@clack/prompts';
import { cac } from 'cac';
import pc from 'picocolors';
import { isEmptyDir, ownVersion, packageNameFor, ScaffoldError, scaffold } from './scaffold.js';
import { TEMPLATE_DESCRIPTIONS, TEMPLATES, type TemplateName } from './templates.js';

/** Where `runCreate` writes and whether it may ask questions. */
export interface CreateIo {
  out(line: string): void;
  err(line: string): void;
  /** Ask with prompts when true. @default `process.stdin.isTTY && process.stdout.isTTY` */
  interactive: boolean;
  /** The current folder. @default `process.cwd()` */
  cwd: string;
  /** `npm_config_user_agent`, to print the right next commands. */
  userAgent: string | undefined;
}

function packageManager(userAgent: string | undefined): string {
  const name = userAgent?.split(' ')[0]?.split('/')[0];
  return name === 'pnpm' || name === 'yarn' || name === 'bun' ? name : 'npm';
}

function isTemplate(value: unknown): value is TemplateName {
  return typeof value === 'string' && (TEMPLATES as readonly string[]).includes(value);
}

/**
 * Runs `create-gae-app [dir] [--template fetch|hono|express] [--yes]` and returns the exit
 * code: 0 done, 1 refused (non-empty folder, bad option), 130 cancelled.
 */
export async function runCreate(argv: string[], io: Partial<CreateIo> = {}): Promise<number> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const err = io.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const interactive = io.interactive ?? Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const cwd = io.cwd ?? process.cwd();
  const userAgent = 'userAgent' in io ? io.userAgent : process.env.npm_config_user_agent;

  const cli = cac('create-gae-app');
  cli
    .usage('[dir] [options]')
    .option('-t, --template <name>', `Template: ${TEMPLATES.join(', ')} (default: fetch)`)
    .option('-y, --yes', 'Use the defaults, ask nothing')
    .option('--name <name>', 'package.json name (default: from the folder)')
    .help()
    .version(ownVersion());
  cli.example('pnpm create gae-app my-app --template hono');
  let parsed: ReturnType<typeof cli.parse>;
  try {
    parsed = cli.parse(['node', 'create-gae-app', ...argv], { run: false });
  } catch (error) {
    err(`${pc.red('error')} ${(error as Error).message}`);
    return 1;
  }
  if (parsed.options.help || parsed.options.version) return 0;

  const ask = interactive && !parsed.options.yes;
  let dir = parsed.args[0] as string | undefined;
  let template: unknown = parsed.options.template;
  if (template !== undefined && !isTemplate(template)) {
    err(`${pc.red('error')} unknown template "${String(template)}": use ${TEMPLATES.join(', ')}`);
    return 1;
  }

  if (ask) prompts.intro(pc.bold(pc.cyan('create-gae-app')));
  if (dir === undefined) {
    if (!ask) {
      if (!parsed.options.yes) {
        err(`${pc.red('error')} name the folder: create-gae-app my-app`);
        return 1;
      }
      dir = 'gae-app';
    } else {
      const answer = await prompts.text({
        message: 'Where should the app go?',
        placeholder: 'gae-app',
        defaultValue: 'gae-app',
        validate: (value) =>
          isEmptyDir(`${cwd}/${value || 'gae-app'}`) ? undefined : 'That folder is not empty',
      });
      if (prompts.isCancel(answer)) {
        prompts.cancel('Cancelled: nothing was written.');
        return 130;
      }
      dir = answer || 'gae-app';
    }
  }
  if (template === undefined) {
    if (ask) {
      const answer = await prompts.select<TemplateName>({
        message: 'Which framework?',
        options: TEMPLATES.map((value) => ({
          value,
          label: value,
          hint: TEMPLATE_DESCRIPTIONS[value],
        })),
        initialValue: 'fetch',
      });
      if (prompts.isCancel(answer)) {
        prompts.cancel('Cancelled: nothing was written.');
        return 130;
      }
      template = answer;
    } else {
      template = 'fetch';
    }
  }

  const target = `${cwd}/${dir}`;
  try {
    const result = scaffold({
      dir: target,
      template: template as TemplateName,
      name: (parsed.options.name as string | undefined) ?? packageNameFor(target),
    });
    const pm = packageManager(userAgent);
    const shown = relative(cwd, result.dir) || '.';
    const lines = [
      `${pc.green('✔')} created ${pc.bold(result.name)} (${result.template}) in ${shown}`,
      '',
      '  next:',
      ...(shown === '.' ? [] : [`    cd ${shown}`]),
      `    ${pm} install`,
      `    ${pm === 'npm' ? 'npm run' : pm} dev      ${pc.dim('# App Engine front end on http://127.0.0.1:8080')}`,
      `    ${pm} test     ${pc.dim('# tests against the same front end, in-process')}`,
    ];
    if (ask) prompts.outro(lines.join('\n'));
    else for (const line of lines) out(line);
    return 0;
  } catch (error) {
    if (error instanceof ScaffoldError) {
      err(`${pc.red('error')} ${error.message}`);
      return 1;
    }
    throw error;
  }
}
