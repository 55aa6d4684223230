import { describe, expect, it } from 'vitest';
import { staleRoundReason } from '../../../src/measure/stale-round.js';
import { roundTiming } from '../../../src/schedule/round-timing.js';
import { nextSlotAfter } from '../../../src/schedule/next-slot.js';

const at = (iso: string) => Date.parse(iso);

describe('nextSlotAfter', () => {
  it.each([
    ['*/5 * * * *', 'UTC', '2026-12-01T10:05:00Z', '2026-12-01T10:10:00Z'],
    ['0 */6 * * *', 'UTC', '2026-12-01T06:00:00Z', '2026-12-01T12:00:00Z'],
    ['0 2 * * *', 'Europe/Oslo', '2026-12-01T01:00:00Z', '2026-12-02T01:00:00Z'],
    ['* * * * * *', 'UTC', '2026-12-01T10:00:00Z', '2026-12-01T10:00:01Z'],
  ])('%s in %s after %s is %s', (pattern, tz, slot, next) => {
    expect(nextSlotAfter(pattern, tz, at(slot))).toBe(at(next));
  });
  it('is null for a pattern it cannot read', () => {
    expect(nextSlotAfter('not a cron', 'UTC', 0)).toBeNull();
  });
});

describe('roundTiming', () => {
  const schedule = { pattern: '*/5 * * * *', tz: 'UTC' };
  it('has the next slot as deadline and no delay without offset or slip', () => {
    expect(roundTiming(schedule, at('2026-12-01T10:05:00Z'), () => 0.5)).toEqual({ notAfterMs: at('2026-12-01T10:10:00Z') });
  });
  it('adds the offset and a random part of the slip, drawn once', () => {
    let draws = 0;
    const random = () => {
      draws++;
      return 0.25;
    };
    expect(roundTiming({ ...schedule, offsetMs: 10_000, slipMs: 60_000 }, at('2026-12-01T10:05:00Z'), random)).toEqual({
      notAfterMs: at('2026-12-01T10:10:00Z'),
      delayMs: 25_000,
    });
    expect(draws).toBe(1);
  });
  it('keeps the delay below offset + slip', () => {
    expect(roundTiming({ ...schedule, slipMs: 1000 }, 0, () => 0.9999).delayMs).toBe(999);
  });
});

describe('staleRoundReason', () => {
  const slotMs = at('2026-12-01T10:05:00Z');
  const notAfterMs = at('2026-12-01T10:10:00Z');
  it.each([
    ['no deadline (run-once)', { slotMs }, notAfterMs + 3_600_000, null],
    ['before the next round', { slotMs, notAfterMs }, notAfterMs - 1, null],
    ['at the next round', { slotMs, notAfterMs }, notAfterMs, 'dropped: not started before the next round (slot 2026-12-01T10:05:00.000Z, next round 2026-12-01T10:10:00.000Z, 0 s past it)'],
    ['a day late', { slotMs, notAfterMs }, notAfterMs + 86_400_000, 'dropped: not started before the next round (slot 2026-12-01T10:05:00.000Z, next round 2026-12-01T10:10:00.000Z, 86400 s past it)'],
  ])('%s', (_what, data, now, expected) => {
    expect(staleRoundReason(data, now)).toBe(expected);
  });
});
