// Follow a set of archive jobs until each is delivered or failed for good, or a deadline passes.
import { Job, type Queue } from 'bullmq';
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import { sleep } from '../async.js';
import type { DeliveryOutcome } from './round-summary.js';


export async function waitForDeliveries(
  queueFor: (name: string) => Queue<ArchiveJobData>,
  refs: readonly ArchiveJobRef[],
  waitMs: number,
  pollMs = 250,
  /** Called after each look at the jobs (the progress line at a terminal). */
  onProgress?: (outcomes: readonly DeliveryOutcome[]) => void,
): Promise<DeliveryOutcome[]> {
  const outcomes = new Map<string, DeliveryOutcome>();
  const deadline = Date.now() + waitMs;
  for (;;) {
    for (const { queue, id } of refs) {
      const known = outcomes.get(id);
      if (known && known.state !== 'pending') continue;
      // State before the job, so a job seen as finished is read with its final failedReason.
      const state = await queueFor(queue).getJobState(id);
      const job = state === 'unknown' ? undefined : await Job.fromId<ArchiveJobData>(queueFor(queue), id);
      if (!job) {
        outcomes.set(id, { jobId: id, url: known?.url ?? '(unknown)', state: 'failed', reason: 'the job disappeared from Redis' });
        continue;
      }
      // Job data is untrusted (a refused job may hold anything, even null): read it without throwing.
      const dataUrl = (job.data as Partial<ArchiveJobData> | null)?.url;
      const url = typeof dataUrl === 'string' ? dataUrl : '(no url in job data)';
      if (state === 'completed') outcomes.set(id, { jobId: id, url, state: 'delivered', reason: null });
      else if (state === 'failed') outcomes.set(id, { jobId: id, url, state: 'failed', reason: job.failedReason ?? null });
      else outcomes.set(id, { jobId: id, url, state: 'pending', reason: job.failedReason ? `last attempt: ${job.failedReason}` : `waiting (${state})` });
    }
    onProgress?.([...outcomes.values()]);
    const open = [...outcomes.values()].some((d) => d.state === 'pending');
    if (!open || Date.now() >= deadline) break;
    await sleep(pollMs);
  }
  return refs.map(({ id }) => outcomes.get(id)!).filter(Boolean);
}
