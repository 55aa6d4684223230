// One round now, through the real queues: enqueue the plan, wait for every job of it to settle.
import { Job, type Queue } from 'bullmq';
import type { ArchiveJobData, ArchiveJobRef } from '../archive/archive-job.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureJobData } from '../measure/measure-job.js';
import type { MeasureOutcome } from '../measure/measure-processor.js';
import type { SkippedSpec } from '../measure/backend.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { fanOut, measureJobName, measureJobOptions } from '../queues/fan-out.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import type { MeasurementOutcome, RoundSummary } from './round-summary.js';
import { waitForDeliveries } from './wait-for-deliveries.js';

export interface RunOnceDeps {
  readonly config: Config;
  readonly queues: QueueRegistry;
  readonly logger: Logger;
  readonly specs: readonly MeasurementSpec[];
  /** Planned but not measurable with this backend: reported as skipped, never enqueued. */
  readonly skipped?: readonly SkippedSpec[];
  /** How long to wait for deliveries after the last measurement settled; then they count as pending. */
  readonly archiveWaitMs: number;
  readonly pollMs?: number;
  readonly now?: () => number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function settledState(queue: Queue, id: string): Promise<{ job: Job | undefined; state: string }> {
  // State first, then the job: a job read while still active and found completed a moment later
  // would have no return value yet, and the round would lose track of its deliveries.
  const state = await queue.getJobState(id);
  if (state === 'unknown') return { job: undefined, state: 'missing' };
  if (state !== 'completed' && state !== 'failed') return { job: undefined, state };
  const job = await Job.fromId(queue, id);
  return job ? { job, state } : { job, state: 'missing' };
}

export async function runOnce(deps: RunOnceDeps): Promise<RoundSummary> {
  const { config, queues, logger } = deps;
  const pollMs = deps.pollMs ?? 250;
  const slotMs = Math.floor((deps.now ?? Date.now)() / 1000) * 1000;
  const jobs = await fanOut(deps.specs, slotMs, (name) => queues.get<MeasureJobData>(name), measureJobOptions(config));
  logger.info({ testpoint: config.testpoint, measurements: jobs.length, slot: new Date(slotMs).toISOString() }, 'run-once: round enqueued');

  const measurements: MeasurementOutcome[] = (deps.skipped ?? []).map((s) => ({
    jobId: '',
    category: s.spec.category,
    label: measureJobName(s.spec),
    state: 'skipped' as const,
    reason: s.reason,
    resultFile: null,
    archived: false,
    deliveryJobIds: [],
  }));
  const archiveJobs: ArchiveJobRef[] = [];
  for (const j of jobs) {
    const queue = queues.get(j.queueName);
    for (;;) {
      const { job, state } = await settledState(queue, j.jobId);
      if (job && (state === 'completed' || state === 'failed')) {
        const progress = (state === 'completed' ? job.returnvalue : job.progress) as Partial<MeasureOutcome> | undefined;
        const refs = progress && Array.isArray(progress.archiveJobs) ? progress.archiveJobs : [];
        archiveJobs.push(...refs);
        const skipped = typeof progress?.skipped === 'string' ? progress.skipped : null;
        measurements.push({
          jobId: j.jobId,
          category: j.spec.category,
          label: measureJobName(j.spec),
          state: state === 'failed' ? 'failed' : skipped ? 'skipped' : 'succeeded',
          reason: state === 'failed' ? job.failedReason : skipped,
          resultFile: typeof progress?.resultFile === 'string' ? progress.resultFile : null,
          archived: progress?.archived === true,
          deliveryJobIds: refs.map((r) => r.id),
        });
        break;
      }
      if (state === 'missing') {
        measurements.push({ jobId: j.jobId, category: j.spec.category, label: measureJobName(j.spec), state: 'failed', reason: 'the job disappeared from Redis', resultFile: null, archived: false, deliveryJobIds: [] });
        break;
      }
      await sleep(pollMs);
    }
  }

  const deliveries = await waitForDeliveries((name) => queues.get<ArchiveJobData>(name), archiveJobs, deps.archiveWaitMs, pollMs);
  return {
    testpoint: config.testpoint,
    slot: new Date(slotMs).toISOString(),
    measurements,
    deliveries,
    archiveUrls: config.archiveUrls,
    dataDir: config.dataDir,
  };
}
