// One archive queue with a real Worker running the real archive processor, for delivery tests.
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ArchiveJobData } from '../../src/archive/archive-job.js';
import { archiveBackoffStrategy, archiveJobOptions, createArchiveProcessor, type ArchiveResult } from '../../src/archive/archive-processor.js';
import { createArchiveDispatchers, type DispatcherConfig } from '../../src/archive/dispatchers.js';
import type { Config } from '../../src/config/config.js';
import type { Logger } from '../../src/logger.js';

type WorkerConfig = DispatcherConfig &
  Pick<Config, 'authToken' | 'archiveAttempts' | 'archiveBackoffMs' | 'archiveBackoffMaxMs' | 'archiveFailedKeepDays'>;

export function archiveQueueWithWorker(opts: {
  readonly name: string;
  readonly config: WorkerConfig;
  readonly connection: Redis;
  readonly prefix: string;
  readonly logger: Logger;
  /** Cleanups are pushed here, to be run last-in first-out. */
  readonly cleanups: (() => Promise<unknown>)[];
}): Queue<ArchiveJobData, ArchiveResult> {
  const { name, config, connection, prefix, logger, cleanups } = opts;
  const dispatchers = createArchiveDispatchers(config, { logger });
  cleanups.push(() => dispatchers.close(500));
  const queue = new Queue<ArchiveJobData, ArchiveResult>(name, { connection, prefix, defaultJobOptions: archiveJobOptions(config) });
  queue.on('error', (err) => console.error('queue error', err));
  cleanups.push(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });
  const worker = new Worker<ArchiveJobData, ArchiveResult>(name, createArchiveProcessor({ config, dispatchers, logger }), {
    connection,
    prefix,
    concurrency: 1,
    settings: { backoffStrategy: archiveBackoffStrategy(config) },
  });
  worker.on('error', (err) => console.error('worker error', err));
  cleanups.push(() => worker.close());
  return queue;
}
