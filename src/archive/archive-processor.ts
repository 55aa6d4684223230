// The archive queue's processor: one delivery attempt per run, its outcome mapped onto BullMQ retries.
import { randomBytes } from 'node:crypto';
import { UnrecoverableError, type BackoffStrategy, type Job, type JobsOptions } from 'bullmq';
import type { Config } from '../config/config.js';
import { ArchiveRejectedError, ArchiveRetryableError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ArchiveJobData } from './archive-job.js';
import { buildArchiveRequest, displayUrl, InvalidArchiveJobError, type ArchiveRequest } from './archive-request.js';
import { archiveDelayMs } from './backoff.js';
import type { ArchiveDispatchers } from './dispatchers.js';
import { postMeasurement } from './post-measurement.js';

export interface ArchiveProcessorDeps {
  /** The token is read here at send time, so it never has to travel in job data. */
  readonly config: Pick<Config, 'authToken' | 'archiveTimeoutMs'>;
  readonly dispatchers: Pick<ArchiveDispatchers, 'get'>;
  readonly logger: Logger;
}

export interface ArchiveResult {
  readonly status: number;
  readonly deliveredAt: string;
}

export type ArchiveProcessor = (job: Job<ArchiveJobData>, token?: string, signal?: AbortSignal) => Promise<ArchiveResult>;

/** How much of the archiver's answer goes into a log line (the failed job keeps up to 2 KB). */
const LOGGED_ANSWER_LIMIT = 300;

export function createArchiveProcessor(deps: ArchiveProcessorDeps): ArchiveProcessor {
  return async (job, _lockToken, signal) => {
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const data = job.data as Partial<ArchiveJobData> | undefined;
    const url = displayUrl(String(data?.url));
    // Only named fields reach the log: never the request object, whose headers hold the token.
    const fields = { jobId: job.id, url, category: data?.category, run_id: data?.body?.run_id, attempt, maxAttempts };
    const requestId = `psq-${safeId(job.id)}-${attempt}-${randomBytes(3).toString('hex')}`;

    let request: ArchiveRequest;
    try {
      request = buildArchiveRequest(job.data, deps.config.authToken, requestId);
    } catch (err) {
      if (!(err instanceof InvalidArchiveJobError)) throw err;
      deps.logger.error({ ...fields, outcome: 'reject', reason: err.message }, 'archive job invalid; not sent');
      throw new UnrecoverableError(`invalid archive job: ${err.message}`);
    }

    const r = await postMeasurement(request, deps.dispatchers.get(request.url), deps.config.archiveTimeoutMs, {
      ...(signal ? { signal } : {}),
    });
    const line = { ...fields, requestId, status: r.status, durationMs: r.durationMs, outcome: r.outcome, reason: r.reason };
    const said = r.status === null ? `no answer: ${r.reason}` : `HTTP ${r.status} (${r.reason})`;

    switch (r.outcome) {
      case 'delivered':
        deps.logger.info(line, 'archive delivered');
        return { status: r.status ?? 0, deliveredAt: new Date().toISOString() };
      case 'retry': {
        const final = attempt >= maxAttempts;
        const retryAfter = r.retryAfterMs === null ? '' : `; Retry-After ${r.retryAfterMs} ms`;
        deps.logger[final ? 'error' : 'warn'](
          { ...line, retryAfterMs: r.retryAfterMs, answer: clip(r.responseText, LOGGED_ANSWER_LIMIT) },
          final ? 'archive delivery failed on the last attempt; job goes to the failed set' : 'archive delivery failed; will retry',
        );
        throw new ArchiveRetryableError(
          `POST ${displayUrl(request.url)}: ${said}${retryAfter}${answerSuffix(r.responseText)}`,
          r.status,
          r.retryAfterMs,
        );
      }
      case 'reject': {
        deps.logger.error({ ...line, answer: clip(r.responseText, LOGGED_ANSWER_LIMIT) }, 'archive rejected; not retried');
        const message =
          `POST ${displayUrl(request.url)}: ${said}${answerSuffix(r.responseText)}; ` +
          'not retried: fix the cause, then retry the job from the dashboard';
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

export const ARCHIVE_BACKOFF_TYPE = 'archive';

/** Options for every archive job: retries via the 'archive' strategy; failed jobs kept 30 days for a manual retry. */
export function archiveJobOptions(config: Pick<Config, 'archiveAttempts' | 'archiveBackoffMs' | 'archiveFailedKeepDays'>) {
  return {
    attempts: config.archiveAttempts,
    backoff: { type: ARCHIVE_BACKOFF_TYPE, delay: config.archiveBackoffMs },
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: config.archiveFailedKeepDays * 86_400 },
  } satisfies JobsOptions;
}

function clip(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function answerSuffix(text: string): string {
  const t = text.trim();
  return t === '' ? '' : `; archiver said: ${t}`;
}

/** Header-safe job id: custom ids may hold anything. */
function safeId(id: string | undefined): string {
  return (id ?? 'unknown').replace(/[^A-Za-z0-9._:-]/g, '_').slice(0, 100);
}
