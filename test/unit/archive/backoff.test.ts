import { describe, expect, it } from 'vitest';
import { archiveDelayMs, describePolicy, nominalDelayMs, RETRY_AFTER_CAP_MS } from '../../../src/archive/backoff.js';
import { archiveBackoffStrategy } from '../../../src/archive/archive-processor.js';
import { archiveJobOptions } from '../../../src/jobs/archive-job.js';
import { ArchiveRetryableError } from '../../../src/errors.js';

const OPTS = { baseMs: 1000, maxMs: 60_000 };
const top = (): number => 0.999999999;
const bottom = (): number => 0;

describe('archiveDelayMs', () => {
  it('doubles from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 7, 8, 50, 5000].map((n) => nominalDelayMs(n, OPTS))).toEqual([
      1000, 2000, 4000, 8000, 60_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('jitters within [50 %, 100 %] of the nominal delay', () => {
    expect(archiveDelayMs(3, OPTS, bottom, null)).toBe(2000);
    expect(archiveDelayMs(3, OPTS, top, null)).toBe(4000);
    expect(archiveDelayMs(3, OPTS, () => 0.5, null)).toBe(3000);
    for (let i = 0; i < 200; i++) {
      const d = archiveDelayMs(20, OPTS, Math.random, null);
      expect(d).toBeGreaterThanOrEqual(30_000);
      expect(d).toBeLessThanOrEqual(60_000);
    }
  });

  it('never retries sooner than Retry-After, even past the cap', () => {
    expect(archiveDelayMs(1, OPTS, bottom, 5000)).toBe(5000);
    expect(archiveDelayMs(1, OPTS, top, 200)).toBe(1000);
    expect(archiveDelayMs(1, OPTS, bottom, 120_000)).toBe(120_000);
  });

  it('caps a Retry-After at one hour', () => {
    expect(archiveDelayMs(1, OPTS, bottom, 10 * 86_400_000)).toBe(RETRY_AFTER_CAP_MS);
  });

  it('treats attemptsMade below 1 as the first retry', () => {
    expect(archiveDelayMs(0, OPTS, top, null)).toBe(1000);
  });
});

describe('describePolicy', () => {
  it('sums the un-jittered delays between attempts', () => {
    expect(describePolicy(1, 1000, 60_000)).toBe(0);
    expect(describePolicy(4, 1000, 60_000)).toBe(1000 + 2000 + 4000);
    expect(describePolicy(10, 1000, 60_000)).toBe(1000 + 2000 + 4000 + 8000 + 16_000 + 32_000 + 60_000 * 3);
  });
});

describe('archiveBackoffStrategy', () => {
  const strategy = archiveBackoffStrategy({ archiveBackoffMs: 100, archiveBackoffMaxMs: 1000 }, top);

  it('uses the exponential delay for plain errors', () => {
    expect(strategy(1, 'archive', new Error('x'))).toBe(100);
    expect(strategy(3, 'archive', new Error('x'))).toBe(400);
  });

  it("reads the archiver's Retry-After from the error", () => {
    expect(strategy(1, 'archive', new ArchiveRetryableError('429', 429, 1500))).toBe(1500);
    expect(strategy(1, 'archive', Object.assign(new Error('plain'), { retryAfterMs: 700 }))).toBe(700);
  });
});

describe('archiveJobOptions', () => {
  it('wires attempts, the archive backoff type and how long failed deliveries are kept', () => {
    expect(archiveJobOptions({ archiveAttempts: 12, archiveBackoffMs: 5000, archiveFailedKeepDays: 7 })).toEqual({
      attempts: 12,
      backoff: { type: 'archive', delay: 5000 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    });
  });
});
