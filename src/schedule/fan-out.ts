// One tick → one measurement job per spec, on the owning testpoint's queue, with deterministic ids.
import type { JobsOptions, Queue } from 'bullmq';
import type { Config } from '../config/config.js';
import type { MeasureJobData } from '../jobs/measure-job.js';
import { measureJobId } from '../plan/job-id.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { queueNameFor } from '../queues/queue-names.js';

export function measureJobOptions(config: Pick<Config, 'measureAttempts' | 'measureRetryDelayMs'>): JobsOptions {
  return {
    attempts: config.measureAttempts,
    backoff: { type: 'fixed', delay: config.measureRetryDelayMs },
    // Completed jobs must outlive a possible re-run of their tick, or a late duplicate fan-out
    // would add them again; a day is far longer than any tick retry.
    removeOnComplete: { age: 7 * 86400, count: 20000 },
    removeOnFail: { age: 30 * 86400 },
  };
}

export function measureJobName(spec: MeasurementSpec): string {
  return `${spec.category} ${spec.tool ?? 'auto'} → ${spec.dest.name} (${spec.dest.ip}) ${spec.direction}`;
}

export interface FannedOutJob {
  readonly queueName: string;
  readonly jobId: string;
  readonly spec: MeasurementSpec;
}

export interface RoundTiming {
  /** The next round's slot: jobs not started by then are dropped (stale-round.ts). */
  readonly notAfterMs?: number;
  /** How long after the tick the round starts (the testpoint's offset plus its random slip). */
  readonly delayMs?: number;
}

/** Adds the round's jobs; returns every job id (already-present ones included: a re-run adds nothing). */
export async function fanOut(
  specs: readonly MeasurementSpec[],
  slotMs: number,
  queueFor: (name: string) => Queue<MeasureJobData>,
  options: JobsOptions,
  timing: RoundTiming = {},
): Promise<FannedOutJob[]> {
  const byQueue = new Map<string, FannedOutJob[]>();
  for (const spec of specs) {
    const queueName = queueNameFor(spec.testpoint, spec.category);
    const list = byQueue.get(queueName) ?? [];
    list.push({ queueName, jobId: measureJobId(spec, slotMs), spec });
    byQueue.set(queueName, list);
  }
  for (const [name, jobs] of byQueue) {
    await queueFor(name).addBulk(
      jobs.map((j) => ({
        name: measureJobName(j.spec),
        data: { spec: j.spec, slotMs, ...(timing.notAfterMs !== undefined ? { notAfterMs: timing.notAfterMs } : {}) },
        opts: { ...options, jobId: j.jobId, ...(timing.delayMs ? { delay: timing.delayMs } : {}) },
      })),
    );
  }
  return [...byQueue.values()].flat();
}
