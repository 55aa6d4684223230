// `psq retry-failed`: put failed deliveries back in line, one by one or in bulk, with full attempts.
import type { Queue } from 'bullmq';
import type { Category } from '../plan/categories.js';
import type { ArchiveJobData } from './archive-job.js';

export interface RetryFilter {
  readonly url: string | null;
  readonly category: Category | null;
}

export async function retryFailedDeliveries(queue: Queue<ArchiveJobData>, filter: RetryFilter, pageSize = 500): Promise<string[]> {
  const retried: string[] = [];
  // Retrying moves jobs out of the failed set, so always read the first page of what is left,
  // skipping the ones that do not match (counted by `offset`).
  let offset = 0;
  for (;;) {
    const page = await queue.getFailed(offset, offset + pageSize - 1);
    if (page.length === 0) break;
    for (const job of page) {
      const match = (filter.url === null || job.data.url === filter.url) && (filter.category === null || job.data.category === filter.category);
      if (!match) {
        offset += 1;
        continue;
      }
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      retried.push(String(job.id));
    }
  }
  return retried;
}
