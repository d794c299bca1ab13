/**
 * Compares gaekit's cron schedule parser and next-run computation with Google's own (groc,
 * from a local Google Cloud SDK) on random schedules, start times and time zones. Not part of
 * `pnpm test` because CI machines have no Cloud SDK; `--fixture` instead records a fixed sample
 * of Google's answers in test/fixtures/cron/groc.json, which the tests replay.
 *
 *   pnpm --filter @gaekit/config check:groc [count]
 *   pnpm --filter @gaekit/config check:groc --fixture
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { nextRuns } from '../src/index.js';
import {
  nearSchedule,
  startInstant,
  timeZone,
  validSchedule,
} from '../test/schedule-arbitraries.js';

interface Case {
  schedule: string;
  timezone: string | null;
  from: string;
  count: number;
}
type Answer = { ok: true; runs: string[] } | { ok: false; error: string };

const lib = process.env.GCLOUD_SDK_LIB ?? '/usr/lib/google-cloud-sdk/lib';
if (!existsSync(lib)) {
  console.error(`No Google Cloud SDK at ${lib}; set GCLOUD_SDK_LIB.`);
  process.exit(2);
}

function google(cases: Case[]): Answer[] {
  const output = execFileSync(
    'python3',
    [fileURLToPath(new URL('./groc_oracle.py', import.meta.url))],
    { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  return JSON.parse(output) as Answer[];
}

function ours(c: Case): Answer {
  try {
    const runs = nextRuns(c.schedule, new Date(c.from), c.count, c.timezone ?? undefined);
    return { ok: true, runs: runs.map((r) => r.toISOString()) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

const caseArbitrary = (schedule: fc.Arbitrary<string>) =>
  fc.record({ schedule, timezone: timeZone, from: startInstant }).map(
    ({ schedule, timezone, from }): Case => ({
      schedule,
      timezone: timezone ?? null,
      from: from.toISOString(),
      count: 6,
    }),
  );

/** Hand-picked cases: the spec's examples and the corners of the grammar and of DST. */
const HAND_PICKED: Case[] = [
  ['every 5 minutes', null, '2024-01-01T00:00:00.000Z'],
  ['every 30 mins', null, '2024-01-01T00:00:30.000Z'],
  ['every 24 hours', null, '2024-01-01T10:17:00.000Z'],
  ['every day 09:00', null, '2024-01-01T09:00:00.000Z'],
  ['every day 00:00', 'Europe/Berlin', '2024-03-30T12:00:00.000Z'],
  ['every monday 09:00', null, '2024-01-01T08:00:00.000Z'],
  ['2nd,third mon,wed,thu of march 17:00', null, '2024-01-01T00:00:00.000Z'],
  ['every 2 hours from 10:00 to 14:00', null, '2024-01-01T00:00:00.000Z'],
  ['every 2 hours from 22:00 to 02:00', null, '2024-01-01T00:00:00.000Z'],
  ['every 6 hours synchronized', null, '2024-01-01T01:00:00.000Z'],
  ['1 of month 00:00', null, '2024-01-01T00:00:00.000Z'],
  ['1,8,15,22 of month 09:00', null, '2024-01-01T00:00:00.000Z'],
  ['1 of jan,april,july,oct 00:00', null, '2024-01-01T00:00:00.000Z'],
  ['29 of feb 00:00', null, '2024-03-01T00:00:00.000Z'],
  ['31 of month 12:00', null, '2024-01-31T13:00:00.000Z'],
  ['5th sunday of feb 10:00', null, '2024-01-01T00:00:00.000Z'],
  ['2nd day of month 10:00', null, '2024-01-01T00:00:00.000Z'],
  ['first monday of quarter 09:00', null, '2024-02-01T00:00:00.000Z'],
  ['1st,3rd tuesday of 2nd month of quarter 8:30', null, '2024-01-01T00:00:00.000Z'],
  ['every day 02:30', 'Europe/Berlin', '2024-03-29T00:00:00.000Z'],
  ['every day 02:30', 'Europe/Berlin', '2024-10-26T00:00:00.000Z'],
  ['every day 01:30', 'America/New_York', '2024-11-02T12:00:00.000Z'],
  ['every 30 minutes from 01:00 to 03:30', 'America/New_York', '2024-11-03T04:00:00.000Z'],
  ['every 30 minutes from 01:00 to 03:30', 'America/New_York', '2024-03-10T05:00:00.000Z'],
  ['every 1 hours synchronized', 'Asia/Kolkata', '2024-01-01T00:00:00.000Z'],
  ['every sat,sun 23:59', 'Pacific/Chatham', '2024-04-06T12:00:00.000Z'],
].map(([schedule, timezone, from]) => ({
  schedule: schedule as string,
  timezone: timezone ?? null,
  from: from as string,
  count: 6,
}));

