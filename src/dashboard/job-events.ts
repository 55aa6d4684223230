// Turns BullMQ queue events into the counters, histograms and "last success" gauges of metrics.ts.
// Events carry only job ids, so each handler reads the finished job back from Redis for its data and
// return value; a job already removed still counts, with what its deterministic id tells.
import { Job, type Queue } from 'bullmq';
import type { Logger } from '../logger.js';
import type { MeasureOutcome } from '../measure/measure-processor.js';
import { SCHEDULE_QUEUE } from '../queues/queue-names.js';
import { isArchiveQueue } from './queue-discovery.js';
import { archiverLabel, categoryLabel, errnoLabel, LabelBudget, MaxGauge, textLabel, type DashboardMetrics } from './metrics.js';

/** How many completed jobs per queue are read at start to seed the "last success" gauges. */
const SEED_JOBS = 1000;
/** Distinct testpoint × category × destination series before new ones are refused. */
const MAX_DEST_SERIES = 5000;
const MAX_ARCHIVERS = 64;

export type QueueKind = 'schedule' | 'measure' | 'archive' | 'other';

export function queueKind(name: string): QueueKind {
  if (name === SCHEDULE_QUEUE) return 'schedule';
  if (isArchiveQueue(name)) return 'archive';
  return /^(measure|throughput)-/.test(name) ? 'measure' : 'other';
}

/** The testpoint that owns a measure or throughput queue. */
function testpointOf(queueName: string): string {
  return queueName.replace(/^(measure|throughput)-/, '');
}

/**
 * Measure job ids are `testpoint__category__tool__dest[~source]__direction__slot` (plan/job-id.ts);
 * the queue names the testpoint (which may itself hold "__"). The segments of an id of the queue's
 * testpoint after it, or null.
 */
function idSegments(queueName: string, jobId: string): string[] | null {
  const head = `${testpointOf(queueName)}__`;
  return jobId.startsWith(head) ? jobId.slice(head.length).split('__') : null;
}

function categoryFromJobId(queueName: string, jobId: string): string {
  return categoryLabel(idSegments(queueName, jobId)?.[0]);
}

/** The destination address an id names: its ':' were written as '_' (no address holds a '_'). */
function destIpFromJobId(queueName: string, jobId: string): string | undefined {
  const segments = idSegments(queueName, jobId);
  if (segments === null || segments.length < 5) return undefined;
  return segments.slice(2, -2).join('__').split('~')[0]!.replace(/_/g, ':');
}

/** The destination's name from a job's name, `rtt auto → site-a (192.0.2.10) forward` (fan-out.ts measureJobName). */
function destNameFromJobName(name: string, ip: string | undefined): string | undefined {
  const at = name.indexOf('→ ');
  const end = name.lastIndexOf(' ');
  if (at === -1 || end <= at) return undefined;
  const dest = name.slice(at + 2, end);
  const withIp = ip !== undefined ? ` (${ip})` : null;
  return withIp !== null && dest.endsWith(withIp) ? dest.slice(0, -withIp.length) : dest;
}

interface MeasureData {
  spec?: { category?: unknown; dest?: { ip?: unknown; name?: unknown } };
}

interface ArchiveData {
  url?: unknown;
  body?: { ts?: unknown };
}

export class JobEventRecorder {
  private readonly lastSuccess: MaxGauge<'testpoint' | 'category' | 'dest' | 'dest_ip'>;
  private readonly roundSuccess: MaxGauge<'testpoint'>;
  private readonly destBudget: LabelBudget;
  private readonly archiverBudget: LabelBudget;
  private readonly failures = new Map<string, number>();
  /** attemptsMade already counted as a retry, per archive job id (bounded, oldest dropped first). */
  private readonly countedAttempts = new Map<string, number>();

