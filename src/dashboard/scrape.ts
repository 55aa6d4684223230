// Scrape-time gauges: Redis reachability, job counts per queue and state, archive backlog and freshness.
// Bounded in time: a scrape during a Redis outage answers quickly with psq_redis_up 0 and the
// event-driven metrics, instead of hanging Prometheus.
import type { Redis } from 'ioredis';
import { withTimeout } from '../async.js';
import type { Logger } from '../logger.js';
import type { JobEventRecorder } from './job-events.js';
import { QUEUE_STATES, type DashboardMetrics } from './metrics.js';
import type { ArchiverBacklog, PendingArchiveScanner } from './pending-archive.js';
import { isArchiveQueue } from './queue-discovery.js';
import type { QueueWatch } from './queue-watch.js';

export interface ScrapeDeps {
  readonly control: Redis;
  readonly watch: QueueWatch;
  readonly metrics: DashboardMetrics;
  readonly recorder: JobEventRecorder;
  readonly pending: PendingArchiveScanner;
  /** Configured archivers: always get a series (0 when nothing is pending). */
  readonly archiveUrls: readonly string[];
  readonly logger: Logger;
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** PING with a deadline; the control connection has no offline queue, so a down Redis fails at once. */
export async function pingRedis(control: Redis, timeoutMs: number): Promise<boolean> {
  try {
    return (await withTimeout(control.ping(), timeoutMs, 'redis ping')) === 'PONG';
  } catch {
    return false;
  }
}

export async function refreshScrapeGauges(deps: ScrapeDeps): Promise<void> {
  const { metrics } = deps;
  const up = await pingRedis(deps.control, Math.min(1000, deps.timeoutMs));
  metrics.redisUp.set(up ? 1 : 0);
  for (const url of deps.archiveUrls) deps.recorder.touchArchiver(deps.recorder.archiver(url));
  if (!up) {
    // No numbers rather than stale ones: psq_redis_up 0 says why.
    metrics.queueJobs.reset();
    return;
  }
  try {
    await withTimeout(Promise.all([updateCounts(deps), updateBacklog(deps)]), deps.timeoutMs, 'metrics scrape');
  } catch (err) {
    deps.logger.warn({ err }, 'metrics scrape incomplete; serving what was gathered');
  }
}

async function updateCounts({ watch, metrics }: ScrapeDeps): Promise<void> {
  // Each queue on its own: one failing count must not blank the others.
  await Promise.allSettled(
    watch.queues().map(async (queue) => {
      const counts = await queue.getJobCounts(...QUEUE_STATES);
      for (const state of QUEUE_STATES) metrics.queueJobs.set({ queue: queue.name, state }, counts[state] ?? 0);
    }),
  );
}

async function updateBacklog(deps: ScrapeDeps): Promise<void> {
  const label = (url: string | null) => (url === null ? 'unknown' : deps.recorder.archiver(url));
  const backlog = new Map<string, ArchiverBacklog>();
  for (const queue of deps.watch.queues().filter((q) => isArchiveQueue(q.name))) {
    // Usually one archiver per queue, but merge by label: the legacy shared queue holds them all.
    for (const [archiver, b] of await deps.pending.scan(queue, label)) {
      const into = backlog.get(archiver) ?? { count: 0, oldestTsMs: null };
      into.count += b.count;
      if (b.oldestTsMs !== null && (into.oldestTsMs === null || b.oldestTsMs < into.oldestTsMs)) into.oldestTsMs = b.oldestTsMs;
      backlog.set(archiver, into);
    }
  }
  const now = (deps.now ?? Date.now)();
  // Configured archivers first, at zero, so "nothing pending" is a 0 and not a missing series.
  const archivers = new Set([...deps.archiveUrls.map((u) => deps.recorder.archiver(u)), ...backlog.keys()]);
  // Archivers that had a backlog at an earlier scrape and none now must drop to zero too.
  deps.metrics.undelivered.reset();
  deps.metrics.oldestUndeliveredAge.reset();
  for (const archiver of archivers) {
    const entry = backlog.get(archiver);
    deps.metrics.undelivered.set({ archiver }, entry?.count ?? 0);
    const age = entry?.oldestTsMs == null ? 0 : Math.max(0, (now - entry.oldestTsMs) / 1000);
    deps.metrics.oldestUndeliveredAge.set({ archiver }, age);
  }
}
