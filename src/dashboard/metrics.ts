// The Prometheus metrics the dashboard exports, and the label rules that keep their cardinality bounded.
//
// Design: measure and archive workers may run on other machines (a fleet), so no worker process
// holds the whole picture. The dashboard derives everything from Redis instead:
//  - counters and histograms from one BullMQ QueueEvents listener per queue (job-events.ts): events
//    live in a Redis stream, so a blip does not lose them; the finished job is fetched to read its
//    data and return value. Counters start at 0 when the dashboard starts (Prometheus handles resets);
//    "last success" gauges are seeded from the completed jobs still kept in Redis.
//  - depth and freshness gauges at scrape time (scrape.ts): job counts per queue and state, and the
//    undelivered archive jobs per archiver with the oldest one's measurement time (data.body.ts).
// Two dashboards on one Redis each count every event: scrape one, or aggregate with max(), not sum().
// Labels come from queue names (bounded by discovery) or validated job data; never job ids, never
// URLs with credentials, and each metric refuses new label sets past a cap.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { isCategory } from '../plan/categories.js';

export interface DashboardMetrics {
  readonly registry: Registry;
  readonly redisUp: Gauge;
  readonly queueJobs: Gauge<'queue' | 'state'>;
  readonly measurements: Counter<'testpoint' | 'category' | 'outcome'>;
  readonly measurementDuration: Histogram<'category'>;
  readonly measurementLastSuccess: Gauge<'testpoint' | 'category' | 'dest' | 'dest_ip'>;
  readonly resultsNotKept: Counter<'testpoint' | 'errno'>;
  readonly roundLastSuccess: Gauge<'testpoint'>;
  readonly deliveries: Counter<'archiver' | 'outcome'>;
  readonly deliveryLag: Histogram<'archiver'>;
  readonly undelivered: Gauge<'archiver'>;
  readonly oldestUndeliveredAge: Gauge<'archiver'>;
  readonly consecutiveFailures: Gauge<'archiver'>;
  readonly testpointUp: Gauge<'testpoint'>;
  readonly testpointHeartbeatAge: Gauge<'testpoint'>;
}

/** Job states reported per queue (BullMQ 6 has no separate paused list: paused jobs count as waiting). */
export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;

export function createDashboardMetrics(): DashboardMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    redisUp: new Gauge({ name: 'psq_redis_up', help: 'Whether the dashboard reached Redis at the last scrape (1) or not (0).', registers }),
    queueJobs: new Gauge({
      name: 'psq_queue_jobs',
      help: 'Jobs per queue and state, read from Redis at scrape time.',
      labelNames: ['queue', 'state'] as const,
      registers,
    }),
    measurements: new Counter({
      name: 'psq_measurements_total',
      help: 'Finished measurement jobs by testpoint, category and outcome (completed, failed after its last attempt, skipped by the backend, dropped because its round was over before it could start).',
      labelNames: ['testpoint', 'category', 'outcome'] as const,
      registers,
    }),
    measurementDuration: new Histogram({
      name: 'psq_measurement_duration_seconds',
      help: 'Run time of the last attempt of completed measurements, seconds.',
      labelNames: ['category'] as const,
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 300, 600],
      registers,
    }),
    measurementLastSuccess: new Gauge({
      name: 'psq_measurement_last_success_timestamp_seconds',
      help: 'When a measurement last succeeded, per testpoint, category and destination (unix seconds).',
      labelNames: ['testpoint', 'category', 'dest', 'dest_ip'] as const,
      registers,
    }),
    resultsNotKept: new Counter({
      name: 'psq_results_not_kept_total',
      help: 'Finished measurements whose result DATA_DIR could not keep (delivered all the same), by testpoint and errno (ENOSPC: disk full, EROFS: read-only).',
      labelNames: ['testpoint', 'errno'] as const,
      registers,
    }),
    roundLastSuccess: new Gauge({
      name: 'psq_round_last_success_timestamp_seconds',
      help: 'Scheduled time of the last round whose fan-out completed, per testpoint (unix seconds).',
      labelNames: ['testpoint'] as const,
      registers,
    }),
    deliveries: new Counter({
      name: 'psq_archive_deliveries_total',
      help: 'Archive delivery attempts by archiver and outcome (delivered, retry: will be tried again, rejected: failed for good).',
      labelNames: ['archiver', 'outcome'] as const,
      registers,
    }),
    deliveryLag: new Histogram({
      name: 'psq_archive_delivery_lag_seconds',
      help: 'Time from the measurement (body.ts) to the archiver accepting it, seconds.',
      labelNames: ['archiver'] as const,
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400, 604800],
      registers,
    }),
    undelivered: new Gauge({
      name: 'psq_archive_undelivered_jobs',
      help: 'Archive jobs waiting, delayed or active per archiver (failed ones are in psq_queue_jobs).',
      labelNames: ['archiver'] as const,
      registers,
    }),
    oldestUndeliveredAge: new Gauge({
      name: 'psq_archive_oldest_undelivered_age_seconds',
      help: 'Age of the oldest undelivered result per archiver (now - body.ts of the oldest waiting, delayed or active job); 0 when none.',
      labelNames: ['archiver'] as const,
      registers,
    }),
    consecutiveFailures: new Gauge({
      name: 'psq_archive_consecutive_failures',
      help: 'Failed delivery attempts per archiver since its last successful delivery (since the dashboard started).',
      labelNames: ['archiver'] as const,
      registers,
    }),
    testpointUp: new Gauge({
      name: 'psq_testpoint_up',
      help: 'Whether a measure worker of the testpoint heartbeats (1) or none has for two heartbeat intervals or it stopped (0); read at scrape time.',
      labelNames: ['testpoint'] as const,
      registers,
    }),
    testpointHeartbeatAge: new Gauge({
      name: 'psq_testpoint_heartbeat_age_seconds',
      help: "Seconds since the testpoint's newest heartbeat (Redis clock); no series for a testpoint never seen.",
      labelNames: ['testpoint'] as const,
      registers,
    }),
  };
}

