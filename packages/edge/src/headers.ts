import type { HeaderPairs } from './records.js';

/** The first value of a header (case-insensitive name), or `undefined`. */
export function getHeader(headers: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of headers) if (same(key, lower)) return value;
  return undefined;
}

/** Whether a header name equals a lower-case name (letters or `-`), lowercasing only when it may. */
export function same(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  if (name === lower) return true;
  // First letter before lowercasing: different names of one length rarely share it.
  return (name.charCodeAt(0) | 0x20) === lower.charCodeAt(0) && name.toLowerCase() === lower;
}

/** Every value of a header joined with `, ` (how a list header is read), or `undefined`. */
export function getList(headers: HeaderPairs, name: string): string | undefined {
  const lower = name.toLowerCase();
  let joined: string | undefined;
  for (const [key, value] of headers) {
    if (!same(key, lower)) continue;
    joined = joined === undefined ? value : `${joined}, ${value}`;
  }
  return joined;
}

/** Whether a header is present (case-insensitive). */
export function hasHeader(headers: HeaderPairs, name: string): boolean {
  const lower = name.toLowerCase();
  for (const [key] of headers) if (same(key, lower)) return true;
  return false;
}

/**
 * Sets a header in place: the first field of that name gets the value (keeping its position
 * and spelling), later ones are removed; appended when absent.
 */
export function setHeader(headers: HeaderPairs, name: string, value: string): void {
  const lower = name.toLowerCase();
  let found = false;
  for (let i = 0; i < headers.length; i++) {
    const pair = headers[i] as [string, string];
    if (!same(pair[0], lower)) continue;
    if (found) {
      headers.splice(i, 1);
      i--;
    } else {
      headers[i] = [pair[0], value];
      found = true;
    }
  }
  if (!found) headers.push([name, value]);
}

/** A copy without the fields of the given (lower-case) names. */
export function withoutHeaders(headers: HeaderPairs, lowerNames: ReadonlySet<string>): HeaderPairs {
  const kept: HeaderPairs = [];
  for (const [name, value] of headers) {
    if (!lowerNames.has(name.toLowerCase())) kept.push([name, value]);
  }
  return kept;
}

/** Splits a list header (`a, b;q=1, c`) into trimmed, non-empty items. */
export function splitList(value: string | undefined): string[] {
  if (value === undefined) return [];
  const items: string[] = [];
  for (const part of value.split(',')) {
    const item = part.trim();
    if (item !== '') items.push(item);
  }
  return items;
}
