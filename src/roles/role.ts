// A running role (scheduler, measure, archive): something with an idempotent, bounded close.
import type { Worker } from 'bullmq';
import type { Logger } from '../logger.js';

export interface Role {
  readonly name: string;
  close(): Promise<void>;
}

/** Close a worker, waiting for active jobs up to `graceMs`; then force it (they will be retried). */
export async function closeWorker(worker: Worker, graceMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const graceful = worker.close().then(() => 'closed' as const);
  const timeout = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), graceMs);
  });
  const first = await Promise.race([graceful, timeout]);
  clearTimeout(timer);
  if (first === 'timeout') {
    logger.warn({ queue: worker.name, graceMs }, 'active jobs did not finish in time; cancelling them (they will be retried)');
    worker.cancelAllJobs('worker shutting down');
    await worker.close(true);
  }
}

export function logWorkerEvents(worker: Worker, logger: Logger): void {
  worker.on('error', (err) => logger.error({ err, queue: worker.name }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId, queue: worker.name }, 'job stalled; it will be picked up again'));
}
