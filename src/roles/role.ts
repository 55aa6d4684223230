// A running role (scheduler, measure, archive): something with an idempotent, bounded close.
import type { Worker } from 'bullmq';
import { settlesWithin } from '../async.js';
import type { Logger } from '../logger.js';
import { lockLossLogger } from '../queues/lock-loss.js';
import { redisErrorLogger } from '../queues/redis-error-log.js';

export interface Role {
  readonly name: string;
  close(): Promise<void>;
}

/** Close a worker, waiting for active jobs up to `graceMs`; then force it (they will be retried). */
export async function closeWorker(worker: Worker, graceMs: number, logger: Logger): Promise<void> {
  if (!(await settlesWithin(worker.close(), graceMs))) {
    logger.warn({ queue: worker.name, graceMs }, 'active jobs did not finish in time; cancelling them (they will be retried)');
    worker.cancelAllJobs('worker shutting down');
    await worker.close(true);
  }
}

export function logWorkerEvents(worker: Worker, logger: Logger): void {
  // Connection errors (a Redis outage) as one short line per cause, not a stack per reconnect.
  const redisError = redisErrorLogger(logger, { queue: worker.name }, 'worker error');
  // A lost job lock (same cause, seen as job errors): one warning per job, see lock-loss.ts.
  const lockLoss = lockLossLogger(logger, worker.name);
  worker.on('error', (err) => {
    if (!lockLoss(err)) redisError(err);
  });
  worker.on('stalled', (jobId) => logger.warn({ jobId, queue: worker.name }, 'job stalled; it will be picked up again'));
}
