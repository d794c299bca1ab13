import { format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { formatMessage } from '../src/logging.js';

describe('formatMessage', () => {
  it('gives what util.format gives', () => {
    const cases: unknown[][] = [
      ['plain'],
      ['a %s b', 'x'],
      ['%s%s', 'a', 'b'],
      ['%s', 'a', 'extra', 'more'],
      ['100%% sure %s', 'x'],
      ['%%s %s', 'x'],
      ['%s and %s', 'only one'],
      ['trailing %'],
      ['%x unknown %s', 'y'],
      ['%d items', '5'],
      ['%d items', 5],
      ['%j', 'j'],
      ['%o', { a: 1 }],
      ['no placeholders', 'a', 'b'],
      [{ a: 1 }, 'b'],
      [42],
      ['%s', { toString: () => 'obj' }],
      ['%', 'x'],
      ['%%', 'x'],
      ['%s %s %s', 'a', 'b'],
      ['%c styled %s', 'color: red', 'x'],
      ['', 'a'],
    ];
    for (const args of cases)
      expect(formatMessage(args), JSON.stringify(args)).toBe(format(...args));
  });
});
