import { closest, distance } from 'fastest-levenshtein';

/** `did you mean "static_dir"?` when a close enough candidate exists. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  if (candidates.length === 0) return undefined;
  const lower = input.toLowerCase();
  const exactIgnoringCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactIgnoringCase !== undefined) return `did you mean ${JSON.stringify(exactIgnoringCase)}?`;
  const best = closest(lower, candidates.map((c) => c.toLowerCase()) as string[]);
  const index = candidates.findIndex((c) => c.toLowerCase() === best);
  const match = candidates[index];
  if (match === undefined) return undefined;
  const limit = Math.max(2, Math.floor(match.length / 3));
  return distance(lower, best) <= limit ? `did you mean ${JSON.stringify(match)}?` : undefined;
}

/** `"a", "b" or "c"`. */
export function listOf(values: readonly unknown[], last = 'or'): string {
  const shown = values.map((v) => JSON.stringify(v));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} ${last} ${shown[shown.length - 1]}`;
}
