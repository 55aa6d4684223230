// A worker that lost a job's lock (Redis unreachable for longer than the lock duration, or a blocked
// event loop) gets BullMQ 'error' events: "could not renew lock for job X" every half lock duration
// while the job runs, then "Missing lock for job X. moveToFinished" or "Lock mismatch for job X…"
// when it ends. They are not failures: the stalled-job check hands the job out again and the re-run
// ends it (measured-marker.ts, in-flight.ts make that re-run reuse this run's work). So: one warning
// per job and kind that says so, instead of an error with a stack trace every few hundred ms.
import type { Logger } from '../logger.js';

export type LockLossKind = 'renew' | 'finish';

/** Which job lost its lock, from a BullMQ error, or null for any other error. Pure. */
export function lockLossOf(err: Error): { jobId: string; kind: LockLossKind } | null {
  const renew = /^could not renew lock for job (.+)$/.exec(err.message);
  if (renew) return { jobId: renew[1]!, kind: 'renew' };
  const finish = /^(?:Missing lock|Lock mismatch) for job (.+?)\. /.exec(err.message);
  if (finish) return { jobId: finish[1]!, kind: 'finish' };
  return null;
}

const MESSAGES: Record<LockLossKind, string> = {
  renew:
    'lost the lock of a running job (usually: Redis was unreachable for longer than STALLED_INTERVAL_MS); ' +
    'it is handed out again when Redis is back and the re-run completes it: a measurement is not taken twice, ' +
    'a delivery is re-sent as the same record',
  finish: 'a run finished after losing its job lock; the re-run of the job records the outcome (this is not a failure)',
};

/**
 * Returns a handler that logs lock losses (true) and ignores anything else (false, for the next
 * handler). Remembers at most `maxJobs` recent job ids so a long-running worker stays bounded.
 */
export function lockLossLogger(logger: Logger, queue: string, maxJobs = 1000): (err: Error) => boolean {
  const seen = new Set<string>();
  return (err) => {
    const loss = lockLossOf(err);
    if (!loss) return false;
    const key = `${loss.kind}|${loss.jobId}`;
    if (seen.has(key)) return true;
    if (seen.size >= maxJobs) seen.delete(seen.values().next().value as string);
    seen.add(key);
    logger.warn({ queue, jobId: loss.jobId }, MESSAGES[loss.kind]);
    return true;
  };
}
