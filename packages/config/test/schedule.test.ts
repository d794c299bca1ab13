import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GaeError, nextRuns, parseSchedule } from '../src/index.js';
import { validSchedule } from './schedule-arbitraries.js';

/** Answers of Google's own schedule parser (groc), recorded by `pnpm check:groc --fixture`. */
interface Recorded {
  schedule: string;
  timezone: string | null;
  from: string;
  count: number;
  runs?: string[];
  error?: string;
}
const recorded = JSON.parse(
  readFileSync(new URL('./fixtures/cron/groc.json', import.meta.url), 'utf8'),
) as Recorded[];

function iso(dates: Date[]): string[] {
  return dates.map((d) => d.toISOString());
}

function problem(schedule: string): GaeError {
  try {
    parseSchedule(schedule);
  } catch (error) {
    if (error instanceof GaeError) return error;
    throw error;
  }
  throw new Error(`${JSON.stringify(schedule)} parsed`);
}

describe('parseSchedule', () => {
  it('reads the three forms of the grammar', () => {
    expect(parseSchedule('every 5 minutes')).toEqual({
      kind: 'interval',
      every: 5,
      unit: 'minutes',
      seconds: 300,
      synchronized: false,
    });
    expect(parseSchedule('every 2 hours from 10:00 to 14:00')).toMatchObject({
      kind: 'interval',
      seconds: 7200,
      from: { hour: 10, minute: 0 },
      to: { hour: 14, minute: 0 },
    });
    expect(parseSchedule('every 6 hours synchronized')).toMatchObject({
      synchronized: true,
      from: { hour: 0, minute: 0 },
      to: { hour: 23, minute: 59 },
    });
    expect(parseSchedule('2nd,third mon,wed,thu of march 17:00')).toEqual({
      kind: 'specific',
      time: { hour: 17, minute: 0 },
      monthDays: [],
      ordinals: [2, 3],
      weekdays: [1, 3, 4],
      months: [3],
    });
    expect(parseSchedule('1 of month 00:00')).toMatchObject({
      monthDays: [1],
      months: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    });
  });

  it('knows every spelling: abbreviations, ordinals as words, "day", quarters, H:MM', () => {
    expect(parseSchedule('every day 09:00')).toMatchObject({
      ordinals: [1, 2, 3, 4, 5],
      weekdays: [0, 1, 2, 3, 4, 5, 6],
    });
    expect(parseSchedule('every monday 9:05')).toMatchObject({
      weekdays: [1],
      time: { hour: 9, minute: 5 },
    });
    expect(parseSchedule('2nd day of month 10:00')).toMatchObject({ monthDays: [2], weekdays: [] });
    expect(parseSchedule('fourth,fifth sun of quarter 10:00')).toMatchObject({
      ordinals: [4, 5],
      months: [1, 4, 7, 10],
    });
    expect(parseSchedule('1st mon of 2nd,third month of quarter 10:00')).toMatchObject({
      months: [2, 3, 5, 6, 8, 9, 11, 12],
    });
    expect(parseSchedule('1 of jan,april,july,oct 00:00')).toMatchObject({ months: [1, 4, 7, 10] });
    expect(parseSchedule('every 30 mins')).toMatchObject({ seconds: 1800, unit: 'minutes' });
  });

  it('says where the schedule stops making sense, with a hint for common mistakes', () => {
    const interval = problem('every 6 hours mon,wed,fri');
    expect(interval.code).toBe('config/invalid-schedule');
    expect(interval.message).toBe(
      '"every 6 hours mon,wed,fri" is not a valid schedule: expected the end of the schedule at column 15, found "mon".',
    );
    expect(interval.hint).toContain('cannot be limited to days');
    expect(problem('every 1 hour').hint).toBe('Write "hours" (plural), even for 1.');
    expect(problem('every 30 seconds').hint).toBe('The shortest interval is 1 minute.');
    expect(problem('Every 5 minutes').hint).toContain('lowercase');
    expect(problem('every Monday 09:00').hint).toBe(
      'Schedules are written in lowercase: "every monday 09:00".',
    );
    expect(problem('every monday').hint).toContain('ends with the time');
    expect(problem('every monday 24:00').hint).toBe(
      'Times are 24-hour HH:MM, from 00:00 to 23:59.',
    );
    expect(problem('monday 09:00').hint).toBe('Start with "every": "every monday …".');
    expect(problem('every mondays 09:00').hint).toBe(
      'Days are singular: "every monday", "every day".',
    );
    expect(problem('1,15 of every month 09:00').hint).toBe(
      'Write "of month", not "of every month".',
    );
    expect(problem('every 0 minutes').message).toContain('greater than zero');
    expect(problem('every 5 hours synchronized').message).toContain('divides 24 hours evenly');
    expect(problem('30 of feb 00:00').message).toContain('day 30 does not exist in february');
    expect(problem('32 of month 00:00').message).toContain('at most 31 days');
    expect(problem('0 of month 00:00').message).toContain('at least 1');
    expect(problem('1st monday of 4th month of quarter 10:00').message).toContain('three months');
    expect(problem('').message).toContain('found the end of the schedule');
  });

  it('accepts every generated schedule', () => {
    fc.assert(
      fc.property(validSchedule, (schedule) => {
        parseSchedule(schedule);
      }),
      { numRuns: 500 },
    );
  });
});

