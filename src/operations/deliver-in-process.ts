// replay and retry-failed without --enqueue-only: deliver the deliveries they put in line with an
// archive role in this process, and follow them until each is delivered, failed for good, or the
// wait is over.
import type { Config } from '../config/config.js';
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import type { Logger } from '../logger.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { startArchiveRole } from '../roles/archive-role.js';
import type { DeliveryOutcome } from './round-summary.js';
import { waitForDeliveries } from './wait-for-deliveries.js';

export interface DeliverInProcessOptions {
  readonly config: Config;
  readonly logger: Logger;
  readonly queues: QueueRegistry;
  /** The archivers to deliver to: one archive worker each. */
  readonly urls: readonly string[];
  readonly refs: readonly ArchiveJobRef[];
  readonly waitMs: number;
  /** Called after each look at the jobs (the progress line at a terminal). */
  readonly onProgress?: (outcomes: readonly DeliveryOutcome[]) => void;
}

export async function deliverInProcess(opts: DeliverInProcessOptions): Promise<DeliveryOutcome[]> {
  const { config, logger, queues } = opts;
  const role = await startArchiveRole({ config, urls: opts.urls, queues, logger, shutdownGraceMs: 5_000 });
  try {
    return await waitForDeliveries((name) => queues.get<ArchiveJobData>(name), opts.refs, opts.waitMs, undefined, opts.onProgress);
  } finally {
    await role.close();
  }
}
