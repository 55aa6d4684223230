// The archive queue's processor: one delivery attempt per run, its outcome mapped onto BullMQ retries.
import { UnrecoverableError, type BackoffStrategy, type Job } from 'bullmq';
import type { Config } from '../config/config.js';
import { ArchiveRejectedError, ArchiveRetryableError } from '../errors.js';
import type { Logger } from '../logger.js';
import { maskUserinfo } from '../config/archive-urls.js';
import { secretRedactor } from '../redact-secrets.js';
import type { ArchiveJobData } from '../jobs/archive-job.js';
import { archiveBodyLimit, checkArchiveJob, formatArchiveJobProblem, showValue } from './archive-job-schema.js';
import { buildArchiveRequest, displayUrl, InvalidArchiveJobError, type ArchiveRequest } from './archive-request.js';
import { checkArchiverBinding } from './archiver-binding.js';
import { archiveDelayMs } from './backoff.js';
import type { ArchiveDispatchers } from './dispatchers.js';
import { postMeasurement } from './post-measurement.js';
import { recoveryHint } from './recovery-hint.js';

export interface ArchiveProcessorDeps {
  /** The token is read here at send time, so it never has to travel in job data. */
  readonly config: Pick<Config, 'authToken' | 'archiveTimeoutMs' | 'maxResultBytes'>;
  /**
   * The archiver this worker's queue belongs to (from ARCHIVE_URLS): every delivery goes here, and
   * a job whose data names another archiver is refused, so the token never follows job data.
   */
  readonly archiverUrl: string;
  readonly dispatchers: Pick<ArchiveDispatchers, 'get'>;
  readonly logger: Logger;
  /** More secrets to keep out of logs and failed reasons (the token always is); see configuredSecrets. */
  readonly secrets?: readonly (string | null)[];
  /**
   * Told of every delivery the archiver accepted (the role's periodic summary line counts them):
   * each one is logged at debug level only, so a busy drain does not write a line per delivery.
   */
  readonly onDelivered?: () => void;
}

export interface ArchiveResult {
  readonly status: number;
  readonly deliveredAt: string;
}

export type ArchiveProcessor = (job: Job<ArchiveJobData>, token?: string, signal?: AbortSignal) => Promise<ArchiveResult>;

/** How much of the archiver's answer goes into a log line (the failed job keeps up to 2 KB). */
const LOGGED_ANSWER_LIMIT = 300;

