// The measure worker's job processor: validate, run the backend, keep the result, hand it to archivers.
import { readFile, rm } from 'node:fs/promises';
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
import { interpretResult } from './read-result.js';
import { resolveSource } from './resolve-source.js';
import { measurementTs, metaPath, resultPath } from './result-path.js';
import { moveIntoPlace, tempPathFor, writeFileAtomic } from './write-atomic.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

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
}

async function readIfExists(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export function createMeasureProcessor(deps: MeasureDeps) {
  const { config, backend, archiveQueueFor } = deps;

  async function enqueueArchives(jobId: string, spec: MeasurementSpec, meta: ResultMeta, raw: unknown, file: string): Promise<ArchiveJobRef[]> {
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
    const problems = validateMeasureJob(job.data, config.testpoint);
    if (problems.length > 0) {
      deps.logger.error({ jobId: job.id, problems }, 'measurement job refused');
      throw new UnrecoverableError(`job refused: ${problems.join('; ')}`);
    }
    const spec = job.data.spec;
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

    const startedAt = new Date();
    const plannedFile = resultPath(config.dataDir, spec, startedAt);
    const temp = tempPathFor(plannedFile);
    await mkdir(dirname(plannedFile), { recursive: true });
    log.info({ backend: backend.name }, 'measurement started');
    const outcome = await backend.run(spec, { source, outputFile: temp, timeoutMs: config.measureTimeoutMs, signal });
    const durationMs = Date.now() - startedAt.getTime();
    if (signal?.aborted) {
      // Cut short by a shutdown: not the measurement's fault, so it must not use up an attempt.
      await rm(temp, { force: true });
      log.warn({ durationMs }, 'measurement interrupted by shutdown; it will run again');
      await job.moveToDelayed(Date.now() + 1000, token);
      throw new DelayedError('measurement interrupted by shutdown; it will run again');
    }

    if (outcome.kind === 'tool-missing') {
      await rm(temp, { force: true });
      log.error({ durationMs }, outcome.message);
      throw new UnrecoverableError(outcome.message);
    }
    const content =
      outcome.kind === 'ran' ? interpretResult(await readIfExists(temp)) : { kind: 'no-result' as const, reason: outcome.reason };

    let raw: Record<string, unknown>;
    let succeeded: boolean;
    let failure: string | null;
    if (content.kind === 'no-result') {
      await rm(temp, { force: true });
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
        diags: `written by perfsonar-queue: ${backend.name} produced no result\n${outcome.diags}`,
      };
      succeeded = false;
      failure = `no result: ${content.reason}`;
      await writeFile(temp, `${JSON.stringify(raw)}\n`);
    } else {
      raw = content.raw;
      succeeded = content.succeeded;
      failure = succeeded ? null : `measurement failed: ${content.error ?? 'succeeded is false (no error given)'}`;
    }
    const file = await moveIntoPlace(temp, plannedFile);

    const archived = succeeded || (isFinalAttempt && config.archiveFailed);
    const meta: ResultMeta = {
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
    };
    await writeFileAtomic(metaPath(file), `${JSON.stringify(meta)}\n`);

    if (!succeeded && !isFinalAttempt) {
      log.warn({ durationMs, resultFile: file, reason: failure }, 'measurement failed; will retry');
      throw new MeasurementFailedError(failure ?? 'measurement failed');
    }
    const archiveJobs = archived ? await enqueueArchives(jobId, spec, meta, raw, file) : [];
    const result: MeasureOutcome = { resultFile: file, runId: meta.run_id, ts: meta.ts, succeeded, archived, archiveJobs, skipped: null };
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
