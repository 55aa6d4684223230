// The measure role: workers on this testpoint's queues (light tests in parallel, throughput alone).
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { ArchiveJobData } from '../jobs/archive-job.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MeasureBackend } from '../measure/backend.js';
import type { BusyWaitPolicy } from '../measure/busy-wait.js';
import { MeasurementFailedError } from '../errors.js';
import { inFlightRuns } from '../measure/in-flight.js';
import { createMeasureProcessor, type MeasureOutcome } from '../measure/measure-processor.js';
import { pruneMeasuredMarkers } from '../measure/measured-marker.js';
import { createToolTracker, killOrphanedTools } from '../measure/orphan-tools.js';
import { measureWorkerOptions, type MeasureJobData } from '../jobs/measure-job.js';
import { plannedSpecs } from '../measure/planned-specs.js';
import { acquireLeases, destinationLeaseKey, testpointLeaseKey } from '../measure/throughput-leases.js';
import { plan } from '../plan/plan.js';
import { archiveQueueName, measureQueueName, throughputQueueName } from '../queues/queue-names.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import { redisErrorLogger } from '../queues/redis-error-log.js';
import { connectionFor } from '../queues/connection-kinds.js';
import { stallOptions } from '../queues/redis-options.js';
import { startLiveness } from './heartbeat.js';
import { closeWorker, logWorkerEvents, type Role } from './role.js';

export interface MeasureRoleDeps {
  readonly config: Config;
  readonly queues: QueueRegistry;
  readonly backend: MeasureBackend;
  readonly logger: Logger;
  /** How long a shutdown waits for running measurements. */
  readonly shutdownGraceMs: number;
  /** Waiting for a busy iperf3 server (tests shorten it); default busy-wait.ts DEFAULT_BUSY_WAIT. */
  readonly busyWait?: BusyWaitPolicy;
}

export async function startMeasureRole(deps: MeasureRoleDeps): Promise<Role> {
  const { config, queues, logger } = deps;
  // Before taking jobs: a worker that died (SIGKILL, OOM) may have left tools running, and a re-run
  // of its job must not compete with them (an orphaned iperf3 keeps its destination busy).
  await killOrphanedTools(config.dataDir, logger);
  // The processor's own archive queues wait out a Redis outage (no retry limit, offline queue on)
  // rather than fail: a measurement that ends while Redis is down hands its result over once Redis is
  // back, with the ts it already has, instead of failing and being measured again.
  const archiveQueues = new Map<string, Queue<ArchiveJobData>>();
  const archiveQueueFor = (url: string): Queue<ArchiveJobData> => {
    const name = archiveQueueName(url);
    let q = archiveQueues.get(name);
    if (!q) {
      q = new Queue<ArchiveJobData>(name, { connection: connectionFor('handover', queues.connection), prefix: queues.prefix });
      q.on('error', redisErrorLogger(logger, { queue: name }, 'archive queue error'));
      archiveQueues.set(name, q);
    }
    return q;
  };
  for (const url of config.archiveUrls) archiveQueueFor(url);
  // Leases wait out a Redis outage like the handover queues: a throughput job must not fail for it.
  const leaseClient = new Redis(connectionFor('handover', queues.connection) as Record<string, unknown>);
  leaseClient.on('error', redisErrorLogger(logger, { purpose: 'throughput leases' }, 'lease connection error'));
  const measure = createMeasureProcessor({
    config,
    backend: deps.backend,
    archiveQueueFor,
    logger,
    busyWait: deps.busyWait,
    toolTracker: createToolTracker(config.dataDir, logger),
    // Only what this testpoint's configuration plans runs, whatever a job written into Redis says.
    planned: plannedSpecs(plan(config).specs),
    throughputSlots: (spec, who) =>
      acquireLeases(leaseClient, [testpointLeaseKey(queues.prefix, config.testpoint), destinationLeaseKey(queues.prefix, spec.dest.ip)], who, {
        onTrouble: (what) => logger.warn({ targetIp: spec.dest.ip }, what),
      }),
  });
  // A job handed out again while its first run still measures (the first lost its lock, e.g. Redis
  // was unreachable longer than the lock) waits for that run and ends the same way: one measurement.
  const runs = inFlightRuns<MeasureOutcome>((err) => err instanceof MeasurementFailedError || err instanceof UnrecoverableError);
  const processor = (job: Job<MeasureJobData>, token?: string, signal?: AbortSignal): Promise<MeasureOutcome> =>
    runs.run(String(job.id), (runSignal) => measure(job, token, runSignal), {
      signal,
      onJoin: () =>
        logger.warn(
          { jobId: job.id, queue: job.queueName },
          'job handed out again while its first run is still measuring (that run lost the job lock, e.g. Redis was unreachable); waiting for it instead of measuring twice',
        ),
    });
  // Markers of measured attempts (measured-marker.ts) are of no use once their jobs are gone.
  const prune = () => {
    pruneMeasuredMarkers(config.dataDir, Date.now()).catch((err: unknown) =>
      logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not prune old measured markers'),
    );
  };
  prune();
  const pruneTimer = setInterval(prune, 3_600_000).unref();
  const throughputName = throughputQueueName(config.testpoint);
  // Exclusivity is the leases' now (throughput-leases.ts): a global concurrency of 1 would keep a dead
  // worker's slot until its job is found stalled, and an older psq may have set one on this queue.
  await queues.get(throughputName).removeGlobalConcurrency();
  const common = {
    connection: connectionFor('worker', queues.connection),
    prefix: queues.prefix,
    ...stallOptions(config.stalledIntervalMs),
    // Kept jobs and retry delay: the worker's, not written into every job (measure-job.ts).
    ...measureWorkerOptions(config),
  };
  const workers = [
    new Worker<MeasureJobData>(measureQueueName(config.testpoint), processor, { ...common, concurrency: config.measureConcurrency }),
    // Two at a time: the leases keep their tests apart, and the second job waits in this process for
    // the first's lease (throughput-leases.ts), so it starts the moment the first's tool is done.
    new Worker<MeasureJobData>(throughputName, processor, { ...common, concurrency: 2 }),
  ];
  for (const w of workers) logWorkerEvents(w, logger);
  // Heartbeat and round records for psq status (heartbeat.ts), on a connection of their own.
  const liveness = startLiveness({
    connection: queues.connection, prefix: queues.prefix, testpoint: config.testpoint, backend: deps.backend.name, intervalMs: config.heartbeatIntervalMs, logger, workers,
  });
  logger.info(
    { testpoint: config.testpoint, backend: deps.backend.name, queues: workers.map((w) => w.name), concurrency: config.measureConcurrency },
    'measure role started',
  );
  let closing: Promise<void> | null = null;
  return {
    name: 'measure',
    close() {
      closing ??= (async () => {
        clearInterval(pruneTimer);
        await Promise.all(workers.map((w) => closeWorker(w, deps.shutdownGraceMs, logger)));
        await liveness.close();
        await Promise.allSettled([...archiveQueues.values()].map((q) => q.close()));
        leaseClient.disconnect();
      })();
      return closing;
    },
  };
}
