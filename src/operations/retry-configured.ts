// Plain `psq retry-failed`: put the failed deliveries of every chosen configured archiver back in
// line, and say which failed deliveries it left alone because their data names another archiver.
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import type { Category } from '../plan/categories.js';
import { archiveQueueName } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { retryFailedDeliveries } from './retry-failed.js';

/** Failed deliveries in a configured archiver's queue whose data names another archiver: not re-sent. */
export interface NamingAnotherArchiver {
  readonly queue: string;
  /** The archiver the queue belongs to (the only one its archive worker sends to). */
  readonly url: string;
  /** The archiver their data names (password masked). */
  readonly named: string;
  readonly count: number;
}

export interface RetryConfiguredOutcome {
  /** The deliveries put back in line, for following them. */
  readonly refs: ArchiveJobRef[];
  readonly namingAnother: NamingAnotherArchiver[];
}

export async function retryConfiguredArchivers(queues: QueueRegistry, urls: readonly string[], category: Category | null): Promise<RetryConfiguredOutcome> {
  const refs: ArchiveJobRef[] = [];
  const namingAnother: NamingAnotherArchiver[] = [];
  for (const url of urls) {
    const queue = archiveQueueName(url);
    const outcome = await retryFailedDeliveries(queues.get<ArchiveJobData>(queue), { url, category });
    refs.push(...outcome.retried.map((id) => ({ queue, id })));
    for (const [named, count] of outcome.otherArchiver) namingAnother.push({ queue, url, named, count });
  }
  return { refs, namingAnother };
}
