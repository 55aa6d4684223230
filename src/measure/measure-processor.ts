// The measure worker's job processor: validate, run the backend, keep the result, hand it to archivers.
import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { ArchiveJobData, ArchiveJobRef } from '../archive/archive-job.js';
import { archiveJobOptions } from '../archive/archive-processor.js';
import type { Config } from '../config/config.js';
import { MeasurementFailedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { archiveJobId, runIdFor } from '../plan/job-id.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import type { MeasureBackend } from './backend.js';
import { validateMeasureJob, type MeasureJobData } from './measure-job.js';
import { clipText, refusalReason } from '../queues/job-data-bounds.js';
import { boundText, keepOversizedResult, oversizedResultReason, readBoundedResult } from './result-size.js';
import { interpretResult } from './read-result.js';
import { resolveSource } from './resolve-source.js';
import { measurementTs, resultPath } from './result-path.js';
import { isBusyAnswer } from './busy-answer.js';
import { busyWaitDecision, busyWaitsOf, DEFAULT_BUSY_WAIT, type BusyWaitPolicy } from './busy-wait.js';
import { keepResult, scratchFileFor, type KeepOutcome } from './keep-result.js';
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

/** A tool's chatter kept in a "no result" record (it goes to every archiver, through Redis). */
const MAX_DIAGS_CHARS = 16 * 1024;
/** A result's own error quoted in the job's failedReason. */
const MAX_ERROR_CHARS = 1000;

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
}

