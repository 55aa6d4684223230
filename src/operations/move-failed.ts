// `psq retry-failed --from OLD_URL`: move the failed deliveries of an archiver that is no longer
// configured (a mistyped ARCHIVE_URLS, since fixed) onto the configured archivers' queues.
// Each delivery keeps its body (same run_id and ts, so archivers upsert); the copies get job ids
// derived from the old job and the target, so running it again — also after an interruption —
// adds nothing twice; the old job is removed only once every copy is in Redis.
import { createHash } from 'node:crypto';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Category } from '../plan/categories.js';
import { archiveQueueName } from '../queues/queue-names.js';
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import { checkArchiveJob, formatArchiveJobProblem, type ArchiveJobLimits } from '../archive/archive-job-schema.js';

export interface MoveFilter {
  readonly category: Category | null;
}

export interface MoveOutcome {
  /** Old failed jobs copied onto every target and removed from the old queue. */
  readonly moved: number;
  /** Copies added now. */
  readonly added: number;
  /** Copies that were already there (an earlier, interrupted run added them). */
  readonly alreadyThere: number;
  /** Every copy, for following its delivery. */
  readonly refs: ArchiveJobRef[];
  /** Old jobs left where they were: data that cannot become a delivery, with why. */
  readonly invalid: { jobId: string; reason: string }[];
}

/** Deterministic id of the copy of `oldJobId` (in `oldQueue`) for `targetUrl`. Pure. */
export function movedJobId(oldQueue: string, oldJobId: string, targetUrl: string): string {
  return `moved__${createHash('sha256').update(`${oldQueue}\n${oldJobId}\n${targetUrl}`).digest('hex').slice(0, 32)}`;
}

export interface MovedJob {
  readonly queue: string;
  readonly name: string;
  readonly data: ArchiveJobData;
  readonly opts: JobsOptions & { jobId: string };
}

/**
 * The copies of one old delivery, one per target archiver, each addressed to its target (the
 * archive worker sends only to its queue's configured URL) — or why the old job's data cannot be
 * delivered anywhere (the worker would refuse it: checked the same way). Pure.
 */
export function movedJobs(
  oldQueue: string,
  oldJobId: string,
  old: unknown,
  targets: readonly string[],
  options: JobsOptions,
  limits: ArchiveJobLimits,
): { ok: true; jobs: MovedJob[] } | { ok: false; reason: string } {
  const jobs: MovedJob[] = [];
  for (const url of targets) {
    const check = checkArchiveJob(typeof old === 'object' && old !== null ? { ...old, url } : old, limits);
    if (!check.ok) return { ok: false, reason: formatArchiveJobProblem(check.problem) };
    const data = check.data;
    jobs.push({
      queue: archiveQueueName(url),
      name: `moved ${data.category} ${data.body.dst.name}`,
      data,
      opts: { ...options, jobId: movedJobId(oldQueue, oldJobId, url) },
    });
  }
  return { ok: true, jobs };
}

export async function moveFailedDeliveries(
  oldQueue: Queue<ArchiveJobData>,
  queueFor: (name: string) => Queue<ArchiveJobData>,
  targets: readonly string[],
  filter: MoveFilter,
  options: JobsOptions,
  limits: ArchiveJobLimits,
  pageSize = 200,
): Promise<MoveOutcome> {
  let moved = 0;
  let added = 0;
  let alreadyThere = 0;
  const refs: ArchiveJobRef[] = [];
  const invalid: { jobId: string; reason: string }[] = [];
  // Moved jobs leave the failed set, so always read the first page of what is left, skipping
  // (by `offset`) the ones that stay.
  let offset = 0;
  for (;;) {
    const page: Job<ArchiveJobData>[] = await oldQueue.getFailed(offset, offset + pageSize - 1);
    if (page.length === 0) break;
    for (const job of page) {
      const data = job.data as Partial<ArchiveJobData> | null | undefined;
      if (filter.category !== null && data?.category !== filter.category) {
        offset += 1;
        continue;
      }
      const copies = movedJobs(oldQueue.name, String(job.id), data, targets, options, limits);
      if (!copies.ok) {
        invalid.push({ jobId: String(job.id), reason: copies.reason });
        offset += 1;
        continue;
      }
      for (const copy of copies.jobs) {
        const queue = queueFor(copy.queue);
        // Adding an id that exists is a no-op in BullMQ; asking first only makes the report honest.
        if ((await queue.getJobState(copy.opts.jobId)) === 'unknown') {
          await queue.add(copy.name, copy.data, copy.opts);
          added += 1;
        } else {
          alreadyThere += 1;
        }
        refs.push({ queue: copy.queue, id: copy.opts.jobId });
      }
      // Only now: every copy is in Redis, so an interruption before this line loses nothing.
      await job.remove();
      moved += 1;
    }
  }
  return { moved, added, alreadyThere, refs, invalid };
}