  constructor(
    private readonly metrics: DashboardMetrics,
    private readonly logger: Logger,
  ) {
    this.lastSuccess = new MaxGauge(metrics.measurementLastSuccess);
    this.roundSuccess = new MaxGauge(metrics.roundLastSuccess);
    this.destBudget = new LabelBudget(MAX_DEST_SERIES, () =>
      logger.warn({ max: MAX_DEST_SERIES }, 'too many destinations for psq_measurement_last_success_timestamp_seconds; new ones are not tracked'));
    this.archiverBudget = new LabelBudget(MAX_ARCHIVERS, () =>
      logger.warn({ max: MAX_ARCHIVERS }, 'too many archiver URLs in archive jobs; the rest are labelled "other"'));
  }

  /** The archiver label of a URL, folded to "other" past the budget. */
  archiver(url: unknown): string {
    const label = archiverLabel(url);
    return this.archiverBudget.allow({ archiver: label }) ? label : 'other';
  }

  async completed(queue: Queue, jobId: string): Promise<void> {
    const kind = queueKind(queue.name);
    const job = await Job.fromId(queue, jobId);
    if (kind === 'measure') this.measureFinished(queue.name, jobId, job, 'completed');
    else if (kind === 'schedule' && job) this.roundFinished(job);
    else if (kind === 'archive') {
      const data = (job?.data ?? {}) as ArchiveData;
      const archiver = this.archiver(data.url);
      this.metrics.deliveries.inc({ archiver, outcome: 'delivered' });
      this.setFailures(archiver, 0);
      this.countedAttempts.delete(jobId);
      const ts = typeof data.body?.ts === 'string' ? Date.parse(data.body.ts) : NaN;
      const acceptedAt = job?.finishedOn ?? Date.now();
      if (Number.isFinite(ts)) this.metrics.deliveryLag.observe({ archiver }, Math.max(0, (acceptedAt - ts) / 1000));
    }
  }

  /** A job failed after its last attempt (or at once, unrecoverably). */
  async failed(queue: Queue, jobId: string): Promise<void> {
    const kind = queueKind(queue.name);
    if (kind !== 'measure' && kind !== 'archive') return;
    const job = await Job.fromId(queue, jobId);
    if (kind === 'measure') {
      this.measureFinished(queue.name, jobId, job, 'failed');
      return;
    }
    const archiver = this.archiver((job?.data as ArchiveData | undefined)?.url);
    this.metrics.deliveries.inc({ archiver, outcome: 'rejected' });
    this.setFailures(archiver, (this.failures.get(archiver) ?? 0) + 1);
    this.countedAttempts.delete(jobId);
  }

  /**
   * A job went back to delayed or waiting: for an archive job that is a failed attempt to be retried,
   * unless nothing was attempted (a delayed add, a rate-limit move). attemptsMade tells them apart.
   */
  async requeued(queue: Queue, jobId: string): Promise<void> {
    if (queueKind(queue.name) !== 'archive') return;
    const job = await Job.fromId(queue, jobId);
    if (!job || job.attemptsMade === 0 || !job.failedReason) return;
    if ((this.countedAttempts.get(jobId) ?? 0) >= job.attemptsMade) return;
    this.countedAttempts.delete(jobId);
    this.countedAttempts.set(jobId, job.attemptsMade);
    if (this.countedAttempts.size > 10_000) this.countedAttempts.delete(this.countedAttempts.keys().next().value!);
    const archiver = this.archiver((job.data as ArchiveData).url);
    this.metrics.deliveries.inc({ archiver, outcome: 'retry' });
    this.setFailures(archiver, (this.failures.get(archiver) ?? 0) + 1);
  }

  /** Sets the "last success" gauges from the completed jobs Redis still holds (counters untouched). */
  async seed(queue: Queue): Promise<void> {
    const kind = queueKind(queue.name);
    if (kind !== 'measure' && kind !== 'schedule') return;
    const jobs = await queue.getJobs(['completed'], 0, SEED_JOBS - 1);
    for (const job of jobs) {
      if (kind === 'schedule') this.roundFinished(job);
      else if (this.succeeded(job)) this.markSuccess(queue.name, job);
    }
  }