export function createArchiveProcessor(deps: ArchiveProcessorDeps): ArchiveProcessor {
  const { archiverUrl, logger } = deps;
  // ARCHIVE_URLS refuses user:password@, so the configured form is safe to show (and to paste into --from).
  const shownArchiver = maskUserinfo(archiverUrl);
  const redact = secretRedactor([deps.config.authToken, ...(deps.secrets ?? [])]);
  const maxBodyBytes = archiveBodyLimit(deps.config.maxResultBytes);
  // The job `url` last found to name this archiver: nearly every job carries the same string, and
  // checking it parses URLs. Only a string that passed the full check is remembered.
  let boundJobUrl: string | null = null;

  return async (job, _lockToken, signal) => {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const requestId = `psq-${safeId(job.id)}-${attempt}-${randomSuffix()}`;

    // Refused before anything is sent: the data may have been written by anyone with Redis or
    // dashboard access. Retrying cannot fix it, so the job fails at once.
    const refuse = (reason: string, hint = recoveryHint('refused', null, shownArchiver)): never => {
      const shown = redact(reason);
      logger.error({ jobId: job.id, queue: job.queueName, url: shownArchiver, attempt, outcome: 'refused', reason: shown }, `archive job refused; not sent: ${hint}`);
      throw new UnrecoverableError(`archive job refused, not sent: ${shown}; ${hint}`);
    };
    const check = checkArchiveJob(job.data, { maxBodyBytes });
    if (!check.ok) return refuse(formatArchiveJobProblem(check.problem), recoveryHint(check.tooLarge ? 'too-large' : 'refused', null, shownArchiver));
    const data = check.data;
    if (data.url !== boundJobUrl) {
      const binding = checkArchiverBinding(data.url, archiverUrl);
      if (!binding.ok) return refuse(`url=${showValue(binding.shown)}: ${binding.why}`);
      boundJobUrl = data.url;
    }

    let request: ArchiveRequest;
    try {
      request = buildArchiveRequest(archiverUrl, data, deps.config.authToken, requestId, check.bodyText);
    } catch (err) {
      if (!(err instanceof InvalidArchiveJobError)) throw err;
      return refuse(err.message);
    }

    const r = await postMeasurement(request, deps.dispatchers.get(request.url), deps.config.archiveTimeoutMs, signal ? { signal, redact } : { redact });
    // postMeasurement has already redacted what came from the archiver (its answer, network error
    // text); the rest of every message below is our own words and the configured URL.
    // Only named fields reach the log: never the request object, whose headers hold the token.
    const logLine = () => ({
      jobId: job.id, url: shownArchiver, category: data.category, run_id: data.body.run_id, attempt, maxAttempts,
      requestId, status: r.status, durationMs: r.durationMs, outcome: r.outcome, reason: r.reason,
    });
    if (r.outcome === 'delivered') {
      // Debug only: at thousands of deliveries a second a line each was the worker's largest cost;
      // the role logs a summary line instead (onDelivered), and every failure below is logged.
      if (logger.isLevelEnabled('debug')) logger.debug(logLine(), 'archive delivered');
      deps.onDelivered?.();
      return { status: r.status ?? 0, deliveredAt: new Date().toISOString() };
    }
    const line = logLine();
    const said = r.status === null ? `no answer: ${r.reason}` : `HTTP ${r.status} (${r.reason})`;
    const target = displayUrl(request.url);

    switch (r.outcome) {
      case 'retry': {
        const final = attempt >= maxAttempts;
        const retryAfter = r.retryAfterMs === null ? '' : `; Retry-After ${r.retryAfterMs} ms`;
        const hint = recoveryHint('exhausted', r.status, shownArchiver);
        logger[final ? 'error' : 'warn'](
          { ...line, retryAfterMs: r.retryAfterMs, answer: clip(r.responseText, LOGGED_ANSWER_LIMIT) },
          final ? `archive delivery failed on the last attempt; job goes to the failed set: ${hint}` : 'archive delivery failed; will retry',
        );
        throw new ArchiveRetryableError(
          `POST ${target}: ${said}${retryAfter}${answerSuffix(r.responseText)}${final ? `; gave up after ${maxAttempts} attempts: ${hint}` : ''}`,
          r.status,
          r.retryAfterMs,
        );
      }
      case 'reject': {
        const hint = recoveryHint('rejected', r.status, shownArchiver);
        logger.error({ ...line, answer: clip(r.responseText, LOGGED_ANSWER_LIMIT) }, `archive rejected; not retried: ${hint}`);
        const message = `POST ${target}: ${said}${answerSuffix(r.responseText)}; not retried: ${hint}`;
        const err = new UnrecoverableError(message);
        err.cause = new ArchiveRejectedError(message, r.status, r.responseText);
        throw err;
      }
    }
  };
}

/**
 * Worker `settings.backoffStrategy` for jobs whose backoff type is 'archive': capped exponential
 * with jitter, never sooner than the archiver's Retry-After.
 */
export function archiveBackoffStrategy(
  config: Pick<Config, 'archiveBackoffMs' | 'archiveBackoffMaxMs'>,
  random: () => number = Math.random,
): BackoffStrategy {
  const opts = { baseMs: config.archiveBackoffMs, maxMs: config.archiveBackoffMaxMs };
  return (attemptsMade, _type, err) => {
    // Duck-typed: the error may have crossed a sandboxed-processor boundary and lost its class.
    const retryAfter = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return archiveDelayMs(attemptsMade, opts, random, typeof retryAfter === 'number' ? retryAfter : null);
  };
}


function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function answerSuffix(text: string): string {
  const t = text.trim();
  return t === '' ? '' : `; archiver said: ${t}`;
}

/**
 * Six hex digits that tell apart two runs of the same attempt (a job picked up again after a stall)
 * in the archiver's logs. Uniqueness is all it needs, not secrecy: Math.random costs a fraction of
 * crypto.randomBytes per call.
 */
function randomSuffix(): string {
  return Math.floor(Math.random() * 0x1000000)
    .toString(16)
    .padStart(6, '0');
}

/** Header-safe job id: custom ids may hold anything. */
function safeId(id: string | undefined): string {
  return (id ?? 'unknown').replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 100);
}
