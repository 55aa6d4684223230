// The measure worker's job processor: validate, run the backend, keep the result, hand it to archivers.
// It does the I/O only; whether to skip, wait, refuse, retry or record is measure-decision.ts's (pure).
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { ArchiveJobData, ArchiveJobRef } from '../jobs/archive-job.js';
import { archiveJobOptions } from '../jobs/archive-job.js';
import type { Config } from '../config/config.js';
import { MeasurementFailedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { archiveJobId, runIdFor } from '../plan/job-id.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import type { ResultMeta } from '../keep/result-meta.js';
import type { MeasureBackend } from './backend.js';
import { validateMeasureJob, type MeasureJobData } from '../jobs/measure-job.js';
import { refusalReason } from '../jobs/job-data-bounds.js';
import { boundText, keepOversizedResult, oversizedResultReason, readBoundedResult } from '../keep/result-size.js';
import { interpretResult } from './read-result.js';
import { staleRoundReason } from './stale-round.js';
import type { HeldLease, LeaseAttempt } from './throughput-leases.js';
import { resolveSource } from './resolve-source.js';
import { measurementTs, resultPath } from '../keep/result-path.js';
import { busyWaitsOf, DEFAULT_BUSY_WAIT, slotWaitMs, type BusyWaitPolicy } from './busy-wait.js';
import { decideMeasureOutcome, type RunResult } from './measure-decision.js';
import { keepResult, lazyScratchFile, type KeepOutcome } from '../keep/keep-result.js';
import { findEarlierRun, recordMeasured } from './measured-marker.js';
import type { PlannedSpecs } from './planned-specs.js';
import type { ToolTracker } from './run-tool.js';

export type MeasureConfig = Pick<
  Config,
  | 'testpoint'
  | 'dataDir'
  | 'measureTimeoutMs'
  | 'archiveUrls'
  | 'archiveFailed'
  | 'hostIp'
  | 'hostName'
  | 'archiveAttempts'
  | 'archiveBackoffMs'
  | 'archiveFailedKeepDays'
  | 'maxResultBytes'
>;

export interface MeasureOutcome {
  readonly resultFile: string | null;
  readonly runId: string | null;
  readonly ts: string | null;
  readonly succeeded: boolean;
  /** Whether the result was handed to the archivers (one entry in archiveJobs per archiver). */
  readonly archived: boolean;
  readonly archiveJobs: readonly ArchiveJobRef[];
  /** Why the backend did not measure this at all (e.g. clock without pScheduler); null when it ran. */
  readonly skipped: string | null;
  /** False when DATA_DIR could not keep the result (it was delivered all the same); see keepError. */
  readonly keptOnDisk?: boolean;
  /** The errno that stopped keeping it (ENOSPC, EROFS…), null when kept. */
  readonly keepError?: string | null;
  /** True when the round was over before this measurement could start (stale-round.ts); `skipped` says why. */
  readonly dropped?: boolean;
}


export interface MeasureDeps {
  readonly config: MeasureConfig;
  readonly backend: MeasureBackend;
  /** The archive queue of one archiver URL. */
  readonly archiveQueueFor: (url: string) => Queue<ArchiveJobData>;
  readonly logger: Logger;
  /** How long and how often a job waits for a busy iperf3 server (busy-wait.ts). */
  readonly busyWait?: BusyWaitPolicy;
  /** Records running tools, so a later worker can kill what this one leaves if it dies. */
  readonly toolTracker?: ToolTracker;
  /** This testpoint's own plan: a job whose spec is not in it is refused (the measure role always sets it). */
  readonly planned?: PlannedSpecs;
  /**
   * Exclusive slots for throughput (throughput-leases.ts): the testpoint's and the destination's.
   * Without it (unit harnesses) throughput is not guarded beyond its queue.
   */
  readonly throughputSlots?: (spec: MeasurementSpec, who: string) => Promise<LeaseAttempt>;
}

export function createMeasureProcessor(deps: MeasureDeps) {
  const { config, backend, archiveQueueFor } = deps;

  async function enqueueArchives(jobId: string, spec: MeasurementSpec, meta: ResultMeta, raw: unknown, file: string | null): Promise<ArchiveJobRef[]> {
    const refs: ArchiveJobRef[] = [];
    for (const url of config.archiveUrls) {
      const data: ArchiveJobData = {
        url,
        category: spec.category,
        body: { src: meta.src, dst: meta.dst, direction: spec.direction, ts: meta.ts, run_id: meta.run_id, raw },
        resultFile: file,
        testpoint: config.testpoint,
        measurementSucceeded: meta.succeeded,
      };
      const id = archiveJobId(jobId, url, meta.ts);
      const queue = archiveQueueFor(url);
      await queue.add(`${spec.category} ${spec.dest.name}`, data, { ...archiveJobOptions(config), jobId: id });
      refs.push({ queue: queue.name, id });
    }
    return refs;
  }

  return async function processMeasureJob(job: Job<MeasureJobData>, token?: string, signal?: AbortSignal): Promise<MeasureOutcome> {
    // The queue it came from counts too: a throughput job on measure-<tp> would escape throughput exclusivity.
    const jobId = String(job.id);
    const refuse = (problems: readonly string[]): never => {
      const reason = refusalReason('job refused', problems);
      deps.logger.error({ jobId: job.id, queue: job.queueName, reason }, 'measurement job refused');
      throw new UnrecoverableError(reason);
    };
    const problems = validateMeasureJob(job.data, config.testpoint, job.queueName, jobId);
    if (problems.length > 0) refuse(problems);
    // A compact job (no spec in its data) is the planned spec its id names, from this testpoint's own
    // plan: nothing of its data reaches the tool. A full one must be in that plan as it is.
    let spec: MeasurementSpec;
    if (job.data.spec === undefined) {
      const found = deps.planned?.resolve(jobId) ?? { reason: 'the job data carries no spec, and this worker has no plan to find it in' };
      spec = 'spec' in found ? found.spec : refuse([found.reason]);
    } else {
      spec = job.data.spec;
      const unplanned = deps.planned?.check(spec) ?? null;
      if (unplanned !== null) refuse([unplanned]);
    }
    const stale = staleRoundReason(job.data, Date.now());
    if (stale !== null) {
      deps.logger.warn({ jobId, queue: job.queueName, category: spec.category, targetHost: spec.dest.name, reason: stale }, 'measurement dropped: its round is over');
      return { resultFile: null, runId: null, ts: null, succeeded: false, archived: false, archiveJobs: [], skipped: stale, dropped: true };
    }
    const attempt = job.attemptsMade + 1;
    // What the decision needs besides what happened: measure-decision.ts decides, this does the I/O.
    const context = {
      attempt,
      maxAttempts: job.opts.attempts ?? 1,
      archiveFailed: config.archiveFailed,
      busyWaits: busyWaitsOf(job.data),
      busyWait: deps.busyWait ?? DEFAULT_BUSY_WAIT,
    };
    const log = deps.logger.child({
      jobId,
      category: spec.category,
      tool: spec.tool ?? 'auto',
      targetHost: spec.dest.name,
      targetIp: spec.dest.ip,
      direction: spec.direction,
      attempt,
    });

    const support = backend.supports(spec);
    if (!support.ok) {
      const skip = decideMeasureOutcome({ ...context, happened: { kind: 'unsupported', reason: support.reason } });
      log.warn({ backend: backend.name, reason: skip.reason }, 'measurement skipped: not measurable with this backend');
      return { resultFile: null, runId: null, ts: null, succeeded: false, archived: false, archiveJobs: [], skipped: skip.reason };
    }

    let source: string | null = null;
    if (spec.source) {
      const resolved = resolveSource(spec.source);
      if (!resolved.ok) throw new MeasurementFailedError(`source ${spec.source}: ${resolved.reason}`);
      source = resolved.address;
    }

    // A re-run of this very attempt (its first run lost the job lock, e.g. Redis was unreachable for
    // longer than the lock, so BullMQ handed the job out again): end it as the first run did, with the
    // same result, run_id and ts (the archive job ids then dedupe), instead of measuring twice.
    // BullMQ hands a job out again only after finding it stalled, and counts that on the job: a job
    // never found stalled is no re-run, and needs no look at DATA_DIR.
    const earlier = (job.stalledCounter ?? 0) > 0 ? await findEarlierRun(config.dataDir, jobId, job.attemptsMade) : null;
    if (earlier) {
      const { meta, raw, file, failure } = earlier;
      log.warn({ resultFile: file, ts: meta.ts }, 'this attempt was measured already (its first run lost the job lock); reusing that result instead of measuring again');
      const decision = decideMeasureOutcome({ ...context, happened: { kind: 'measured-before', succeeded: meta.succeeded, archived: meta.archived, failure } });
      if (decision.kind === 'retry') throw new MeasurementFailedError(decision.failure);
      const archiveJobs = decision.archived ? await enqueueArchives(jobId, spec, meta, raw, file) : [];
      const again: MeasureOutcome = { resultFile: file, runId: meta.run_id, ts: meta.ts, succeeded: decision.succeeded, archived: decision.archived, archiveJobs, skipped: null, keptOnDisk: true, keepError: null };
      if (decision.failure !== null) {
        await job.updateProgress({ ...again }); // as below: only a failing job needs its outcome in progress
        throw new MeasurementFailedError(decision.failure);
      }
      return again;
    }

    // Throughput waits for its testpoint's and its destination's slots: waiting is not an attempt.
    let slots: HeldLease | null = null;
    if (spec.category === 'throughput' && deps.throughputSlots) {
      const got = await deps.throughputSlots(spec, `${config.testpoint} ${jobId}`);
      if (!got.held) {
        // Until the holder expects to be done (busy-wait.ts); the worker takes its other jobs meanwhile.
        const delayMs = slotWaitMs(got);
        const what = got.key.includes(':lease:dest:') ? `destination ${spec.dest.ip}` : `testpoint ${config.testpoint}`;
        log.info({ holder: got.holder, delayMs, expectedRemainingMs: got.expectedRemainingMs }, `throughput slot of ${what} is held by ${got.holder}; waiting, not counted as an attempt`);
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError(`waiting for the throughput slot of ${what} (held by ${got.holder})`);
      }
      slots = got.lease;
    }

    const startedAt = new Date();
    const plannedFile = resultPath(config.dataDir, spec, startedAt);
    const resultMeta = (succeeded: boolean, archived: boolean): ResultMeta => ({
      run_id: runIdFor(jobId),
      ts: measurementTs(startedAt),
      measureJobId: jobId,
      testpoint: spec.testpoint,
      category: spec.category,
      tool: spec.tool,
      direction: spec.direction,
      src: { ip: source ?? config.hostIp, name: config.hostName },
      dst: { ip: spec.dest.ip, name: spec.dest.name },
      succeeded,
      archived,
    });
    // The backend's own output file lives outside DATA_DIR and is read into memory at once: the
    // result must reach the archivers even when DATA_DIR is full or read-only (keep-result.ts). It is
    // made only when the backend asks for it (pscheduler): the direct backend keeps its result in memory.
    const scratch = lazyScratchFile(plannedFile);
    log.info({ backend: backend.name }, 'measurement started');
    let outcome: Awaited<ReturnType<MeasureBackend['run']>>;
    let text: string | null = null;
    let oversized: { readonly bytes: number; readonly keep: KeepOutcome } | null = null;
    try {
      outcome = await backend.run(spec, { source, outputFile: scratch.file, timeoutMs: config.measureTimeoutMs, signal, track: deps.toolTracker });
      if (outcome.kind === 'ran') {
        // MAX_RESULT_BYTES: a bigger result is kept on disk as it is, never read whole nor put into Redis.
        // In memory, or in the scratch file if the backend asked for one (none asked: no result).
        const output = outcome.output;
        const written = output === undefined ? await scratch.made() : null;
        const from: { readonly text: string } | { readonly file: string } | null = output !== undefined ? { text: output } : written !== null ? { file: written } : null;
        const bounded = from === null ? ({ kind: 'text', text: null } as const)
          : 'text' in from ? boundText(from.text, config.maxResultBytes)
          : await readBoundedResult(from.file, config.maxResultBytes);
        if (bounded.kind === 'text') text = bounded.text;
        else if (from !== null) {
          oversized = { bytes: bounded.bytes, keep: await keepOversizedResult(plannedFile, from, `${JSON.stringify(resultMeta(false, false))}\n`) };
        }
      }
    } finally {
      await scratch.dispose();
      // Freed as soon as the tool is done: keeping and handing over need no exclusive path.
      await slots?.release().catch((err: unknown) => log.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not free a throughput slot; it expires by itself'));
    }
    const durationMs = Date.now() - startedAt.getTime();
    const result: RunResult =
      outcome.kind === 'tool-missing' ? { kind: 'tool-missing', message: outcome.message }
      : outcome.kind === 'no-result' ? { kind: 'no-result', reason: outcome.reason }
      : oversized !== null ? { kind: 'oversized' }
      : { kind: 'read', content: interpretResult(text) };
    const decision = decideMeasureOutcome({
      ...context,
      happened: { kind: 'ran', aborted: signal?.aborted === true, result, backendName: backend.name, diags: outcome.kind === 'tool-missing' ? '' : outcome.diags },
    });

    if (decision.kind === 'wait') {
      if (decision.cause === 'shutdown') {
        // Cut short by a shutdown: not the measurement's fault, so it must not use up an attempt.
        log.warn({ durationMs }, 'measurement interrupted by shutdown; it will run again');
        await job.moveToDelayed(Date.now() + decision.delayMs, token);
        throw new DelayedError('measurement interrupted by shutdown; it will run again');
      }
      const seconds = Math.round(decision.delayMs / 1000);
      log.warn(
        { durationMs, busyWait: decision.busyWaits, maxBusyWaits: decision.maxBusyWaits, delayMs: decision.delayMs },
        `iperf3 server at ${spec.dest.ip} is busy (another test is running); waiting ${seconds} s, not counted as an attempt`,
      );
      await job.updateData({ ...job.data, busyWaits: decision.busyWaits } as MeasureJobData);
      await job.moveToDelayed(Date.now() + decision.delayMs, token);
      throw new DelayedError(`iperf3 server at ${spec.dest.ip} is busy; waiting ${seconds} s`);
    }
    if (decision.kind === 'refuse') {
      if (decision.cause === 'tool-missing') {
        log.error({ durationMs }, decision.reason);
        throw new UnrecoverableError(decision.reason);
      }
      if (oversized === null) throw new Error('oversized-result decision without an oversized result');
      const file = oversized.keep.kept ? oversized.keep.file : null;
      const reason = oversizedResultReason(oversized.bytes, config.maxResultBytes, file);
      const meta = resultMeta(false, false);
      await job.updateProgress({
        resultFile: file, runId: meta.run_id, ts: meta.ts, succeeded: false, archived: false, archiveJobs: [], skipped: null,
        keptOnDisk: oversized.keep.kept, keepError: oversized.keep.kept ? null : oversized.keep.errno,
      } satisfies MeasureOutcome);
      log.error({ durationMs, resultFile: file, bytes: oversized.bytes, maxResultBytes: config.maxResultBytes }, reason);
      throw new UnrecoverableError(reason);
    }
    if (decision.kind === 'retry' && decision.cause === 'no-result') {
      log.warn({ durationMs, reason: decision.reason }, 'measurement gave no result; will retry');
      throw new MeasurementFailedError(decision.failure);
    }
    if (decision.busyGaveUpAfter !== null) {
      log.warn({ busyWaits: decision.busyGaveUpAfter }, `iperf3 server at ${spec.dest.ip} was still busy after ${decision.busyGaveUpAfter} waits; counted as a failed attempt`);
    }

    // A failed result that is retried is kept too (not archived); the final one is kept and archived as decided.
    const { raw, failure } = decision;
    const succeeded = decision.kind === 'record' && decision.succeeded;
    const archived = decision.kind === 'record' && decision.archived;
    const meta = resultMeta(succeeded, archived);
    // What the tool wrote is kept as it wrote it; the record written for a run without a result, as JSON.
    const asWritten = decision.kind === 'retry' || decision.rawFrom === 'result' ? text : null;
    const keep = await keepResult(plannedFile, asWritten ?? `${JSON.stringify(raw)}\n`, `${JSON.stringify(meta)}\n`, {
      // Lets a re-run of this attempt (after a lost lock) reuse this result; without it, it measures again.
      // Written as soon as the result has its name, so it is there before any archive job.
      whenNamed: (kept) =>
        recordMeasured(config.dataDir, jobId, job.attemptsMade, kept, failure).catch((err: unknown) =>
          log.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not record the measured marker; a re-run of this attempt would measure again'),
        ),
    });
    const file = keep.kept ? keep.file : null;
    if (!keep.kept) {
      log.error(
        { errno: keep.errno, dataDir: config.dataDir, plannedFile, error: keep.message, succeeded, willDeliver: archived },
        `result not kept on disk (${keep.errno}): ${keep.message}; ${archived ? 'it is delivered to the archivers anyway' : 'nothing is left of this attempt'}`,
      );
    }

    if (decision.kind === 'retry') {
      log.warn({ durationMs, resultFile: file, reason: failure }, 'measurement failed; will retry');
      throw new MeasurementFailedError(decision.failure);
    }
    const archiveJobs = archived ? await enqueueArchives(jobId, spec, meta, raw, file) : [];
    const measured: MeasureOutcome = {
      resultFile: file,
      runId: meta.run_id,
      ts: meta.ts,
      succeeded,
      archived,
      archiveJobs,
      skipped: null,
      keptOnDisk: keep.kept,
      keepError: keep.kept ? null : keep.errno,
    };
    if (failure !== null) {
      // Progress survives a failed job (return values do not), so run-once and the dashboard can
      // follow its deliveries. A job that completes carries the same in its return value: no write.
      await job.updateProgress({ ...measured });
      log.error({ durationMs, resultFile: file, archiveJobs: archiveJobs.length, reason: failure }, 'measurement failed');
      throw new MeasurementFailedError(failure);
    }
    log.info({ durationMs, resultFile: file, archiveJobs: archiveJobs.length }, 'measurement succeeded');
    return measured;
  };
}
