import { GaeError } from './errors.js';
import {
  daysInMonth,
  isTimeZone,
  localize,
  type WallTime,
  wallMs,
  wallTime,
  weekday,
} from './timezone.js';

/**
 * cron.yaml's English-like schedules ("every 5 minutes", "2nd,third mon,wed of march 17:00"),
 * parsed and evaluated the way Google's own schedule parser (groc, shipped in the Cloud SDK)
 * does: the same grammar, the same defaults and the same next-run arithmetic.
 */

/** A time of day, 24-hour. */
export interface TimeOfDay {
  /** 0–23. */
  hour: number;
  /** 0–59. */
  minute: number;
}

/** `every N minutes|hours`, optionally `from HH:MM to HH:MM` or `synchronized`. */
export interface IntervalSchedule {
  /** Tells the two kinds of schedule apart. */
  kind: 'interval';
  /** The N of `every N minutes`. */
  every: number;
  /** `minutes` (also written `mins`) or `hours`. */
  unit: 'minutes' | 'hours';
  /** The interval in seconds. */
  seconds: number;
  /** `synchronized`: runs start at fixed times from 00:00, as `from 00:00 to 23:59`. */
  synchronized: boolean;
  /** Start of the daily window (`from`); 00:00 when synchronized, undefined without a window. */
  from?: TimeOfDay;
  /** End of the daily window (`to`), inclusive; 23:59 when synchronized. */
  to?: TimeOfDay;
}

/** `[every|ORDINALS] DAYS [of MONTHS] HH:MM`, or `MONTHDAYS of MONTHS HH:MM`. */
export interface SpecificSchedule {
  /** Tells the two kinds of schedule apart. */
  kind: 'specific';
  /** When on a matching day the job runs. */
  time: TimeOfDay;
  /** Days of the month (1–31) for `1,15 of month` and `2nd day of month`; empty when the schedule names weekdays. */
  monthDays: number[];
  /** Which occurrences (1–5) of `weekdays` in a month match: `2nd,third monday`. All five for `every`. */
  ordinals: number[];
  /** Matching days of the week, 0 = Sunday … 6 = Saturday. */
  weekdays: number[];
  /** Matching months, 1–12. */
  months: number[];
}

/** A parsed cron schedule. */
export type Schedule = IntervalSchedule | SpecificSchedule;

/** The three forms of a schedule, for messages. */
export const SCHEDULE_ALLOWED =
  '"every N minutes|mins|hours" (optionally "from HH:MM to HH:MM" or "synchronized"), "every day|WEEKDAYS [of MONTHS] HH:MM", "1st,3rd WEEKDAYS [of MONTHS] HH:MM" or "DAY,DAY of month|MONTHS HH:MM"';

type Token =
  | { type: 'word'; word: Word; text: string; at: number }
  | { type: 'ordinal'; value: number; text: string; at: number }
  | { type: 'weekday'; value: number; text: string; at: number }
  | { type: 'month'; value: number; text: string; at: number }
  | { type: 'time'; value: TimeOfDay; text: string; at: number }
  | { type: 'number'; value: number; text: string; at: number }
  | { type: 'comma'; text: string; at: number }
  | { type: 'unknown'; text: string; at: number }
  | { type: 'end'; text: string; at: number };

type Word =
  | 'every'
  | 'of'
  | 'from'
  | 'to'
  | 'synchronized'
  | 'day'
  | 'month'
  | 'quarter'
  | 'hours'
  | 'minutes';

