// The archive role: delivers every result to its archiver, retrying with backoff until accepted.
import { Worker } from 'bullmq';
import type { ArchiveJobData } from '../archive/archive-job.js';
import { archiveBackoffStrategy, createArchiveProcessor } from '../archive/archive-processor.js';
import { createArchiveDispatchers } from '../archive/dispatchers.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { ARCHIVE_QUEUE } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { workerConnection } from '../queues/redis-options.js';
import { closeWorker, logWorkerEvents, type Role } from './role.js';

export interface ArchiveRoleDeps {
  readonly config: Config;
  readonly queues: QueueRegistry;
  readonly logger: Logger;
  readonly shutdownGraceMs: number;
}

export async function startArchiveRole(deps: ArchiveRoleDeps): Promise<Role> {
  const { config, queues, logger } = deps;
  const dispatchers = createArchiveDispatchers(config, { logger });
  const worker = new Worker<ArchiveJobData>(ARCHIVE_QUEUE, createArchiveProcessor({ config, dispatchers, logger }), {
    connection: workerConnection(queues.connection),
    prefix: queues.prefix,
    concurrency: config.archiveConcurrency,
    settings: { backoffStrategy: archiveBackoffStrategy(config) },
  });
  logWorkerEvents(worker, logger);
  worker.on('failed', (job, err) => {
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
      logger.error({ jobId: job.id, url: job.data.url, category: job.data.category, err: err.message }, 'delivery failed for good; kept in the failed set for a manual retry');
    }
  });
  logger.info({ archivers: config.archiveUrls, concurrency: config.archiveConcurrency, attempts: config.archiveAttempts }, 'archive role started');
  let closing: Promise<void> | null = null;
  return {
    name: 'archive',
    close() {
      closing ??= (async () => {
        await closeWorker(worker, deps.shutdownGraceMs, logger);
        await dispatchers.close();
      })();
      return closing;
    },
  };
}