/** The archiver as a label: scheme, host and path only (no user:password, no query). */
export function archiverLabel(url: unknown): string {
  if (typeof url !== 'string') return 'invalid';
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'invalid';
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.slice(0, 200);
  } catch {
    return 'invalid';
  }
}

/** An errno as a label: E followed by capitals (ENOSPC, EROFS…), else "other". */
export function errnoLabel(value: unknown): string {
  return typeof value === 'string' && /^E[A-Z0-9]{1,15}$/.test(value) ? value : 'other';
}

export function categoryLabel(value: unknown): string {
  return typeof value === 'string' && isCategory(value) ? value : 'unknown';
}

/** A label value from untrusted job data: printable, bounded length. */
export function textLabel(value: unknown): string {
  if (typeof value !== 'string' || value === '') return 'unknown';
  return value.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, 128);
}

/**
 * Caps the distinct label sets a metric may grow, so job data written straight into Redis cannot
 * explode the series count. Past the cap new sets are refused (callers skip or use a fallback).
 */
export class LabelBudget {
  private readonly seen = new Set<string>();
  private warned = false;
  constructor(
    private readonly max: number,
    private readonly onExhausted: () => void = () => undefined,
  ) {}

  allow(labels: Readonly<Record<string, string>>): boolean {
    const key = JSON.stringify(labels);
    if (this.seen.has(key)) return true;
    if (this.seen.size >= this.max) {
      if (!this.warned) this.onExhausted();
      this.warned = true;
      return false;
    }
    this.seen.add(key);
    return true;
  }
}

/** Gauges that only move forward: seeding from old jobs must never undo a newer event. */
export class MaxGauge<T extends string> {
  private readonly values = new Map<string, number>();
  constructor(private readonly gauge: Gauge<T>) {}

  set(labels: Readonly<Record<T, string>>, value: number): void {
    if (!Number.isFinite(value)) return;
    const key = JSON.stringify(labels);
    const previous = this.values.get(key);
    if (previous !== undefined && previous >= value) return;
    this.values.set(key, value);
    this.gauge.set(labels as Partial<Record<T, string>>, value);
  }
}

/** Metric names exported by /metrics, from the registry's TYPE lines (histograms expanded). */
export function exportedMetricNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(`${name}${s}`);
  }
  return names;
}
