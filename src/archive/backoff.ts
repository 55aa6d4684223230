// Delay before the next archive delivery attempt: capped exponential with equal jitter; pure.

export interface BackoffOptions {
  /** Delay after the first failure, ms. */
  readonly baseMs: number;
  /** Cap on our own delay, ms (a Retry-After may exceed it). */
  readonly maxMs: number;
}

/** A Retry-After longer than this is honoured only up to here, so a buggy archiver cannot park a result for days. */
export const RETRY_AFTER_CAP_MS = 60 * 60 * 1000;

/** Un-jittered delay after `attemptsMade` failures: base·2^(n-1), capped at maxMs. */
export function nominalDelayMs(attemptsMade: number, opts: BackoffOptions): number {
  const n = Math.max(1, Math.floor(attemptsMade));
  // 2 ** 1024 is Infinity, which Math.min turns into the cap, so no overflow guard is needed.
  return Math.max(0, Math.min(opts.baseMs * 2 ** (n - 1), opts.maxMs));
}

/**
 * Delay before the next attempt. Equal jitter (uniform in [50 %, 100 %] of the nominal delay)
 * keeps many workers that lost the same archiver from retrying in lockstep while still
 * guaranteeing half the wait. When the archiver sent Retry-After, never retry sooner.
 */
export function archiveDelayMs(
  attemptsMade: number,
  opts: BackoffOptions,
  random: () => number,
  retryAfterMs: number | null,
): number {
  const nominal = nominalDelayMs(attemptsMade, opts);
  const r = Math.min(Math.max(random(), 0), 1);
  const jittered = nominal / 2 + r * (nominal / 2);
  const floor = retryAfterMs === null || !(retryAfterMs >= 0) ? 0 : Math.min(retryAfterMs, RETRY_AFTER_CAP_MS);
  return Math.round(Math.max(jittered, floor));
}

/**
 * Worst-case span the retries cover, ms: the sum of un-jittered delays between `attempts` tries.
 * This is how long an archiver may stay away before results go to the failed set.
 */
export function describePolicy(attempts: number, baseMs: number, maxMs: number): number {
  let total = 0;
  for (let made = 1; made < attempts; made++) total += nominalDelayMs(made, { baseMs, maxMs });
  return total;
}
