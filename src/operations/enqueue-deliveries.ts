// Put prepared archive jobs (replay's) in their archivers' queues, in batches so a replay of a
// long window does not build one huge Redis pipeline.
import type { JobsOptions } from 'bullmq';
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import type { QueueRegistry } from '../queues/queue-registry.js';

export interface PreparedDelivery {
  readonly queue: string;
  readonly name: string;
  readonly data: ArchiveJobData;
  readonly opts: JobsOptions & { jobId: string };
}

const BATCH = 1000;

/** Adds every job to its queue; returns where each one is, for following its delivery. */
export async function enqueueDeliveries(queues: QueueRegistry, jobs: readonly PreparedDelivery[]): Promise<ArchiveJobRef[]> {
  const byQueue = new Map<string, PreparedDelivery[]>();
  for (const job of jobs) {
    const list = byQueue.get(job.queue);
    if (list) list.push(job);
    else byQueue.set(job.queue, [job]);
  }
  for (const [name, batch] of byQueue) {
    for (let i = 0; i < batch.length; i += BATCH) {
      await queues.get<ArchiveJobData>(name).addBulk(batch.slice(i, i + BATCH).map(({ name: jobName, data, opts }) => ({ name: jobName, data, opts })));
    }
  }
  return jobs.map((j) => ({ queue: j.queue, id: j.opts.jobId }));
}
