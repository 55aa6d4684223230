import { describe, expect, it } from 'vitest';
import { EnvReader, matching, oneOf } from '../../../src/config/env-reader.js';

describe('EnvReader checks (no schema library)', () => {
  it('oneOf takes exact spellings, or any case when asked, and returns the choice as spelled', () => {
    expect(oneOf(['auto', 'all'])('all')).toBe('all');
    expect(oneOf(['auto', 'all'])('ALL')).toBeUndefined();
    expect(oneOf(['info', 'debug'], true)('DEBUG')).toBe('debug');
    expect(oneOf(['info', 'debug'], true)('verbose')).toBeUndefined();
  });

  it('matching wants the whole value to match an anchored pattern', () => {
    expect(matching(/^[a-z]{1,3}$/)('abc')).toBe('abc');
    expect(matching(/^[a-z]{1,3}$/)('abcd')).toBeUndefined();
  });

  it('bools and ints: the accepted spellings and bounds; anything else is a problem naming the value, and the fallback', () => {
    const r = new EnvReader({ A: 'Yes', B: '0', C: 'maybe', N: ' 42 ', BIG: '300', NEG: '-1', FRAC: '1.5', E: '' });
    expect(r.bool('A', false)).toBe(true);
    expect(r.bool('B', true)).toBe(false);
    expect(r.bool('C', true)).toBe(true);
    expect(r.int('N', 1, 1, 100)).toBe(42);
    expect(r.int('BIG', 7, 1, 256)).toBe(7);
    expect(r.int('NEG', 7, 0, 10)).toBe(7);
    expect(r.int('FRAC', 7, 0, 10)).toBe(7);
    expect(r.int('E', 9, 0, 10)).toBe(9); // empty counts as unset: no problem
    expect(r.problems).toEqual([
      { variable: 'C', value: 'maybe', expected: 'true or false (also 1/0, yes/no)' },
      { variable: 'BIG', value: '300', expected: 'a whole number from 1 to 256' },
      { variable: 'NEG', value: '-1', expected: 'a whole number from 0 to 10' },
      { variable: 'FRAC', value: '1.5', expected: 'a whole number from 0 to 10' },
    ]);
  });
});
