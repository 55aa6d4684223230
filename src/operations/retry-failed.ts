// `psq retry-failed`: put failed deliveries back in line, one by one or in bulk, with full attempts.
import type { Queue } from 'bullmq';
import type { Category } from '../plan/categories.js';
import type { ArchiveJobData } from '../jobs/archive-job.js';
import { displayUrl } from '../archive/archive-request.js';

export interface RetryFilter {
  /** The configured archiver this queue belongs to: only jobs whose data names it are retried. */
  readonly url: string;
  readonly category: Category | null;
}

export interface RetryOutcome {
  readonly retried: string[];
  /**
   * Failed jobs in this queue whose data names another archiver (edited or written into Redis):
   * not retried — the archive worker sends only to its queue's configured URL and would refuse them.
   * Keyed by the URL they name (password masked).
   */
  readonly otherArchiver: ReadonlyMap<string, number>;
}

export async function retryFailedDeliveries(queue: Queue<ArchiveJobData>, filter: RetryFilter, pageSize = 500): Promise<RetryOutcome> {
  const retried: string[] = [];
  const otherArchiver = new Map<string, number>();
  // Retrying moves jobs out of the failed set, so always read the first page of what is left,
  // skipping the ones that do not match (counted by `offset`).
  let offset = 0;
  for (;;) {
    const page = await queue.getFailed(offset, offset + pageSize - 1);
    if (page.length === 0) break;
    for (const job of page) {
      const data = job.data as Partial<ArchiveJobData> | null | undefined;
      if (filter.category !== null && data?.category !== filter.category) {
        offset += 1;
        continue;
      }
      if (data?.url !== filter.url) {
        const named = displayUrl(String(data?.url));
        otherArchiver.set(named, (otherArchiver.get(named) ?? 0) + 1);
        offset += 1;
        continue;
      }
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried.push(String(job.id));
    }
  }
  return { retried, otherArchiver };
}