const INVALID: string[] = [
  'Every 5 minutes',
  'every 6 hours mon,wed,fri',
  'every 1 hour',
  'every 0 minutes',
  'every 5 hours synchronized',
  'every 7 minutes synchronized',
  'every 100000 minutes',
  'every monday 24:00',
  'monday 09:00',
  'every mondays 09:00',
  '1st,3rd tuesday',
  '30 of feb 00:00',
  '0 of month 00:00',
  '32 of month 00:00',
  '1,2 of every month 00:00',
  '9:00',
  '',
];

const fixtureMode = process.argv.includes('--fixture');
const count = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 2000);
const seed = fixtureMode ? 20260401 : Date.now();
const valid = fc.sample(caseArbitrary(validSchedule), { numRuns: Math.ceil(count / 2), seed });
const near = fc.sample(caseArbitrary(nearSchedule), {
  numRuns: Math.floor(count / 2),
  seed: seed + 1,
});
// The fixture keeps a small sample: 150 valid schedules and 100 near misses.
const random = fixtureMode ? [...valid.slice(0, 150), ...near.slice(0, 100)] : [...valid, ...near];
const cases = [
  ...HAND_PICKED,
  ...INVALID.map((schedule) => ({
    schedule,
    timezone: null,
    from: '2024-01-01T00:00:00.000Z',
    count: 1,
  })),
  ...random,
];
const answers = google(cases);

if (fixtureMode) {
  const dir = fileURLToPath(new URL('../test/fixtures/cron/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const records = cases.map((c, i) => {
    const answer = answers[i] as Answer;
    return answer.ok ? { ...c, runs: answer.runs } : { ...c, error: answer.error };
  });
  writeFileSync(`${dir}groc.json`, `[\n${records.map((r) => JSON.stringify(r)).join(',\n')}\n]\n`);
  console.log(`Recorded ${records.length} answers of Google's schedule parser in ${dir}groc.json.`);
  process.exit(0);
}

/** pytz knows daylight-saving rules only up to 2037; later zoned runs are not comparable. */
function comparable(c: Case, runs: string[]): string[] {
  return c.timezone === null ? runs : runs.filter((run) => run < '2037-12-31');
}

let mismatches = 0;
cases.forEach((c, i) => {
  const theirs = answers[i] as Answer;
  const mine = ours(c);
  const same =
    theirs.ok === mine.ok &&
    (!theirs.ok ||
      JSON.stringify(comparable(c, theirs.runs)) ===
        JSON.stringify(comparable(c, (mine as { runs: string[] }).runs)));
  if (!same) {
    mismatches++;
    if (mismatches <= 30) console.error(JSON.stringify({ case: c, google: theirs, gaekit: mine }));
  }
});
if (mismatches > 0) {
  console.error(
    `gaekit and groc disagree on ${mismatches} of ${cases.length} cases (seed ${seed}).`,
  );
  process.exit(1);
}
console.log(`gaekit and groc agree on all ${cases.length} cases (seed ${seed}).`);
