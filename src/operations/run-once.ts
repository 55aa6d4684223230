// One round now, through the real queues: enqueue the plan, wait for every job of it to settle.
import { Job, type Queue } from 'bullmq';
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import { sleep } from '../async.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureJobData } from '../jobs/measure-job.js';
import type { MeasureOutcome } from '../measure/measure-processor.js';
import type { SkippedSpec } from '../measure/backend.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { fanOut, measureJobName, measureJobOptions } from '../schedule/fan-out.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { countDeliveries, type DeliveryCounts, type RoundProgress } from './round-progress.js';
import type { DeliveryOutcome, MeasurementOutcome, RoundSummary } from './round-summary.js';
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
  /** Called after each poll while the round runs (the live progress line at a terminal). */
  readonly onProgress?: (progress: RoundProgress & { readonly phase: 'measuring' | 'delivering' }) => void;
}


/** Deliveries handed out so far, by state; finished ones are remembered in `known` and not asked again. */
async function deliveryCountsOf(queues: QueueRegistry, refs: readonly ArchiveJobRef[], known: Map<string, DeliveryOutcome['state']>): Promise<DeliveryCounts> {
  for (const { queue, id } of refs) {
    const seen = known.get(id);
    if (seen === 'delivered' || seen === 'failed') continue;
    const state = await queues.get(queue).getJobState(id);
    known.set(id, state === 'completed' ? 'delivered' : state === 'failed' ? 'failed' : 'pending');
  }
  return countDeliveries(refs.map(({ id }) => ({ state: known.get(id) ?? 'pending' })));
}

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

  const skippedOutcomes: MeasurementOutcome[] = (deps.skipped ?? []).map((s) => ({
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
  // Every job is looked at each poll (not one after another), so progress can be shown as it happens.
  const settled = new Array<MeasurementOutcome | null>(jobs.length).fill(null);
  const deliveryStates = new Map<string, DeliveryOutcome['state']>();
  const startedAt = Date.now();
  const report = (phase: 'measuring' | 'delivering', deliveryCounts: DeliveryCounts) => {
    if (!deps.onProgress) return;
    const all = [...skippedOutcomes, ...settled.filter((m): m is MeasurementOutcome => m !== null)];
    deps.onProgress({
      phase,
      measurements: {
        total: skippedOutcomes.length + jobs.length,
        succeeded: all.filter((m) => m.state === 'succeeded').length,
        failed: all.filter((m) => m.state === 'failed').length,
        skipped: all.filter((m) => m.state === 'skipped').length,
      },
      deliveries: deliveryCounts,
      elapsedMs: Date.now() - startedAt,
    });
  };
  for (;;) {
    for (const [i, j] of jobs.entries()) {
      if (settled[i] !== null) continue;
      const queue = queues.get(j.queueName);
      const { job, state } = await settledState(queue, j.jobId);
      if (job && (state === 'completed' || state === 'failed')) {
        const progress = (state === 'completed' ? job.returnvalue : job.progress) as Partial<MeasureOutcome> | undefined;
        const refs = progress && Array.isArray(progress.archiveJobs) ? progress.archiveJobs : [];
        archiveJobs.push(...refs);
        const skipped = typeof progress?.skipped === 'string' ? progress.skipped : null;
        settled[i] = {
          jobId: j.jobId,
          category: j.spec.category,
          label: measureJobName(j.spec),
          state: state === 'failed' ? 'failed' : skipped ? 'skipped' : 'succeeded',
          reason: state === 'failed' ? job.failedReason : skipped,
          resultFile: typeof progress?.resultFile === 'string' ? progress.resultFile : null,
          archived: progress?.archived === true,
          deliveryJobIds: refs.map((r) => r.id),
        };
      } else if (state === 'missing') {
        settled[i] = { jobId: j.jobId, category: j.spec.category, label: measureJobName(j.spec), state: 'failed', reason: 'the job disappeared from Redis', resultFile: null, archived: false, deliveryJobIds: [] };
      }
    }
    if (settled.every((m) => m !== null)) break;
    if (deps.onProgress) report('measuring', await deliveryCountsOf(queues, archiveJobs, deliveryStates));
    await sleep(pollMs);
  }
  const measurements = [...skippedOutcomes, ...settled.filter((m): m is MeasurementOutcome => m !== null)];

  const deliveries = await waitForDeliveries((name) => queues.get<ArchiveJobData>(name), archiveJobs, deps.archiveWaitMs, pollMs, (outcomes) =>
    report('delivering', { ...countDeliveries(outcomes), pending: archiveJobs.length - outcomes.length + countDeliveries(outcomes).pending }),
  );
  return {
    testpoint: config.testpoint,
    slot: new Date(slotMs).toISOString(),
    measurements,
    deliveries,
    archiveUrls: config.archiveUrls,
    dataDir: config.dataDir,
  };
}