  private measureFinished(queueName: string, jobId: string, job: Job | undefined, state: 'completed' | 'failed'): void {
    const testpoint = testpointOf(queueName);
    const data = (job?.data ?? {}) as MeasureData;
    // A compact job (fan-out.ts) carries no spec: its id names the category.
    const category = job && data.spec !== undefined ? categoryLabel(data.spec.category) : categoryFromJobId(queueName, jobId);
    const returned = state === 'completed' ? (job?.returnvalue as MeasureOutcome | null | undefined) : undefined;
    const skipped = typeof returned?.skipped === 'string';
    // Dropped: its round was over before it could start (the testpoint was down or its slots busy).
    const outcome = state === 'failed' ? 'failed' : returned?.dropped === true ? 'dropped' : skipped ? 'skipped' : 'completed';
    this.metrics.measurements.inc({ testpoint, category, outcome });
    // A result DATA_DIR could not keep (measure-processor keepResult): from the return value, or the
    // progress a failed job leaves.
    const kept = (state === 'completed' ? job?.returnvalue : job?.progress) as Partial<MeasureOutcome> | null | undefined;
    if (kept && typeof kept === 'object' && kept.keptOnDisk === false) this.metrics.resultsNotKept.inc({ testpoint, errno: errnoLabel(kept.keepError) });
    if (outcome !== 'completed' || !job) return;
    if (job.processedOn && job.finishedOn && job.finishedOn >= job.processedOn) {
      this.metrics.measurementDuration.observe({ category }, (job.finishedOn - job.processedOn) / 1000);
    }
    if (this.succeeded(job)) this.markSuccess(queueName, job);
  }

  private succeeded(job: Job): boolean {
    const rv = job.returnvalue as Partial<MeasureOutcome> | null;
    return rv !== null && typeof rv === 'object' && rv.succeeded === true && rv.skipped == null;
  }

  private markSuccess(queueName: string, job: Job): void {
    const data = (job.data ?? {}) as MeasureData;
    const labels = data.spec !== undefined
      ? {
          testpoint: testpointOf(queueName),
          category: categoryLabel(data.spec?.category),
          dest: textLabel(data.spec?.dest?.name),
          dest_ip: textLabel(data.spec?.dest?.ip),
        }
      : this.compactLabels(queueName, job);
    if (!this.destBudget.allow(labels)) return;
    this.lastSuccess.set(labels, (job.finishedOn ?? Date.now()) / 1000);
  }

  /** The labels of a compact job (no spec in its data): from its id and its name. */
  private compactLabels(queueName: string, job: Job): Record<'testpoint' | 'category' | 'dest' | 'dest_ip', string> {
    const jobId = String(job.id);
    const ip = destIpFromJobId(queueName, jobId);
    return {
      testpoint: testpointOf(queueName),
      category: categoryFromJobId(queueName, jobId),
      dest: textLabel(typeof job.name === 'string' ? destNameFromJobName(job.name, ip) : undefined),
      dest_ip: textLabel(ip),
    };
  }

  private roundFinished(job: Job): void {
    const data = (job.data ?? {}) as { testpoint?: unknown };
    const rv = job.returnvalue as { slotMs?: unknown } | null;
    if (typeof data.testpoint !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(data.testpoint)) return;
    const slotMs = typeof rv?.slotMs === 'number' ? rv.slotMs : job.finishedOn;
    if (slotMs !== undefined) this.roundSuccess.set({ testpoint: data.testpoint }, slotMs / 1000);
  }

  private setFailures(archiver: string, n: number): void {
    this.failures.set(archiver, n);
    this.metrics.consecutiveFailures.set({ archiver }, n);
  }

  /** Zero series for archivers with nothing recorded yet, so "no failures" is visible, not absent. */
  touchArchiver(archiver: string): void {
    if (!this.failures.has(archiver)) this.setFailures(archiver, 0);
  }

  /** Settles when `work` does, logging a failure instead of letting an event listener throw. */
  guard(what: string, queueName: string, jobId: string, work: Promise<void>): Promise<void> {
    return work.catch((err: unknown) => this.logger.warn({ err, queue: queueName, jobId }, `dashboard could not record ${what}`));
  }
}
