// The measure role: workers on this testpoint's queues (light tests in parallel, throughput alone).
import { Worker } from 'bullmq';
import type { ArchiveJobData } from '../archive/archive-job.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureBackend } from '../measure/backend.js';
import { createMeasureProcessor } from '../measure/measure-processor.js';
import type { MeasureJobData } from '../measure/measure-job.js';
import { archiveQueueName, measureQueueName, throughputQueueName } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { stallOptions, workerConnection } from '../queues/redis-options.js';
import { closeWorker, logWorkerEvents, type Role } from './role.js';

export interface MeasureRoleDeps {
  readonly config: Config;
  readonly queues: QueueRegistry;
  readonly backend: MeasureBackend;
  readonly logger: Logger;
  /** How long a shutdown waits for running measurements. */
  readonly shutdownGraceMs: number;
}

export async function startMeasureRole(deps: MeasureRoleDeps): Promise<Role> {
  const { config, queues, logger } = deps;
  const processor = createMeasureProcessor({
    config,
    backend: deps.backend,
    archiveQueueFor: (url) => queues.get<ArchiveJobData>(archiveQueueName(url)),
    logger,
  });
  const throughputName = throughputQueueName(config.testpoint);
  // Global, not per worker: two measure processes on one testpoint still never overlap throughput tests.
  await queues.get(throughputName).setGlobalConcurrency(1);
  const common = { connection: workerConnection(queues.connection), prefix: queues.prefix, ...stallOptions(config.stalledIntervalMs) };
  const workers = [
    new Worker<MeasureJobData>(measureQueueName(config.testpoint), processor, { ...common, concurrency: config.measureConcurrency }),
    new Worker<MeasureJobData>(throughputName, processor, { ...common, concurrency: 1 }),
  ];
  for (const w of workers) logWorkerEvents(w, logger);
  logger.info(
    { testpoint: config.testpoint, backend: deps.backend.name, queues: workers.map((w) => w.name), concurrency: config.measureConcurrency },
    'measure role started',
  );
  let closing: Promise<void> | null = null;
  return {
    name: 'measure',
    close() {
      closing ??= Promise.all(workers.map((w) => closeWorker(w, deps.shutdownGraceMs, logger))).then(() => undefined);
      return closing;
    },
  };
}