const WORDS: Record<string, Word> = {
  every: 'every',
  of: 'of',
  from: 'from',
  to: 'to',
  synchronized: 'synchronized',
  day: 'day',
  month: 'month',
  quarter: 'quarter',
  hours: 'hours',
  mins: 'minutes',
  minutes: 'minutes',
};
const ORDINALS: Record<string, number> = {
  '1st': 1,
  first: 1,
  '2nd': 2,
  second: 2,
  '3rd': 3,
  third: 3,
  '4th': 4,
  fourth: 4,
  '5th': 5,
  fifth: 5,
};
const WEEKDAY_NAMES = [
  'sunday',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
];
const MONTH_NAMES = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** Every spelling the lexer knows, longest first so that `monday` wins over `mon` and `month` over both. */
const SPELLINGS: [string, (text: string, at: number) => Token][] = (() => {
  const entries: [string, (text: string, at: number) => Token][] = [];
  for (const [text, word] of Object.entries(WORDS))
    entries.push([text, (t, at) => ({ type: 'word', word, text: t, at })]);
  for (const [text, value] of Object.entries(ORDINALS))
    entries.push([text, (t, at) => ({ type: 'ordinal', value, text: t, at })]);
  WEEKDAY_NAMES.forEach((name, value) => {
    for (const text of new Set([name, name.slice(0, 3)]))
      entries.push([text, (t, at) => ({ type: 'weekday', value, text: t, at })]);
  });
  MONTH_NAMES.forEach((name, index) => {
    for (const text of new Set([name, name.slice(0, 3)]))
      entries.push([text, (t, at) => ({ type: 'month', value: index + 1, text: t, at })]);
  });
  return entries.sort((a, b) => b[0].length - a[0].length);
})();

const TIME = /^(?:([01]\d|2[0-3])|(\d)):([0-5]\d)/;

