// One round now, through the real queues: enqueue the plan, wait for every job of it to settle.
import { Job, type Queue } from 'bullmq';
import type { ArchiveJobData } from '../archive/archive-job.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureJobData } from '../measure/measure-job.js';
import type { MeasureOutcome } from '../measure/measure-processor.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { fanOut, measureJobName, measureJobOptions } from '../queues/fan-out.js';
import { ARCHIVE_QUEUE } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import type { DeliveryOutcome, MeasurementOutcome, RoundSummary } from './round-summary.js';

export interface RunOnceDeps {
  readonly config: Config;
  readonly queues: QueueRegistry;
  readonly logger: Logger;
  readonly specs: readonly MeasurementSpec[];
  /** How long to wait for deliveries after the last measurement settled; then they count as pending. */
  readonly archiveWaitMs: number;
  readonly pollMs?: number;
  readonly now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledState(queue: Queue, id: string): Promise<{ job: Job | undefined; state: string }> {
  const job = await Job.fromId(queue, id);
  if (!job) return { job, state: 'missing' };
  return { job, state: await job.getState() };
}

export async function runOnce(deps: RunOnceDeps): Promise<RoundSummary> {
  const { config, queues, logger } = deps;
  const pollMs = deps.pollMs ?? 250;
  const slotMs = Math.floor((deps.now ?? Date.now)() / 1000) * 1000;
  const jobs = await fanOut(deps.specs, slotMs, (name) => queues.get<MeasureJobData>(name), measureJobOptions(config));
  logger.info({ testpoint: config.testpoint, measurements: jobs.length, slot: new Date(slotMs).toISOString() }, 'run-once: round enqueued');

  const measurements: MeasurementOutcome[] = [];
  const archiveIds: string[] = [];
  for (const j of jobs) {
    const queue = queues.get(j.queueName);
    for (;;) {
      const { job, state } = await settledState(queue, j.jobId);
      if (job && (state === 'completed' || state === 'failed')) {
        const progress = (state === 'completed' ? job.returnvalue : job.progress) as Partial<MeasureOutcome> | undefined;
        if (progress && Array.isArray(progress.archiveJobIds)) archiveIds.push(...progress.archiveJobIds);
        measurements.push({
          jobId: j.jobId,
          category: j.spec.category,
          label: measureJobName(j.spec),
          state: state === 'completed' ? 'succeeded' : 'failed',
          reason: state === 'failed' ? job.failedReason : null,
          resultFile: typeof progress?.resultFile === 'string' ? progress.resultFile : null,
        });
        break;
      }
      if (state === 'missing') {
        measurements.push({ jobId: j.jobId, category: j.spec.category, label: measureJobName(j.spec), state: 'failed', reason: 'the job disappeared from Redis', resultFile: null });
        break;
      }
      await sleep(pollMs);
    }
  }

  const archiveQueue = queues.get<ArchiveJobData>(ARCHIVE_QUEUE);
  const deliveries = new Map<string, DeliveryOutcome>();
  const deadline = Date.now() + deps.archiveWaitMs;
  for (;;) {
    for (const id of archiveIds) {
      if (deliveries.get(id)?.state === 'delivered' || deliveries.get(id)?.state === 'failed') continue;
      const { job, state } = await settledState(archiveQueue, id);
      const url = (job?.data as ArchiveJobData | undefined)?.url ?? '(unknown)';
      if (state === 'completed') deliveries.set(id, { jobId: id, url, state: 'delivered', reason: null });
      else if (state === 'failed') deliveries.set(id, { jobId: id, url, state: 'failed', reason: job?.failedReason ?? null });
      else deliveries.set(id, { jobId: id, url, state: 'pending', reason: job?.failedReason ? `last attempt: ${job.failedReason}` : `waiting (${state})` });
    }
    const open = [...deliveries.values()].filter((d) => d.state === 'pending').length;
    if (open === 0 || Date.now() >= deadline) break;
    await sleep(pollMs);
  }
  return {
    testpoint: config.testpoint,
    slot: new Date(slotMs).toISOString(),
    measurements,
    deliveries: archiveIds.map((id) => deliveries.get(id)!).filter(Boolean),
    archiveUrls: config.archiveUrls,
    dataDir: config.dataDir,
  };
}
