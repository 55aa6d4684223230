import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../src/archive/retry-after.js';

const NOW = Date.parse('1994-11-06T08:49:00Z');

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', NOW)).toBe(1000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
  });

  it('reads all three HTTP-date forms relative to now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(37_000);
  });

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', NOW)).toBe(0);
  });

  it('gives null for absent or garbage values', () => {
    for (const v of [undefined, '', '  ', '-5', '1.5', 'soon', '1e3', 'Sun, 06 Nov 1994', '2026-11-25T10:00:00Z']) {
      expect(parseRetryAfter(v, NOW), String(v)).toBeNull();
    }
  });
});
