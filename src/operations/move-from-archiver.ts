// `psq retry-failed --from OLD_URL` as a whole: refuse while archive workers still serve the old
// archiver's queue (moving its failures would leave new ones piling up there), move its failed
// deliveries onto the configured archivers (move-failed.ts), and count what stays behind.
import { archiveBodyLimit } from '../archive/archive-job-schema.js';
import type { Config } from '../config/config.js';
import { archiveJobOptions, type ArchiveJobData } from '../jobs/archive-job.js';
import type { Category } from '../plan/categories.js';
import { archiveQueueName } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { moveFailedDeliveries, type MoveOutcome } from './move-failed.js';

export type MoveFromArchiverOutcome =
  /** Archive workers (a psq with the old URL still configured) serve the old queue: nothing moved. */
  | { readonly kind: 'still-served'; readonly queue: string; readonly workers: number }
  | {
      readonly kind: 'moved';
      readonly queue: string;
      readonly outcome: MoveOutcome;
      /** Deliveries in the old queue that are not failed (waiting, delayed): no configured worker serves them. */
      readonly unserved: number;
    };

export async function moveFromArchiver(
  config: Pick<Config, 'maxResultBytes' | 'archiveAttempts' | 'archiveBackoffMs' | 'archiveFailedKeepDays'>,
  queues: QueueRegistry,
  oldUrl: string,
  targets: readonly string[],
  category: Category | null,
): Promise<MoveFromArchiverOutcome> {
  const queue = archiveQueueName(oldUrl);
  const oldQueue = queues.get<ArchiveJobData>(queue);
  const workers = await oldQueue.getWorkersCount();
  if (workers > 0) return { kind: 'still-served', queue, workers };
  const limits = { maxBodyBytes: archiveBodyLimit(config.maxResultBytes) };
  const outcome = await moveFailedDeliveries(oldQueue, (name) => queues.get<ArchiveJobData>(name), targets, { category }, archiveJobOptions(config), limits);
  const counts = await oldQueue.getJobCounts('waiting', 'delayed', 'prioritized');
  const unserved = Object.values(counts).reduce((a, b) => a + b, 0);
  return { kind: 'moved', queue, outcome, unserved };
}
