import fc from 'fast-check';

/** Generators of cron schedules: valid ones in every spelling, and near misses. */

const pad = (n: number) => String(n).padStart(2, '0');
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.boolean())
  .map(([h, m, short]) => `${short && h < 10 ? String(h) : pad(h)}:${pad(m)}`);

const ORDINAL_SPELLINGS = [
  ['1st', 'first'],
  ['2nd', 'second'],
  ['3rd', 'third'],
  ['4th', 'fourth'],
  ['5th', 'fifth'],
];
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = [
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

const spelled = (names: string[]) =>
  fc
    .tuple(fc.integer({ min: 0, max: names.length - 1 }), fc.boolean())
    .map(([i, short]) => (short ? (names[i] as string).slice(0, 3) : (names[i] as string)));
const ordinal = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.boolean())
  .map(([i, word]) => (ORDINAL_SPELLINGS[i] as string[])[word ? 1 : 0] as string);
const list = (item: fc.Arbitrary<string>, max: number) =>
  fc.array(item, { minLength: 1, maxLength: max }).map((items) => items.join(','));

const monthSpec = fc.oneof(
  fc.constant('month'),
  list(spelled(MONTHS), 4),
  fc.constant('quarter'),
  list(fc.constantFrom('1st', 'first', '2nd', 'second', '3rd', 'third'), 2).map(
    (o) => `${o} month of quarter`,
  ),
);

const interval = fc.oneof(
  fc
    .tuple(fc.integer({ min: 1, max: 600 }), fc.constantFrom('minutes', 'mins', 'hours'))
    .map(([n, unit]) => `every ${n} ${unit}`),
  fc
    .tuple(
      fc.integer({ min: 1, max: 180 }),
      fc.constantFrom('minutes', 'mins', 'hours'),
      time,
      time,
    )
    .map(([n, unit, from, to]) => `every ${n} ${unit} from ${from} to ${to}`),
  fc
    .constantFrom(
      '1 hours',
      '2 hours',
      '3 hours',
      '4 hours',
      '6 hours',
      '8 hours',
      '12 hours',
      '24 hours',
      '5 minutes',
      '15 minutes',
      '30 mins',
      '45 minutes',
      '90 minutes',
    )
    .map((every) => `every ${every} synchronized`),
);

const specific = fc.oneof(
  fc
    .tuple(
      fc.oneof(fc.constant('every'), list(ordinal, 3)),
      fc.oneof(fc.constant('day'), list(spelled(WEEKDAYS), 3)),
      fc.option(monthSpec, { nil: undefined }),
      time,
    )
    .map(([which, days, months, at]) => `${which} ${days}${months ? ` of ${months}` : ''} ${at}`),
  fc
    .tuple(
      list(fc.integer({ min: 1, max: 28 }).map(String), 4),
      fc.oneof(fc.constant('month'), list(spelled(MONTHS), 3)),
      time,
    )
    .map(([days, months, at]) => `${days} of ${months} ${at}`),
);

/** Schedules App Engine accepts, in all their spellings. */
export const validSchedule: fc.Arbitrary<string> = fc.oneof(interval, specific);

const VOCABULARY = [
  'every',
  'of',
  'from',
  'to',
  'synchronized',
  'day',
  'days',
  'month',
  'quarter',
  'hours',
  'hour',
  'mins',
  'minutes',
  'minute',
  'seconds',
  '1st',
  'first',
  '3rd',
  'fourth',
  '6th',
  'monday',
  'mon',
  'mondays',
  'Monday',
  'fri',
  'jan',
  'march',
  'sept',
  '0',
  '5',
  '31',
  '32',
  '100000',
  '09:00',
  '9:00',
  '24:00',
  '12:60',
  ',',
  'Every',
  'and',
];

/** Token soup: mostly invalid schedules, some valid by chance, and valid ones with one token changed. */
export const nearSchedule: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 7 }).map((t) => t.join(' ')),
  fc.tuple(validSchedule, fc.constantFrom(...VOCABULARY), fc.nat()).map(([schedule, token, at]) => {
    const words = schedule.split(' ');
    words[at % words.length] = token;
    return words.join(' ');
  }),
  fc.tuple(validSchedule, fc.nat()).map(([schedule, at]) => {
    const words = schedule.split(' ');
    words.splice(at % words.length, 1);
    return words.join(' ');
  }),
);

/** Time zones with and without daylight saving time, on both sides of UTC. */
export const timeZone = fc.constantFrom(
  undefined,
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'America/Sao_Paulo',
  'Pacific/Chatham',
);

/** Start instants on whole seconds between 2000 and 2030 (pytz, which Google uses, knows DST rules up to 2037), often near a DST change. */
export const startInstant: fc.Arbitrary<Date> = fc.oneof(
  fc
    .integer({ min: Date.UTC(2000, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 })
    .map((s) => new Date(s * 1000)),
  fc
    .tuple(
      fc.constantFrom(
        Date.UTC(2024, 2, 31, 0, 30),
        Date.UTC(2024, 9, 27, 0, 30),
        Date.UTC(2024, 2, 10, 6, 0),
        Date.UTC(2024, 10, 3, 5, 0),
        Date.UTC(2024, 3, 6, 15, 0),
      ),
      fc.integer({ min: -3 * 3600, max: 3 * 3600 }),
    )
    .map(([base, offset]) => new Date(base + offset * 1000)),
);
