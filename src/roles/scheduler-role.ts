// The scheduler role: owns the Job Schedulers and turns each tick into the round's measurement jobs.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureJobData } from '../jobs/measure-job.js';
import { slotFromSchedulerJobId } from '../plan/job-id.js';
import { fanOut, measureJobOptions } from '../schedule/fan-out.js';
import { SCHEDULE_QUEUE } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { connectionFor } from '../queues/connection-kinds.js';
import { stallOptions } from '../queues/redis-options.js';
import { refusalReason } from '../jobs/job-data-bounds.js';
import { ownSchedules, schedulerIdFor, syncSchedulers, type RoundSchedule, type TickJobData } from '../schedule/scheduler-sync.js';
import { roundTiming } from '../schedule/round-timing.js';
import { checkTick } from '../schedule/tick-job.js';
import { closeWorker, logWorkerEvents, type Role } from './role.js';

export interface SchedulerRoleDeps {
  readonly config: Pick<Config, 'measureAttempts' | 'measureRetryDelayMs' | 'stalledIntervalMs'>;
  readonly schedules: readonly RoundSchedule[];
  readonly queues: QueueRegistry;
  readonly logger: Logger;
  /** The whole fleet's scheduler (FLEET_FILE): it owns every round schedule, and removes those no longer planned. */
  readonly ownsAllSchedules?: boolean;
}

export interface SchedulerRole extends Role {
  /**
   * Takes a new plan (SIGHUP with an edited fleet file or .env): schedules of testpoints that did not
   * change are left as they are, new ones are added, removed ones go; ticks already queued for a
   * changed schedule are refused as not its plan any more, and the next tick fans out the new plan.
   */
  reload(schedules: readonly RoundSchedule[]): Promise<void>;
}

/** How long a tick of another scheduler's schedule is handed back before it is given up. */
const HANDOVER_WINDOW_MS = 5 * 60_000;
/** Delay of each hand-back (plus up to as much again at random, so the owner gets a turn). */
const HANDOVER_DELAY_MS = 100;

export async function startSchedulerRole(deps: SchedulerRoleDeps): Promise<SchedulerRole> {
  const { queues, logger } = deps;
  const scheduleQueue = queues.get<TickJobData>(SCHEDULE_QUEUE);
  await syncSchedulers(scheduleQueue, deps.schedules, logger, deps.ownsAllSchedules === true);
  const options = measureJobOptions(deps.config);

  // The plans this scheduler fans out, by schedule id: from its own configuration, never from a tick.
  let own = ownSchedules(deps.schedules);
  let plans = new Map(deps.schedules.map((s) => [schedulerIdFor(s), s]));

  const worker = new Worker<TickJobData>(
    SCHEDULE_QUEUE,
    async (job: Job<TickJobData>, token?: string) => {
      const check = checkTick(job.data, { id: String(job.id), repeatJobKey: job.repeatJobKey }, own);
      if (check.kind === 'refuse') {
        const reason = refusalReason('tick refused', check.problems);
        logger.error({ jobId: job.id, reason }, 'schedule tick refused');
        throw new UnrecoverableError(reason);
      }
      // The slot is the scheduled time encoded in the scheduler's job id: a retried or
      // duplicated tick computes the same slot and hence the same measurement job ids.
      const slotMs = slotFromSchedulerJobId(String(job.id)) ?? job.timestamp;
      if (check.kind === 'not-own') {
        // Several scheduler processes (one per testpoint, or replicas during a configuration change)
        // share the schedule queue: hand the tick back for its owner, while its round is current.
        const exists = (await scheduleQueue.getJobScheduler(check.schedule)) != null;
        if (exists && Date.now() - slotMs < HANDOVER_WINDOW_MS) {
          logger.debug({ jobId: job.id, reason: check.reason }, 'schedule tick of another scheduler; handed back');
          await job.moveToDelayed(Date.now() + HANDOVER_DELAY_MS + Math.floor(Math.random() * HANDOVER_DELAY_MS), token);
          throw new DelayedError('tick handed back for the scheduler that owns it');
        }
        const why = exists ? `no scheduler that owns it took it within ${HANDOVER_WINDOW_MS / 1000} s` : `no job scheduler ${check.schedule} exists`;
        const reason = refusalReason('tick refused', [`${check.reason}, and ${why}`]);
        logger.error({ jobId: job.id, reason }, 'schedule tick refused');
        throw new UnrecoverableError(reason);
      }
      const schedule = plans.get(check.schedule);
      if (schedule === undefined) throw new UnrecoverableError(`no plan for schedule ${check.schedule}`);
      const timing = roundTiming(schedule, slotMs, Math.random);
      const jobs = await fanOut(schedule.specs, slotMs, (name) => queues.get<MeasureJobData>(name), options, timing);
      logger.info(
        { jobId: job.id, testpoint: job.data.testpoint, slot: new Date(slotMs).toISOString(), measurements: jobs.length, delayMs: timing.delayMs ?? 0 },
        'round fanned out',
      );
      return { slotMs, measurements: jobs.length };
    },
    { connection: connectionFor('worker', queues.connection), prefix: queues.prefix, concurrency: 1, ...stallOptions(deps.config.stalledIntervalMs) },
  );
  logWorkerEvents(worker, logger);
  let closing: Promise<void> | null = null;
  return {
    name: 'scheduler',
    async reload(schedules) {
      const result = await syncSchedulers(scheduleQueue, schedules, logger, deps.ownsAllSchedules === true);
      own = ownSchedules(schedules);
      plans = new Map(schedules.map((s) => [schedulerIdFor(s), s]));
      logger.info({ schedules: result.upserted.length, removed: result.removed.length }, 'plan reloaded');
    },
    close() {
      closing ??= closeWorker(worker, 10_000, logger);
      return closing;
    },
  };
}
