// How long a throughput job waits for a busy iperf3 server, and for how many times. Pure.
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
