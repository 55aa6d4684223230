// Failed deliveries no configured archiver serves: they sit in the queue of an archiver that was
// removed from ARCHIVE_URLS (or mistyped, then fixed). Plain retry-failed does not re-send them;
// it points at `psq retry-failed --from OLD_URL`, which moves them onto the configured archivers.
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { parseArchiveUrl } from '../config/archive-urls.js';
import { discoverQueueNames } from '../dashboard/queue-discovery.js';
import { ARCHIVE_QUEUE_PREFIX, archiveQueueName } from '../queues/queue-names.js';
import type { ArchiveJobData } from '../jobs/archive-job.js';
import type { Logger } from '../logger.js';
import { connectionFor } from '../queues/connection-kinds.js';
import type { QueueRegistry } from '../queues/queue-registry.js';

export interface StrandedQueue {
  readonly queue: string;
  /** The archiver this queue belongs to (read from a job, checked against the queue name); null if unknown. */
  readonly url: string | null;
  readonly failed: number;
  /**
   * Archive workers connected to it (counted from Redis): a psq elsewhere has this archiver in its
   * ARCHIVE_URLS, or one here still runs with the old configuration.
   */
  readonly workers: number;
}

/** Archive queues under the prefix that belong to no configured archiver and hold failed jobs. */
export async function findStrandedDeliveries(
  client: Redis,
  prefix: string,
  configured: readonly string[],
  queueFor: (name: string) => Queue<ArchiveJobData>,
): Promise<StrandedQueue[]> {
  const ours = new Set(configured.map(archiveQueueName));
  const names = (await discoverQueueNames(client, prefix, [])).filter((n) => n.startsWith(ARCHIVE_QUEUE_PREFIX) && !ours.has(n));
  const stranded: StrandedQueue[] = [];
  for (const name of names) {
    const queue = queueFor(name);
    const failed = await queue.getFailedCount();
    if (failed === 0) continue;
    stranded.push({ queue: name, url: await urlOfQueue(queue), failed, workers: await queue.getWorkersCount() });
  }
  return stranded;
}

/** The archiver URL a queue was made for: any job's data.url whose queue name matches (data can be edited). */
async function urlOfQueue(queue: Queue<ArchiveJobData>): Promise<string | null> {
  for (const job of await queue.getFailed(0, 19)) {
    const raw = (job.data as Partial<ArchiveJobData> | null | undefined)?.url;
    const parsed = typeof raw === 'string' ? parseArchiveUrl(raw) : null;
    if (parsed?.ok && archiveQueueName(parsed.value) === queue.name) return parsed.value;
  }
  return null;
}

/**
 * findStrandedDeliveries over the registry's Redis, on a connection of its own for the SCAN:
 * BullMQ's queue connections are not ours to issue commands on.
 */
export async function strandedDeliveries(queues: QueueRegistry, configured: readonly string[], logger: Logger): Promise<StrandedQueue[]> {
  const client = new Redis({ ...(connectionFor('control', queues.connection) as Record<string, unknown>), lazyConnect: true });
  client.on('error', (err: Error) => logger.debug({ err: err.message }, 'queue scan connection error'));
  try {
    await client.connect();
    return await findStrandedDeliveries(client, queues.prefix, configured, (name) => queues.get<ArchiveJobData>(name));
  } finally {
    client.disconnect();
  }
}
