// The archive role: delivers every result to its archiver, retrying with backoff until accepted.
import { Worker } from 'bullmq';
import type { ArchiveJobData } from '../jobs/archive-job.js';
import { archiveBackoffStrategy, createArchiveProcessor } from '../archive/archive-processor.js';
import { deliverySummary, type DeliverySummary } from '../archive/delivery-summary.js';
import { createArchiveDispatchers } from '../archive/dispatchers.js';
import { recoveryHint } from '../archive/recovery-hint.js';
import { maskUserinfo } from '../config/archive-urls.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { configuredSecrets } from '../redact-secrets.js';
import { archiveQueueName } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { connectionFor } from '../queues/connection-kinds.js';
import { stallOptions } from '../queues/redis-options.js';
import { closeWorker, logWorkerEvents, type Role } from './role.js';

export interface ArchiveRoleDeps {
  readonly config: Config;
  /**
   * Archivers to serve; default ARCHIVE_URLS. Each gets one worker on its own queue
   * (archiveQueueName(url)), and that worker delivers only to that URL, whatever job data says.
   */
  readonly urls?: readonly string[];
  readonly queues: QueueRegistry;
  readonly logger: Logger;
  readonly shutdownGraceMs: number;
  /** How often each worker logs how many deliveries it made; default every 10 s. */
  readonly summaryEveryMs?: number;
}

export async function startArchiveRole(deps: ArchiveRoleDeps): Promise<Role> {
  const { config, queues, logger } = deps;
  const dispatchers = createArchiveDispatchers(config, { logger });
  const secrets = configuredSecrets(config);
  const urls = deps.urls ?? config.archiveUrls;
  if (urls.length === 0) logger.warn('archive role: ARCHIVE_URLS is empty, so there is nothing to deliver; it stays idle');
  const summaries: DeliverySummary[] = [];
  // One worker per archiver queue: a stalled archiver only occupies its own slots.
  const workers = urls.map((url) => {
    const summary = deliverySummary(logger, { url: maskUserinfo(url), queue: archiveQueueName(url) }, deps.summaryEveryMs);
    summaries.push(summary);
    // The queue and the URL are bound here, from configuration: a job's `url` is only checked against it.
    const processor = createArchiveProcessor({ config, archiverUrl: url, dispatchers, logger, secrets, onDelivered: summary.delivered });
    const worker = new Worker<ArchiveJobData>(archiveQueueName(url), processor, {
      connection: connectionFor('worker', queues.connection),
      prefix: queues.prefix,
      concurrency: config.archiveConcurrency,
      ...stallOptions(config.stalledIntervalMs),
      settings: { backoffStrategy: archiveBackoffStrategy(config) },
    });
    logWorkerEvents(worker, logger);
    worker.on('failed', (job, err) => {
      // Only the job's id and attempts are read: its data may be anything (the processor refused it).
      // The message is clean at the source (the processor redacts the archiver's words). The
      // general next step fits both a rejection and an exhausted retry; err says which.
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) {
        logger.error(
          { jobId: job.id, queue: worker.name, url: maskUserinfo(url), err: String(err?.message) },
          `delivery failed for good; kept in the failed set: ${recoveryHint('rejected', null, maskUserinfo(url))}`,
        );
      }
    });
    return worker;
  });
  logger.info({ archivers: urls, queues: workers.map((w) => w.name), concurrency: config.archiveConcurrency, attempts: config.archiveAttempts }, 'archive role started');
  let closing: Promise<void> | null = null;
  return {
    name: 'archive',
    close() {
      closing ??= (async () => {
        await Promise.all(workers.map((w) => closeWorker(w, deps.shutdownGraceMs, logger)));
        for (const s of summaries) s.close();
        await dispatchers.close();
      })();
      return closing;
    },
  };
}
