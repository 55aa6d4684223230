import { describe, expect, it } from 'vitest';
import { busyWaitDecision, busyWaitsOf, DEFAULT_BUSY_WAIT, SLOT_OVERDUE_WAIT_MS, SLOT_UNKNOWN_WAIT_MS, SLOT_WAIT_MAX_MS, slotWaitMs } from '../../../src/measure/busy-wait.js';

describe('busy waits', () => {
  it('waits until the bound, then counts the busy answer as a failed attempt', () => {
    const policy = { delayMs: 1000, maxWaits: 2 };
    expect(busyWaitDecision(0, policy)).toEqual({ wait: true, delayMs: 1000, waitNumber: 1 });
    expect(busyWaitDecision(1, policy)).toEqual({ wait: true, delayMs: 1000, waitNumber: 2 });
    expect(busyWaitDecision(2, policy)).toEqual({ wait: false, waited: 2 });
  });

  it('the default bound outlasts one default throughput test (-t 60 -O 10) and stays bounded', () => {
    const total = DEFAULT_BUSY_WAIT.delayMs * DEFAULT_BUSY_WAIT.maxWaits;
    expect(total).toBeGreaterThan(75_000);
    expect(total).toBeLessThanOrEqual(180_000);
  });

  it('reads the count from job data, which is untrusted', () => {
    expect(busyWaitsOf({ busyWaits: 3 })).toBe(3);
    for (const bad of [{}, null, 'x', { busyWaits: -1 }, { busyWaits: 1.5 }, { busyWaits: '2' }]) expect(busyWaitsOf(bad)).toBe(0);
  });
});

describe('waiting for a held throughput slot', () => {
  const noJitter = () => 0;

  it('asks again just after the holder expects to be done, not seconds later', () => {
    expect(slotWaitMs({ remainingMs: 14_000, expectedRemainingMs: 1_200 }, noJitter)).toBe(1_250);
    expect(slotWaitMs({ remainingMs: 14_000, expectedRemainingMs: 1 }, noJitter)).toBe(51);
  });

  it('waits no longer than the bound however long the holder expects to take', () => {
    expect(slotWaitMs({ remainingMs: 14_000, expectedRemainingMs: 70_000 }, noJitter)).toBe(SLOT_WAIT_MAX_MS);
  });

  it('asks again soon after a holder that is overdue, and after one that said nothing within a second', () => {
    expect(slotWaitMs({ remainingMs: 14_000, expectedRemainingMs: -300 }, noJitter)).toBe(SLOT_OVERDUE_WAIT_MS);
    expect(slotWaitMs({ remainingMs: 14_000, expectedRemainingMs: null }, noJitter)).toBe(SLOT_UNKNOWN_WAIT_MS);
    // A lease about to lapse (its holder died or is letting go) is asked again when it lapses.
    expect(slotWaitMs({ remainingMs: 600, expectedRemainingMs: null }, noJitter)).toBe(600);
    expect(slotWaitMs({ remainingMs: 0, expectedRemainingMs: null }, noJitter)).toBe(SLOT_OVERDUE_WAIT_MS);
  });

  it('adds up to the jitter, so two waiters of one destination do not ask at the same instant', () => {
    expect(slotWaitMs({ remainingMs: 14_000, expectedRemainingMs: 1_000 }, () => 0.999, 100)).toBe(1_149);
  });
});