/** Splits a schedule into tokens as groc's lexer does: case-sensitive, spaces optional. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^[ \t\r\n]+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const time = TIME.exec(rest);
    if (time) {
      const hour = Number(time[1] ?? time[2]);
      tokens.push({ type: 'time', value: { hour, minute: Number(time[3]) }, text: time[0], at });
      at += time[0].length;
      continue;
    }
    const spelling = SPELLINGS.find(([word]) => rest.startsWith(word));
    if (spelling) {
      tokens.push(spelling[1](spelling[0], at));
      at += spelling[0].length;
      continue;
    }
    // groc reads at most five digits as one number.
    const digits = /^\d{1,5}/.exec(rest);
    if (digits) {
      tokens.push({ type: 'number', value: Number(digits[0]), text: digits[0], at });
      at += digits[0].length;
      continue;
    }
    if (rest[0] === ',') {
      tokens.push({ type: 'comma', text: ',', at });
      at += 1;
      continue;
    }
    const word = /^[^\s,]+/.exec(rest)?.[0] ?? rest[0] ?? '';
    tokens.push({ type: 'unknown', text: word, at });
    at += word.length;
  }
  tokens.push({ type: 'end', text: '', at: text.length });
  return tokens;
}

function shown(token: Token): string {
  return token.type === 'end' ? 'the end of the schedule' : JSON.stringify(token.text);
}

const ALL_ORDINALS = [1, 2, 3, 4, 5];
const ALL_WEEKDAYS = [0, 1, 2, 3, 4, 5, 6];
const ALL_MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

class ScheduleSyntaxError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

class Parser {
  #index = 0;
  constructor(private readonly tokens: Token[]) {}

  get current(): Token {
    return this.tokens[this.#index] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  peek(offset: number): Token {
    return this.tokens[this.#index + offset] ?? (this.tokens[this.tokens.length - 1] as Token);
  }

  next(): Token {
    const token = this.current;
    if (this.#index < this.tokens.length - 1) this.#index++;
    return token;
  }

  isWord(word: Word): boolean {
    const token = this.current;
    return token.type === 'word' && token.word === word;
  }

  fail(expected: string, hint?: string): never {
    const token = this.current;
    throw new ScheduleSyntaxError(
      `expected ${expected} at column ${token.at + 1}, found ${shown(token)}`,
      hint,
    );
  }

  expectWord(word: Word, expected: string, hint?: string): void {
    if (!this.isWord(word)) this.fail(expected, hint);
    this.next();
  }

  /** A comma-separated list of tokens of one type. */
  list<T extends Token['type']>(type: T): Extract<Token, { type: T }>[] {
    const items = [this.next() as Extract<Token, { type: T }>];
    while (this.current.type === 'comma') {
      this.next();
      if (this.current.type !== type) this.fail(`a ${type} after ","`);
      items.push(this.next() as Extract<Token, { type: T }>);
    }
    return items;
  }

  schedule(): Schedule {
    const first = this.current;
    const second = this.peek(1);
    const result =
      first.type === 'word' && first.word === 'every' && second.type === 'number'
        ? this.interval()
        : this.specific();
    if (this.current.type !== 'end') {
      if (result.kind === 'interval' && ['weekday', 'month', 'ordinal'].includes(this.current.type))
        this.fail(
          'the end of the schedule',
          'An interval ("every N hours") cannot be limited to days or months; use "every DAYS HH:MM" for fixed times on some days.',
        );
      this.fail('the end of the schedule');
    }
    return result;
  }

  interval(): IntervalSchedule {
    this.next();
    const amount = this.next() as Extract<Token, { type: 'number' }>;
    const unit = this.current;
    if (unit.type !== 'word' || (unit.word !== 'hours' && unit.word !== 'minutes')) {
      const word = /^[a-z]+/i.exec(unit.text)?.[0]?.toLowerCase() ?? '';
      const hint = ['hour', 'minute', 'min'].includes(word)
        ? `Write "${word === 'hour' ? 'hours' : 'minutes'}" (plural), even for 1.`
        : ['second', 'seconds', 'secs', 'sec'].includes(word)
          ? 'The shortest interval is 1 minute.'
          : ['day', 'days', 'week', 'weeks'].includes(word)
            ? 'Write "every 24 hours", or "every day HH:MM" for a fixed time.'
            : undefined;
      this.fail('"minutes", "mins" or "hours"', hint);
    }
    this.next();
    const period: 'hours' | 'minutes' = unit.word;
    if (amount.value < 1) throw new ScheduleSyntaxError('the interval must be greater than zero');
    const seconds = amount.value * (period === 'hours' ? 3600 : 60);
    const schedule: IntervalSchedule = {
      kind: 'interval',
      every: amount.value,
      unit: period,
      seconds,
      synchronized: false,
    };
    if (this.isWord('synchronized')) {
      this.next();
      if (seconds > 86_400 || 86_400 % seconds !== 0) {
        throw new ScheduleSyntaxError(
          `"synchronized" needs an interval that divides 24 hours evenly, not ${amount.value} ${period}`,
          'Use 1, 2, 3, 4, 6, 8, 12 or 24 hours, or a number of minutes that divides 1440.',
        );
      }
      schedule.synchronized = true;
      schedule.from = { hour: 0, minute: 0 };
      schedule.to = { hour: 23, minute: 59 };
    } else if (this.isWord('from')) {
      this.next();
      schedule.from = this.time('a start time HH:MM after "from"');
      this.expectWord('to', '"to" after the start time');
      schedule.to = this.time('an end time HH:MM after "to"');
    }
    return schedule;
  }

  time(expected: string, missing?: string): TimeOfDay {
    const token = this.current;
    if (token.type !== 'time') {
      const hint =
        token.type === 'number' || /^\d/.test(token.text)
          ? 'Times are 24-hour HH:MM, from 00:00 to 23:59.'
          : token.type === 'end'
            ? missing
            : undefined;
      this.fail(expected, hint);
    }
    this.next();
    return token.value;
  }

  specific(): SpecificSchedule {
    let ordinals: number[] = [];
    let weekdays: number[] = [];
    let monthDays: number[] = [];
    let months: number[] = [];
    const start = this.current;
    if (start.type === 'number') {
      monthDays = this.list('number').map((t) => t.value);
      this.expectWord(
        'of',
        '"of month" or "of MONTHS" after the days of the month',
        'Days of the month need "of": "1,15 of month 09:00".',
      );
      months = this.months();
    } else {
      if (start.type === 'word' && start.word === 'every') this.next();
      else if (start.type === 'ordinal') ordinals = this.list('ordinal').map((t) => t.value);
      else
        this.fail(
          '"every", an ordinal ("1st", "second"…) or a day of the month',
          start.type === 'weekday' || (start.type === 'word' && start.word === 'day')
            ? `Start with "every": "every ${start.text} …".`
            : start.type === 'time'
              ? 'A time needs days before it: "every day 09:00".'
              : /[A-Z]/.test(start.text)
                ? 'Schedules are written in lowercase.'
                : undefined,
        );
      const days = this.current;
      if (days.type === 'word' && days.word === 'day') {
        this.next();
        // "2nd day" means the second day of the month, not every day of the second week.
        if (ordinals.length > 0) {
          monthDays = ordinals;
          ordinals = [];
        } else {
          ordinals = ALL_ORDINALS;
          weekdays = ALL_WEEKDAYS;
        }
      } else if (days.type === 'weekday') {
        weekdays = this.list('weekday').map((t) => t.value);
        if (ordinals.length === 0) ordinals = ALL_ORDINALS;
      } else {
        this.fail(
          '"day" or a weekday ("monday", "mon"…)',
          days.type === 'number'
            ? 'An interval is "every N minutes" or "every N hours".'
            : /[A-Z]/.test(days.text)
              ? 'Schedules are written in lowercase.'
              : undefined,
        );
      }
      if (this.current.type === 'unknown' && this.current.text.startsWith('s')) {
        this.fail('a time of day HH:MM', 'Days are singular: "every monday", "every day".');
      }
      if (this.isWord('of')) {
        this.next();
        months = this.months();
      } else {
        months = ALL_MONTHS;
      }
    }
    const time = this.time(
      'a time of day HH:MM at the end',
      'A schedule that names days ends with the time they run at: "every monday 09:00".',
    );
    return finishSpecific({ kind: 'specific', time, monthDays, ordinals, weekdays, months });
  }

  /** `month`, a list of month names, `quarter`, or `1st,2nd month of quarter`. */
  months(): number[] {
    const token = this.current;
    if (token.type === 'word' && token.word === 'month') {
      this.next();
      return ALL_MONTHS;
    }
    if (token.type === 'month') return this.list('month').map((t) => t.value);
    if (token.type === 'word' && token.word === 'quarter') {
      this.next();
      return [1, 4, 7, 10];
    }
    if (token.type === 'ordinal') {
      const offsets = this.list('ordinal').map((t) => t.value);
      const bad = offsets.find((offset) => offset > 3);
      if (bad !== undefined)
        throw new ScheduleSyntaxError(
          `a quarter has three months, so "${bad}th month of quarter" does not exist`,
        );
      this.expectWord('month', '"month" in "1st month of quarter"');
      this.expectWord('of', '"of" in "1st month of quarter"');
      this.expectWord('quarter', '"quarter" in "1st month of quarter"');
      const months = new Set<number>();
      for (const offset of offsets)
        for (const first of [1, 4, 7, 10]) months.add(first + offset - 1);
      return [...months];
    }
    return this.fail(
      '"month", "quarter" or month names ("january", "jan"…)',
      token.type === 'word' && token.word === 'every'
        ? 'Write "of month", not "of every month".'
        : undefined,
    );
  }
}

