import { splitList } from './headers.js';

function opaque(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}

/**
 * Whether an `If-None-Match` value matches an entity tag: `*`, or any listed tag by weak
 * comparison (RFC 9110 §13.1.2), so a gzip variant's `W/"…"` matches its file's `"…"`.
 */
export function noneMatchHits(ifNoneMatch: string, etag: string): boolean {
  const wanted = opaque(etag);
  for (const tag of splitList(ifNoneMatch)) {
    if (tag === '*' || opaque(tag) === wanted) return true;
  }
  return false;
}

/**
 * Whether an `If-Match` value is satisfied: `*`, or a listed tag equal by strong comparison
 * (weak tags never match).
 */
export function ifMatchHolds(ifMatch: string, etag: string): boolean {
  for (const tag of splitList(ifMatch)) {
    if (tag === '*') return true;
    if (!tag.startsWith('W/') && !etag.startsWith('W/') && tag === etag) return true;
  }
  return false;
}
