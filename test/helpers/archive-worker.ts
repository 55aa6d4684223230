// One archive queue with a real Worker running the real archive processor, for delivery tests.
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveBackoffStrategy, createArchiveProcessor, type ArchiveResult } from '../../src/archive/archive-processor.js';
import { archiveJobOptions } from '../../src/jobs/archive-job.js';
import { createArchiveDispatchers, type DispatcherConfig } from '../../src/archive/dispatchers.js';
import type { Config } from '../../src/config/config.js';
import type { Logger } from '../../src/logger.js';
import { onCleanup } from './test-context.js';

type WorkerConfig = DispatcherConfig &
  Pick<Config, 'authToken' | 'archiveAttempts' | 'archiveBackoffMs' | 'archiveBackoffMaxMs' | 'archiveFailedKeepDays'> &
  Partial<Pick<Config, 'maxResultBytes'>>;

/** MAX_RESULT_BYTES's default, for test configs that do not set it. */
const DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024;

export function archiveQueueWithWorker(opts: {
  readonly name: string;
  /** The archiver this queue belongs to: the worker delivers every job there (as ARCHIVE_URLS binds it). */
  readonly archiverUrl: string;
  readonly config: WorkerConfig;
  readonly connection: Redis;
  readonly prefix: string;
  readonly logger: Logger;
}): Queue<ArchiveJobData, ArchiveResult> {
  const { name, archiverUrl, connection, prefix, logger } = opts;
  const config = { ...opts.config, maxResultBytes: opts.config.maxResultBytes ?? DEFAULT_MAX_RESULT_BYTES };
  const dispatchers = createArchiveDispatchers(config, { logger });
  onCleanup(() => dispatchers.close(500));
  const queue = new Queue<ArchiveJobData, ArchiveResult>(name, { connection, prefix, defaultJobOptions: archiveJobOptions(config) });
  queue.on('error', (err) => console.error('queue error', err));
  onCleanup(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  const worker = new Worker<ArchiveJobData, ArchiveResult>(name, createArchiveProcessor({ config, archiverUrl, dispatchers, logger }), {
    connection,
    prefix,
    concurrency: 1,
    settings: { backoffStrategy: archiveBackoffStrategy(config) },
  });
  worker.on('error', (err) => console.error('worker error', err));
  onCleanup(() => worker.close());
  return queue;
}
