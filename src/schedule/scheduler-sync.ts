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
  /** Fixed delay of every round after its tick, ms (spreads testpoints that share a cron pattern). */
  readonly offsetMs?: number;
  /** Largest random delay added to the offset, ms, drawn once per round (like pScheduler's sliprand). */
  readonly slipMs?: number;
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

/** Every tick's options. Counts as well as ages: the schedule state stays bounded however many ticks run, or fail (test/integration/schedule-memory.test.ts). */
const TICK_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 7 * 86400, count: 1000 },
  removeOnFail: { age: 30 * 86400, count: 1000 },
};

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export interface SyncResult {
  readonly upserted: readonly string[];
  readonly removed: readonly string[];
}

/**
 * Upsert the wanted schedulers and remove stale ones of the same testpoints. Other testpoints'
 * schedulers are left alone (with one scheduler per testpoint, each owns only its own) unless
 * `ownsAll`: a scheduler planning the whole fleet (FLEET_FILE) owns every round schedule, so a
 * testpoint removed from the file loses its schedules.
 */
export async function syncSchedulers(queue: Queue<TickJobData>, wanted: readonly RoundSchedule[], logger: Logger, ownsAll = false): Promise<SyncResult> {
  const wantedIds = new Map(wanted.map((w) => [schedulerIdFor(w), w]));
  const owned = new Set(wanted.map((w) => w.testpoint));
  const existing = await queue.getJobSchedulers(0, -1);
  const removed: string[] = [];
  for (const s of existing) {
    const tp = testpointOf(s.key);
    if (tp !== null && (ownsAll || owned.has(tp)) && !wantedIds.has(s.key)) {
      await queue.removeJobScheduler(s.key);
      removed.push(s.key);
      logger.info({ scheduler: s.key, pattern: s.pattern, tz: s.tz }, 'removed stale job scheduler');
    }
  }
  for (const [id, w] of wantedIds) {
    const template = {
      name: `round ${w.testpoint}`,
      // A reference, not the plan: Redis holds no plan, and a tick cannot bring its own.
      data: { testpoint: w.testpoint, schedule: id, planHash: planHash(w.specs) } satisfies TickJobData,
      opts: TICK_OPTIONS,
    };
    // An unchanged schedule is not upserted again: an upsert re-creates the next tick, and a reload
    // must not touch the schedules (or queued ticks) of testpoints that were not edited. Options count
    // as a change, so a newer psq's tick options reach schedules made by an older one.
    const current = existing.find((s) => s.key === id);
    if (current !== undefined && sameJson(current.template?.data, template.data) && sameJson(current.template?.opts, template.opts)) continue;
    await queue.upsertJobScheduler(id, { pattern: w.pattern, tz: w.tz }, template);
    logger.info({ scheduler: id, pattern: w.pattern, tz: w.tz, measurements: w.specs.length }, 'job scheduler upserted');
  }
  return { upserted: [...wantedIds.keys()], removed };
}