function sortedUnique(values: number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The range checks groc makes once a specific schedule is read. */
function finishSpecific(schedule: SpecificSchedule): SpecificSchedule {
  const monthDays = sortedUnique(schedule.monthDays);
  const months = sortedUnique(schedule.months);
  if (monthDays.length > 0) {
    const low = monthDays[0] as number;
    const high = monthDays[monthDays.length - 1] as number;
    if (low < 1) throw new ScheduleSyntaxError('a day of the month must be at least 1');
    if (high > 31) throw new ScheduleSyntaxError(`a month has at most 31 days, not ${high}`);
    // groc only asks that the smallest day exists in one of the months (in a leap year).
    if (!months.some((month) => low <= daysInMonth(2024, month))) {
      throw new ScheduleSyntaxError(
        `day ${low} does not exist in ${months.map((m) => MONTH_NAMES[m - 1]).join(', ')}`,
      );
    }
  }
  return {
    ...schedule,
    monthDays,
    months,
    ordinals: sortedUnique(schedule.ordinals),
    weekdays: sortedUnique(schedule.weekdays),
  };
}

/** Parses a schedule, or says why it does not parse (message without the schedule, and a hint). */
function readSchedule(
  text: string,
): { schedule: Schedule } | { schedule?: undefined; message: string; hint?: string } {
  try {
    return { schedule: new Parser(tokenize(text)).schedule() };
  } catch (error) {
    if (!(error instanceof ScheduleSyntaxError)) throw error;
    let hint = error.hint;
    // A schedule that only needs lowercase says so, whatever else the parser noticed.
    if (text !== text.toLowerCase()) {
      try {
        new Parser(tokenize(text.toLowerCase())).schedule();
        hint = `Schedules are written in lowercase: ${JSON.stringify(text.toLowerCase())}.`;
      } catch {
        // not only a matter of case
      }
    }
    return hint === undefined ? { message: error.message } : { message: error.message, hint };
  }
}

/**
 * Parses a cron.yaml `schedule` with the grammar of Google's schedule parser:
 * `parseSchedule("every 5 minutes")`, `parseSchedule("every monday 09:00")`,
 * `parseSchedule("2nd,third mon,wed,thu of march 17:00")`, `parseSchedule("1 of month 00:00")`,
 * `parseSchedule("every 2 hours from 10:00 to 14:00")`, `parseSchedule("every 6 hours synchronized")`.
 * Words are lowercase; times are 24-hour `HH:MM`.
 * @throws {GaeError} `config/invalid-schedule` saying where the schedule stops making sense.
 */
export function parseSchedule(text: string): Schedule {
  const read = readSchedule(text);
  if (read.schedule) return read.schedule;
  throw new GaeError(
    'config/invalid-schedule',
    `${JSON.stringify(text)} is not a valid schedule: ${read.message}.`,
    { hint: read.hint ?? `Allowed: ${SCHEDULE_ALLOWED}.` },
  );
}

/** Why a schedule does not parse (a message and maybe a hint), or undefined when it does. */
export function scheduleProblem(text: string): { message: string; hint?: string } | undefined {
  const read = readSchedule(text);
  return read.schedule ? undefined : read;
}

const MINUTE = 60_000;

/** The earliest instant with wall time `wall` in `zone`; a time that clocks skip moves a minute at a time. */
function combine(wall: WallTime, zone: string | undefined): number {
  let current = wall;
  for (let i = 0; i < 24 * 60; i++) {
    const found = localize(current, zone);
    if (found.kind === 'unique') return found.at;
    if (found.kind === 'ambiguous') return found.first;
    current = wallTime(wallMs(current) + MINUTE, undefined);
  }
  throw new Error(`no instant shows ${JSON.stringify(wall)} in ${zone}`);
}

function atTime(date: WallTime, time: TimeOfDay): WallTime {
  return {
    year: date.year,
    month: date.month,
    day: date.day,
    hour: time.hour,
    minute: time.minute,
    second: 0,
  };
}

function shiftDays(date: WallTime, days: number): WallTime {
  return wallTime(Date.UTC(date.year, date.month - 1, date.day + days), undefined);
}

/** The latest instant at or before `t` whose wall time in `zone` is `time`. */
function previousAt(t: number, time: TimeOfDay, zone: string | undefined): number {
  let date = wallTime(t, zone);
  for (;;) {
    const at = combine(atTime(date, time), zone);
    if (at <= t) return at;
    date = shiftDays(date, -1);
  }
}

/** The earliest instant after `t` whose wall time in `zone` is `time`. */
function nextAt(t: number, time: TimeOfDay, zone: string | undefined): number {
  let date = wallTime(t, zone);
  for (;;) {
    const at = combine(atTime(date, time), zone);
    if (at > t) return at;
    date = shiftDays(date, 1);
  }
}

function inWindow(t: number, from: TimeOfDay, to: TimeOfDay, zone: string | undefined): boolean {
  const start = previousAt(t, from, zone);
  const end = previousAt(t, to, zone);
  return start > end || t === end;
}

function nextInterval(schedule: IntervalSchedule, start: number, zone: string | undefined): number {
  const step = schedule.seconds * 1000;
  if (!schedule.from || !schedule.to) {
    // One interval later, on a whole minute.
    const next = start + step;
    return next - (((next % MINUTE) + MINUTE) % MINUTE);
  }
  const windowStart = previousAt(start, schedule.from, zone);
  const delta = Math.floor((start - windowStart) / 1000);
  // groc counts whole days of the gap as 1440 seconds (not 86400); kept so that runs agree with it.
  const deltaSeconds = Math.floor(delta / 86_400) * 1440 + (delta % 86_400);
  const intervals = Math.floor((deltaSeconds + schedule.seconds) / schedule.seconds);
  const candidate = windowStart + intervals * step;
  const nextWindow = nextAt(start, schedule.from, zone);
  if (
    inWindow(start, schedule.from, schedule.to, zone) &&
    inWindow(candidate, schedule.from, schedule.to, zone) &&
    candidate < nextWindow
  ) {
    return candidate;
  }
  return nextWindow;
}

function matchingDays(schedule: SpecificSchedule, year: number, month: number): number[] {
  const last = daysInMonth(year, month);
  if (schedule.monthDays.length > 0) return schedule.monthDays.filter((day) => day <= last);
  const firstWeekday = weekday(year, month, 1);
  const days: number[] = [];
  for (const ordinal of schedule.ordinals) {
    for (const day of schedule.weekdays) {
      const date = ((day - firstWeekday + 7) % 7) + 1 + 7 * (ordinal - 1);
      if (date <= last) days.push(date);
    }
  }
  return sortedUnique(days);
}

function nextSpecific(schedule: SpecificSchedule, start: number, zone: string | undefined): number {
  const from = wallTime(start, zone);
  let year = from.year;
  let month = from.month;
  // Months at or after the start month, wrapping into later years; 400 years covers every calendar.
  for (let step = 0; step < 12 * 400; step++) {
    const candidates = schedule.months.filter((m) => (step === 0 ? m >= month : m > month));
    const nextMonth = candidates[0];
    if (nextMonth === undefined) {
      year++;
      month = 0;
      continue;
    }
    month = nextMonth;
    let days = matchingDays(schedule, year, month);
    if (year === from.year && month === from.month) days = days.filter((day) => day >= from.day);
    for (const day of days) {
      const wall = {
        year,
        month,
        day,
        hour: schedule.time.hour,
        minute: schedule.time.minute,
        second: 0,
      };
      const found = localize(wall, zone);
      if (found.kind === 'nonexistent') continue;
      // When clocks go back the time exists twice: the first unless the start is already past it.
      const at =
        found.kind === 'unique' ? found.at : start < found.first ? found.first : found.second;
      if (at > start) return at;
    }
  }
  throw new GaeError('config/invalid-schedule', 'the schedule never matches a date');
}

/**
 * The next `count` times a schedule runs strictly after `from`, in the job's `timezone` (an
 * IANA name; UTC when omitted), computed as Google's schedule parser computes them.
 *
 * For a plain interval ("every 5 minutes") App Engine counts from the end of the previous run;
 * here each run is taken to end when it starts, so the runs are `from` + N, + 2N… on whole minutes.
 * @throws {GaeError} `config/invalid-schedule` for a schedule that does not parse, or an unknown time zone.
 */
export function nextRuns(
  schedule: string | Schedule,
  from: Date,
  count: number,
  timezone?: string,
): Date[] {
  const parsed = typeof schedule === 'string' ? parseSchedule(schedule) : schedule;
  const zone = timezone === undefined || timezone === 'UTC' ? undefined : timezone;
  if (zone !== undefined && !isTimeZone(zone)) {
    throw new GaeError(
      'config/invalid-timezone',
      `${JSON.stringify(zone)} is not a known time zone.`,
      {
        hint: 'Use a tz database name such as "Europe/Berlin" or "America/New_York".',
      },
    );
  }
  const runs: Date[] = [];
  let current = from.getTime();
  for (let i = 0; i < count; i++) {
    current =
      parsed.kind === 'interval'
        ? nextInterval(parsed, current, zone)
        : nextSpecific(parsed, current, zone);
    runs.push(new Date(current));
  }
  return runs;
}
