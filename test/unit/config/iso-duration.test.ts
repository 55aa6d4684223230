import { describe, expect, it } from 'vitest';
import { formatIsoDuration, formatIsoDurationFromMs, parseDuration } from '../../../src/config/iso-duration.js';
import { pschedulerFixture } from '../direct/captures.js';

describe('formatIsoDuration: isodate.duration_isoformat as pScheduler uses it', () => {
  it.each([
    [0.000704, 'PT0.000704S'],
    [0.0011, 'PT0.0011S'],
    [60, 'PT1M'],
    [90.5, 'PT1M30.5S'],
    [7200, 'PT2H'],
    [86_400, 'P1D'],
    [0, 'P0D'],
    [1, 'PT1S'],
    [60.5, 'PT1M0.5S'],
    [3661, 'PT1H1M1S'],
    [90_061.5, 'P1DT1H1M1.5S'],
    [172_800, 'P2D'],
    [0.000001, 'PT0.000001S'],
    // below a microsecond: a timedelta cannot hold it
    [0.0000004, 'P0D'],
    [0.0000005, 'PT0.000001S'],
    [3.064763, 'PT3.064763S'],
    [-1.5, '-PT1.5S'],
  ])('%s s → %s', (seconds, iso) => {
    expect(formatIsoDuration(seconds)).toBe(iso);
  });

  it('refuses NaN and infinity instead of writing nonsense', () => {
    expect(() => formatIsoDuration(Number.NaN)).toThrow(RangeError);
    expect(() => formatIsoDuration(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('milliseconds as tools print them', () => {
    expect(formatIsoDurationFromMs(0.704)).toBe('PT0.000704S');
    expect(formatIsoDurationFromMs(1.37)).toBe('PT0.00137S');
    expect(formatIsoDurationFromMs(0.06)).toBe('PT0.00006S');
    expect(formatIsoDurationFromMs(3064.763)).toBe('PT3.064763S');
    expect(formatIsoDurationFromMs(1003)).toBe('PT1.003S');
  });

  it('re-creates every duration in the real pScheduler rtt fixture', () => {
    const rtt = pschedulerFixture('rtt') as Record<string, unknown> & { roundtrips: Array<{ rtt: string }> };
    const durations = [rtt['min'], rtt['max'], rtt['mean'], rtt['stddev'], ...rtt.roundtrips.map((r) => r.rtt)] as string[];
    expect(durations).toHaveLength(9);
    for (const iso of durations) expect(formatIsoDuration(parseDuration(iso) as number)).toBe(iso);
  });
});

describe('parseDuration: ISO 8601 or bare seconds', () => {
  it.each([
    ['PT1M', 60],
    ['60', 60],
    ['10', 10],
    ['0.5', 0.5],
    ['PT0.5S', 0.5],
    ['PT1M30.5S', 90.5],
    ['P1DT2H', 93_600],
    ['PT2H', 7200],
    ['P1W', 604_800],
    ['pt10s', 10],
    ['P0D', 0],
    ['-PT5S', -5],
    [' PT1S ', 1],
  ])('%j → %s s', (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(['', 'P', 'PT', 'P1Y', 'P1M', '1m', 'abc', '-5', 'PT1H2', '1e3', 'PTS'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