/** Kept beside each result file; replay reads it to re-send the very same body. */
export interface ResultMeta {
  readonly run_id: string;
  readonly ts: string;
  readonly measureJobId: string;
  readonly testpoint: string;
  readonly category: MeasurementSpec['category'];
  readonly tool: string | null;
  readonly direction: MeasurementSpec['direction'];
  readonly src: { ip: string; name: string };
  readonly dst: { ip: string; name: string };
  readonly succeeded: boolean;
  /** Whether this result was handed to the archivers (false for a failure that was retried). */
  readonly archived: boolean;
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
    const problems = validateMeasureJob(job.data, config.testpoint, job.queueName);
    if (problems.length > 0) {
      const reason = refusalReason('job refused', problems);
      deps.logger.error({ jobId: job.id, queue: job.queueName, reason }, 'measurement job refused');
      throw new UnrecoverableError(reason);
    }
    const spec = job.data.spec;
    const unplanned = deps.planned?.check(spec) ?? null;
    if (unplanned !== null) {
      const reason = refusalReason('job refused', [unplanned]);
      deps.logger.error({ jobId: job.id, queue: job.queueName, reason }, 'measurement job refused');
      throw new UnrecoverableError(reason);
    }
    const jobId = String(job.id);
    const attempt = job.attemptsMade + 1;
    const isFinalAttempt = attempt >= (job.opts.attempts ?? 1);
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
      log.warn({ backend: backend.name, reason: support.reason }, 'measurement skipped: not measurable with this backend');
      return { resultFile: null, runId: null, ts: null, succeeded: false, archived: false, archiveJobs: [], skipped: support.reason };
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
    const earlier = await findEarlierRun(config.dataDir, jobId, job.attemptsMade);
    if (earlier) {
      const { meta, raw, file, failure } = earlier;
      log.warn({ resultFile: file, ts: meta.ts }, 'this attempt was measured already (its first run lost the job lock); reusing that result instead of measuring again');
      if (!meta.succeeded && !isFinalAttempt) throw new MeasurementFailedError(failure ?? 'measurement failed');
      const archiveJobs = meta.archived ? await enqueueArchives(jobId, spec, meta, raw, file) : [];
      const again: MeasureOutcome = { resultFile: file, runId: meta.run_id, ts: meta.ts, succeeded: meta.succeeded, archived: meta.archived, archiveJobs, skipped: null, keptOnDisk: true, keepError: null };
      await job.updateProgress({ ...again });
      if (!meta.succeeded) throw new MeasurementFailedError(failure ?? 'measurement failed');
      return again;
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
    // result must reach the archivers even when DATA_DIR is full or read-only (keep-result.ts).
    const scratch = await scratchFileFor(plannedFile);
    log.info({ backend: backend.name }, 'measurement started');
    let outcome: Awaited<ReturnType<MeasureBackend['run']>>;
    let text: string | null = null;
    let oversized: { readonly bytes: number; readonly keep: KeepOutcome } | null = null;
    try {
      outcome = await backend.run(spec, { source, outputFile: scratch.file, timeoutMs: config.measureTimeoutMs, signal, track: deps.toolTracker });
      if (outcome.kind === 'ran') {
        // MAX_RESULT_BYTES: a bigger result is kept on disk as it is, never read whole nor put into Redis.
        const bounded = outcome.output !== undefined
          ? boundText(outcome.output, config.maxResultBytes)
          : await readBoundedResult(scratch.file, config.maxResultBytes);
        if (bounded.kind === 'text') text = bounded.text;
        else {
          const from = outcome.output !== undefined ? { text: outcome.output } : { file: scratch.file };
          oversized = { bytes: bounded.bytes, keep: await keepOversizedResult(plannedFile, from, `${JSON.stringify(resultMeta(false, false))}\n`) };
        }
      }
    } finally {
      await scratch.dispose();
    }
    const durationMs = Date.now() - startedAt.getTime();
    if (signal?.aborted) {
      // Cut short by a shutdown: not the measurement's fault, so it must not use up an attempt.
      log.warn({ durationMs }, 'measurement interrupted by shutdown; it will run again');
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError('measurement interrupted by shutdown; it will run again');
    }

    if (outcome.kind === 'tool-missing') {
      log.error({ durationMs }, outcome.message);
      throw new UnrecoverableError(outcome.message);
    }
    if (oversized !== null) {
      // Not retried: the same test would write as much again.
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
    const content = outcome.kind === 'ran' ? interpretResult(text) : { kind: 'no-result' as const, reason: outcome.reason };

    if (content.kind === 'result' && isBusyAnswer(content.raw)) {
      // Another client is testing against that iperf3 server: nothing was measured, so this is a
      // wait, not a failed attempt (BullMQ counts no attempt for a DelayedError), up to a bound.
      const decision = busyWaitDecision(busyWaitsOf(job.data), deps.busyWait ?? DEFAULT_BUSY_WAIT);
      if (decision.wait) {
        const seconds = Math.round(decision.delayMs / 1000);
        log.warn(
          { durationMs, busyWait: decision.waitNumber, maxBusyWaits: (deps.busyWait ?? DEFAULT_BUSY_WAIT).maxWaits, delayMs: decision.delayMs },
          `iperf3 server at ${spec.dest.ip} is busy (another test is running); waiting ${seconds} s, not counted as an attempt`,
        );
        await job.updateData({ ...job.data, busyWaits: decision.waitNumber } as MeasureJobData);
        await job.moveToDelayed(Date.now() + decision.delayMs, token);
        throw new DelayedError(`iperf3 server at ${spec.dest.ip} is busy; waiting ${seconds} s`);
      }
      log.warn({ busyWaits: decision.waited }, `iperf3 server at ${spec.dest.ip} was still busy after ${decision.waited} waits; counted as a failed attempt`);
    }

    let raw: Record<string, unknown>;
    let succeeded: boolean;
    let failure: string | null;
    if (content.kind === 'no-result') {
      if (!isFinalAttempt) {
        log.warn({ durationMs, reason: content.reason }, 'measurement gave no result; will retry');
        throw new MeasurementFailedError(`no result: ${content.reason}`);
      }
      // The last attempt: keep a record anyway, in pScheduler's failure shape, so the gap is
      // visible on disk and to the archivers instead of silently missing.
      raw = {
        schema: 1,
        succeeded: false,
        error: `no result: ${content.reason}`,
        diags: `written by perfsonar-queue: ${backend.name} produced no result\n${clipText(outcome.diags, MAX_DIAGS_CHARS)}`,
      };
      succeeded = false;
      failure = `no result: ${content.reason}`;
      text = `${JSON.stringify(raw)}\n`;
    } else {
      raw = content.raw;
      succeeded = content.succeeded;
      failure = succeeded ? null : `measurement failed: ${clipText(content.error ?? 'succeeded is false (no error given)', MAX_ERROR_CHARS)}`;
    }

    const archived = succeeded || (isFinalAttempt && config.archiveFailed);
    const meta = resultMeta(succeeded, archived);
    const keep = await keepResult(plannedFile, text ?? `${JSON.stringify(raw)}\n`, `${JSON.stringify(meta)}\n`);
    const file = keep.kept ? keep.file : null;
    if (!keep.kept) {
      log.error(
        { errno: keep.errno, dataDir: config.dataDir, plannedFile, error: keep.message, succeeded, willDeliver: archived },
        `result not kept on disk (${keep.errno}): ${keep.message}; ${archived ? 'it is delivered to the archivers anyway' : 'nothing is left of this attempt'}`,
      );
    }
    if (keep.kept) {
      // Lets a re-run of this attempt (after a lost lock) reuse this result; without it, it measures again.
      await recordMeasured(config.dataDir, jobId, job.attemptsMade, keep.file, failure).catch((err: unknown) =>
        log.warn({ error: err instanceof Error ? err.message : String(err) }, 'could not record the measured marker; a re-run of this attempt would measure again'),
      );
    }

    if (!succeeded && !isFinalAttempt) {
      log.warn({ durationMs, resultFile: file, reason: failure }, 'measurement failed; will retry');
      throw new MeasurementFailedError(failure ?? 'measurement failed');
    }
    const archiveJobs = archived ? await enqueueArchives(jobId, spec, meta, raw, file) : [];
    const result: MeasureOutcome = {
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
    // Progress survives a failed job (return values do not), so run-once can follow its deliveries.
    await job.updateProgress({ ...result });
    if (!succeeded) {
      log.error({ durationMs, resultFile: file, archiveJobs: archiveJobs.length, reason: failure }, 'measurement failed');
      throw new MeasurementFailedError(failure ?? 'measurement failed');
    }
    log.info({ durationMs, resultFile: file, archiveJobs: archiveJobs.length }, 'measurement succeeded');
    return result;
  };
}
