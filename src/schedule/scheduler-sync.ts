// Job Schedulers, one per testpoint and schedule, reconciled from configuration by the scheduler role.
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import type { OwnSchedules, TickJobData } from './tick-job.js';

export interface RoundSchedule {
  readonly testpoint: string;
  /** Cron pattern (the config allows 5 fields; tests may use BullMQ's 6-field form with seconds). */
  readonly pattern: string;
  readonly tz: string;
  readonly specs: readonly MeasurementSpec[];
}

export type { TickJobData } from './tick-job.js';

const PREFIX = 'round__';

/**
 * Names a plan version: a tick carries it instead of the plan (tick-job.ts), and each scheduler
 * fans out only the plan its own configuration gives for the tick's schedule.
 */
export function planHash(specs: readonly MeasurementSpec[]): string {
  return createHash('sha256').update(JSON.stringify(specs)).digest('hex').slice(0, 16);
}

/** This scheduler's schedules by id, for checkTick. */
export function ownSchedules(schedules: readonly RoundSchedule[]): OwnSchedules {
  return new Map(schedules.map((s) => [schedulerIdFor(s), { testpoint: s.testpoint, planHash: planHash(s.specs) }]));
}

/** The id changes with the pattern, so a new schedule replaces the old one instead of running beside it. */
export function schedulerIdFor(s: Pick<RoundSchedule, 'testpoint' | 'pattern' | 'tz'>): string {
  const h = createHash('sha256').update(`${s.pattern}|${s.tz}`).digest('hex').slice(0, 10);
  return `${PREFIX}${s.testpoint}__${h}`;
}

function testpointOf(schedulerId: string): string | null {
  if (!schedulerId.startsWith(PREFIX)) return null;
  const rest = schedulerId.slice(PREFIX.length);
  const cut = rest.lastIndexOf('__');
  return cut > 0 ? rest.slice(0, cut) : null;
}

export interface SyncResult {
  readonly upserted: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Upsert the wanted schedulers and remove stale ones of the same testpoints. Other testpoints'
 * schedulers are left alone: in a fleet each may be owned by another scheduler process.
 */
export async function syncSchedulers(queue: Queue<TickJobData>, wanted: readonly RoundSchedule[], logger: Logger): Promise<SyncResult> {
  const wantedIds = new Map(wanted.map((w) => [schedulerIdFor(w), w]));
  const owned = new Set(wanted.map((w) => w.testpoint));
  const existing = await queue.getJobSchedulers(0, -1);
  const removed: string[] = [];
  for (const s of existing) {
    const tp = testpointOf(s.key);
    if (tp !== null && owned.has(tp) && !wantedIds.has(s.key)) {
      await queue.removeJobScheduler(s.key);
      removed.push(s.key);
      logger.info({ scheduler: s.key, pattern: s.pattern, tz: s.tz }, 'removed stale job scheduler');
    }
  }
  for (const [id, w] of wantedIds) {
    await queue.upsertJobScheduler(
      id,
      { pattern: w.pattern, tz: w.tz },
      {
        name: `round ${w.testpoint}`,
        // A reference, not the plan: Redis holds no plan, and a tick cannot bring its own.
        data: { testpoint: w.testpoint, schedule: id, planHash: planHash(w.specs) } satisfies TickJobData,
        opts: {
          attempts: 5,
          backoff: { type: 'exponential', delay: 1000 },
          removeOnComplete: { age: 7 * 86400, count: 1000 },
          removeOnFail: { age: 30 * 86400 },
        },
      },
    );
    logger.info({ scheduler: id, pattern: w.pattern, tz: w.tz, measurements: w.specs.length }, 'job scheduler upserted');
  }
  return { upserted: [...wantedIds.keys()], removed };
}
