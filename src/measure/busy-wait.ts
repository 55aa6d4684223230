// How long a throughput job waits for a busy iperf3 server, and for how many times; and how long it
// waits for a throughput slot another test holds (slotWaitMs). Pure.
//
// A busy server is running someone else's test; with the cron runner's defaults (-t 60 -O 10) that
// is about 75 s. Waiting 15 s at a time up to 8 times (2 min in all) outlasts one such test plus
// another that slipped in before ours, without holding the testpoint's only throughput slot for
// much longer than one test of its own. Past the bound the busy answer counts as a failed attempt
// (and is retried, kept and archived like any other failure), so a server that is never free shows
// up as failures instead of waiting forever.

export interface BusyWaitPolicy {
  readonly delayMs: number;
  readonly maxWaits: number;
}

export const DEFAULT_BUSY_WAIT: BusyWaitPolicy = { delayMs: 15_000, maxWaits: 8 };

/** The busy waits a job has had so far, from its data (untrusted: anything odd counts as none). */
export function busyWaitsOf(data: unknown): number {
  const n = typeof data === 'object' && data !== null ? (data as Record<string, unknown>)['busyWaits'] : undefined;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

export type BusyWaitDecision = { readonly wait: true; readonly delayMs: number; readonly waitNumber: number } | { readonly wait: false; readonly waited: number };

export function busyWaitDecision(waitsSoFar: number, policy: BusyWaitPolicy): BusyWaitDecision {
  if (waitsSoFar >= policy.maxWaits) return { wait: false, waited: waitsSoFar };
  return { wait: true, delayMs: policy.delayMs, waitNumber: waitsSoFar + 1 };
}

/** What a slot's holder says about it (throughput-leases.ts LeaseAttempt when not held). */
export interface HeldSlot {
  /** Until the lease expires unless renewed. */
  readonly remainingMs: number;
  /** Until the holder expects to be done (≤ 0: overdue); null when it did not say. */
  readonly expectedRemainingMs: number | null;
}

/** A wait no longer than this, however long the holder expects to take: its expectation is only its previous test's length. */
export const SLOT_WAIT_MAX_MS = 15_000;
/** Asking again this soon after a holder that is overdue (its test runs longer than its previous one). */
export const SLOT_OVERDUE_WAIT_MS = 250;
/** And this soon after one that said nothing (its first test, or an older psq). */
export const SLOT_UNKNOWN_WAIT_MS = 1_000;

/**
 * How long a throughput job waits before asking again for a slot another test holds: until the
 * holder expects to be done plus a moment for it to let go, so the slot is taken as it frees rather
 * than seconds later; the worker meanwhile takes its other waiting jobs. Up to `jitterMs` more keeps
 * two waiters of one destination from asking at the same instant.
 */
export function slotWaitMs(slot: HeldSlot, random: () => number = Math.random, jitterMs = 100): number {
  const jitter = Math.floor(random() * jitterMs);
  const expected = slot.expectedRemainingMs;
  if (expected !== null && expected > 0) return Math.min(expected + 50, SLOT_WAIT_MAX_MS) + jitter;
  if (expected !== null) return SLOT_OVERDUE_WAIT_MS + jitter;
  // A lease about to expire (its holder died, or is letting go) is worth asking again sooner.
  return Math.min(Math.max(slot.remainingMs, SLOT_OVERDUE_WAIT_MS), SLOT_UNKNOWN_WAIT_MS) + jitter;
}
