/**
 * Wall-clock time in an IANA time zone, with Intl only (no time-zone database of our own).
 * Used by the cron schedule emulation, which works in the job's `timezone` like App Engine.
 */

/** A date and time as a clock on the wall shows it (month 1–12). */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What a wall time is in a zone: one instant, two (clocks go back) or none (clocks go forward). */
export type Localized =
  | { kind: 'unique'; at: number }
  | { kind: 'ambiguous'; first: number; second: number }
  | { kind: 'nonexistent' };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/**
 * True for a time-zone name App Engine's cron accepts: an IANA name such as
 * `Europe/Berlin` or `UTC`. Offsets such as `+01:00` are refused (the tz database has none).
 */
export function isTimeZone(zone: string): boolean {
  if (zone === '' || /^[+-]\d/.test(zone)) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall time at instant `at` (ms since the epoch) in `zone`; UTC when `zone` is undefined. */
export function wallTime(at: number, zone: string | undefined): WallTime {
  if (zone === undefined || zone === 'UTC') {
    const d = new Date(at);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
    };
  }
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(at))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 1970,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** The wall time read as if it were UTC, in ms: a number to compare and do date arithmetic on. */
export function wallMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The instants at which clocks in `zone` show `wall`. */
export function localize(wall: WallTime, zone: string | undefined): Localized {
  const asUtc = wallMs(wall);
  if (zone === undefined || zone === 'UTC') return { kind: 'unique', at: asUtc };
  // Offsets a day either side cover any single transition near the wall time.
  const offsets = new Set<number>();
  for (const probe of [asUtc - 86_400_000, asUtc, asUtc + 86_400_000]) {
    offsets.add(wallMs(wallTime(probe, zone)) - Math.floor(probe / 1000) * 1000);
  }
  const instants = [...offsets]
    .map((offset) => asUtc - offset)
    .filter((at) => wallMs(wallTime(at, zone)) === asUtc)
    .sort((a, b) => a - b);
  const [first, second] = [...new Set(instants)];
  if (first === undefined) return { kind: 'nonexistent' };
  if (second === undefined) return { kind: 'unique', at: first };
  return { kind: 'ambiguous', first, second };
}

/** Days in a month of a year (month 1–12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Day of the week of a date, 0 = Sunday. */
export function weekday(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}
