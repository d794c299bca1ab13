import { describe, expect, it } from 'vitest';
import { isoTime } from '../src/time.js';

describe('isoTime', () => {
  it('matches Date#toISOString for any time, including across second, year and era edges', () => {
    const samples = [
      0,
      1,
      999,
      1000,
      1001,
      -1,
      -999,
      -1000,
      -1001,
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      253402300799999,
      253402300800000,
      -62167219200000,
      -62167219200001,
      1_700_000_000_123.9,
    ];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      samples.push(seed * 997 - 10 ** 12, 1_700_000_000_000 + (seed % 5000));
    }
    for (const ms of samples)
      expect(isoTime(ms), String(ms)).toBe(new Date(Math.floor(ms)).toISOString());
  });
});
