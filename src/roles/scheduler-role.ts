// The scheduler role: owns the Job Schedulers and turns each tick into the round's measurement jobs.
import { Worker, type Job } from 'bullmq';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureJobData } from '../measure/measure-job.js';
import { slotFromSchedulerJobId } from '../plan/job-id.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { fanOut, measureJobOptions } from '../queues/fan-out.js';
import { SCHEDULE_QUEUE } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { stallOptions, workerConnection } from '../queues/redis-options.js';
import { syncSchedulers, type RoundSchedule, type TickJobData } from '../queues/scheduler-sync.js';
import { closeWorker, logWorkerEvents, type Role } from './role.js';

export interface SchedulerRoleDeps {
  readonly config: Pick<Config, 'measureAttempts' | 'measureRetryDelayMs' | 'stalledIntervalMs'>;
  readonly schedules: readonly RoundSchedule[];
  readonly queues: QueueRegistry;
  readonly logger: Logger;
}

export async function startSchedulerRole(deps: SchedulerRoleDeps): Promise<Role> {
  const { queues, logger } = deps;
  const scheduleQueue = queues.get<TickJobData>(SCHEDULE_QUEUE);
  await syncSchedulers(scheduleQueue, deps.schedules, logger);
  const options = measureJobOptions(deps.config);

  const worker = new Worker<TickJobData>(
    SCHEDULE_QUEUE,
    async (job: Job<TickJobData>) => {
      // The slot is the scheduled time encoded in the scheduler's job id: a retried or
      // duplicated tick computes the same slot and hence the same measurement job ids.
      const slotMs = slotFromSchedulerJobId(String(job.id)) ?? job.timestamp;
      const specs: readonly MeasurementSpec[] = Array.isArray(job.data.specs) ? job.data.specs : [];
      const jobs = await fanOut(specs, slotMs, (name) => queues.get<MeasureJobData>(name), options);
      logger.info({ jobId: job.id, testpoint: job.data.testpoint, slot: new Date(slotMs).toISOString(), measurements: jobs.length }, 'round fanned out');
      return { slotMs, measurements: jobs.length };
    },
    { connection: workerConnection(queues.connection), prefix: queues.prefix, concurrency: 1, ...stallOptions(deps.config.stalledIntervalMs) },
  );
  logWorkerEvents(worker, logger);
  let closing: Promise<void> | null = null;
  return {
    name: 'scheduler',
    close() {
      closing ??= closeWorker(worker, 10_000, logger);
      return closing;
    },
  };
}