describe('nextRuns', () => {
  it('an interval counts from the start, on whole minutes', () => {
    expect(iso(nextRuns('every 5 minutes', new Date('2024-01-01T00:00:30Z'), 3))).toEqual([
      '2024-01-01T00:05:00.000Z',
      '2024-01-01T00:10:00.000Z',
      '2024-01-01T00:15:00.000Z',
    ]);
  });

  it('a window runs from its start every N, including its end', () => {
    expect(
      iso(nextRuns('every 2 hours from 10:00 to 14:00', new Date('2024-01-01T00:00:00Z'), 4)),
    ).toEqual([
      '2024-01-01T10:00:00.000Z',
      '2024-01-01T12:00:00.000Z',
      '2024-01-01T14:00:00.000Z',
      '2024-01-02T10:00:00.000Z',
    ]);
  });

  it('works in the job time zone, skipping times that do not exist', () => {
    // 02:30 does not exist in Berlin on 2024-03-31, when clocks jump from 02:00 to 03:00.
    expect(
      iso(nextRuns('every day 02:30', new Date('2024-03-29T00:00:00Z'), 3, 'Europe/Berlin')),
    ).toEqual(['2024-03-29T01:30:00.000Z', '2024-03-30T01:30:00.000Z', '2024-04-01T00:30:00.000Z']);
  });

  it('runs on a day of the month only in months that have it', () => {
    expect(iso(nextRuns('31 of month 12:00', new Date('2024-01-31T13:00:00Z'), 2))).toEqual([
      '2024-03-31T12:00:00.000Z',
      '2024-05-31T12:00:00.000Z',
    ]);
  });

  it('takes a parsed schedule too, and refuses an unknown time zone', () => {
    const schedule = parseSchedule('every monday 09:00');
    expect(iso(nextRuns(schedule, new Date('2024-01-01T09:00:00Z'), 1))).toEqual([
      '2024-01-08T09:00:00.000Z',
    ]);
    expect(() => nextRuns(schedule, new Date(), 1, 'Mars/Olympus')).toThrow(
      /"Mars\/Olympus" is not a known time zone/,
    );
    expect(() => nextRuns(schedule, new Date(), 1, '+01:00')).toThrow(GaeError);
  });

  it("agrees with Google's schedule parser on every recorded case", () => {
    expect(recorded.length).toBeGreaterThan(250);
    expect(recorded.filter((r) => r.error !== undefined).length).toBeGreaterThan(50);
    const disagreements: unknown[] = [];
    for (const c of recorded) {
      let ours: { runs?: string[]; error?: boolean };
      try {
        ours = {
          runs: iso(nextRuns(c.schedule, new Date(c.from), c.count, c.timezone ?? undefined)),
        };
      } catch {
        ours = { error: true };
      }
      const theirs = c.runs ? { runs: c.runs } : { error: true };
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) disagreements.push({ c, ours });
    }
    expect(disagreements).toEqual([]);
  });
});
