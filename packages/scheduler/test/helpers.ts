import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type {
  DispatchOptions,
  DispatchResult,
  Scheduler,
  SchedulerEvent,
  SchedulerOptions,
} from '../src/index.js';
import { createScheduler } from '../src/index.js';

/** Absolute path of a fixture. */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const decoder = new TextDecoder();

/** A scheduler that records its events and stays quiet; closed by `closeAll`. */
export function quietScheduler(options: SchedulerOptions): {
  scheduler: Scheduler;
  events: SchedulerEvent[];
} {
  const events: SchedulerEvent[] = [];
  const scheduler = createScheduler({
    output: 'ignore',
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  open.add(scheduler);
  return { scheduler, events };
}

const open = new Set<Scheduler>();

/** Closes every scheduler a test made (afterEach). */
export async function closeAll(): Promise<void> {
  await Promise.all([...open].map((scheduler) => scheduler.close()));
  open.clear();
}

/** A GET (or another method) through the scheduler, with the body as text. */
export async function request(
  scheduler: Scheduler,
  path: string,
  options: DispatchOptions & { method?: string; body?: string; headers?: [string, string][] } = {},
): Promise<DispatchResult & { text: string }> {
  const result = await scheduler.dispatch(
    {
      method: options.method ?? 'GET',
      url: `http://localhost${path}`,
      headers: [['host', 'localhost'], ...(options.headers ?? [])],
      body: new TextEncoder().encode(options.body ?? ''),
    },
    options,
  );
  return { ...result, text: decoder.decode(result.response.body) };
}

/** The value of a response header. */
export function header(result: DispatchResult, name: string): string | undefined {
  return result.response.headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

/**
 * True while a process with this id runs. A zombie (ended, not yet reaped: in a container
 * whose init does not reap, orphans stay zombies) does not count.
 */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Process ids whose process group is `pgid` (a process instance's whole tree). */
export function groupMembers(pgid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,stat='], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** Threads of this process (worker instances are threads). */
export function threadCount(): number {
  return readdirSync('/proc/self/task').length;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 20 ms until it holds or `ms` pass (a slow CI machine starts instances late). */
export async function eventually(check: () => boolean, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await sleep(20);
}
