import { describe, expect, it } from 'vitest';
import { busyWaitDecision, busyWaitsOf, DEFAULT_BUSY_WAIT } from '../../../src/measure/busy-wait.js';

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
