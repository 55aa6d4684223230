// A measure worker's liveness, written to Redis for `psq status`, the dashboard and /metrics: a
// heartbeat every interval (who it is: testpoint, host, pid, version, backend), and a record of
// each finished measurement's round (testpoint-status-rounds.ts).
//
// Its own fail-fast connection (kind 'control'): a Redis outage makes beats fail at once instead of
// queueing them, costs one log line when it starts and one when it ends, and never touches the
// workers. Beats are stamped with Redis' clock (TIME in the script), so a testpoint whose clock is
// off still reads as up or down correctly wherever the status is computed.
import { hostname } from 'node:os';
import type { Job, RedisOptions, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { withTimeout } from '../async.js';
import type { Logger } from '../logger.js';
import type { MeasureJobData } from '../jobs/measure-job.js';
import { isCategory } from '../plan/categories.js';
import { parseMeasureJobId } from '../plan/job-id.js';
import { connectionFor } from '../queues/connection-kinds.js';
import { isConnectionError } from '../queues/redis-problem.js';
import { testpointKeys, workerMember } from '../operations/testpoint-status-keys.js';
import { addRecord, recordRound, roundOutcome, type RoundRecord } from '../operations/testpoint-status-rounds.js';
import type { WorkerInfo } from '../operations/testpoint-status.js';
import { packageVersion } from './package-version.js';

/** A worker silent for this long is forgotten (its entry removed): the status then no longer lists it. */
export const WORKER_FORGET_MS = 7 * 86_400_000;
/** Workers remembered per testpoint (restarts make new pids); the least recently seen go first. */
export const WORKERS_KEPT = 32;

// KEYS: workers (sorted set), worker info (hash). ARGV: member, info JSON, forget ms, workers kept.
const BEAT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
local forgotten = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
local extra = redis.call('ZCARD', KEYS[1]) - #forgotten - tonumber(ARGV[4])
for _, m in ipairs(forgotten) do redis.call('ZREM', KEYS[1], m); redis.call('HDEL', KEYS[2], m) end
if extra > 0 then
  for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, extra - 1)) do redis.call('ZREM', KEYS[1], m); redis.call('HDEL', KEYS[2], m) end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return now
`;

/** How long finished jobs are summed before their round records are written (psq status lags by as much). */
export const ROUND_RECORD_DELAY_MS = 2000;

export interface LivenessOptions {
  /** Base Redis options (the QueueRegistry's); the heartbeat derives its own connection. */
  readonly connection: RedisOptions;
  readonly prefix: string;
  readonly testpoint: string;
  readonly backend: string;
  readonly intervalMs: number;
  readonly logger: Logger;
  /** The measure workers whose finished jobs are recorded per round. */
  readonly workers: readonly Worker<MeasureJobData>[];
  /** Defaults: this host, this process, package.json's version. */
  readonly host?: string;
  readonly pid?: number;
  readonly version?: string;
}

export interface Liveness {
  /** Final beat (state stopped) and connection closed; bounded, idempotent. Call after the workers closed. */
  close(): Promise<void>;
}

export function startLiveness(opts: LivenessOptions): Liveness {
  const { logger, testpoint } = opts;
  const keys = testpointKeys(opts.prefix, testpoint);
  const host = opts.host ?? hostname();
  const pid = opts.pid ?? process.pid;
  const member = workerMember(host, pid);
  const startedAtMs = Date.now();
  const info = (state: WorkerInfo['state']): string =>
    JSON.stringify({ testpoint, host, pid, version: opts.version ?? packageVersion(), backend: opts.backend, startedAtMs, intervalMs: opts.intervalMs, state } satisfies WorkerInfo);

  const client = new Redis(connectionFor('control', opts.connection) as Record<string, unknown>);
  // One line when Redis goes away and one when it is back, however long the outage lasts.
  let outage = false;
  const reported = new Set<string>();
  const problem = (err: unknown) => {
    if (isConnectionError(err as Error) || client.status !== 'ready') {
      if (!outage) logger.warn({ testpoint, error: (err as Error).message }, 'heartbeat cannot reach Redis; psq status will show this testpoint down until it is back');
      outage = true;
      return;
    }
    // Anything else (a refused command under a Redis ACL, say) once per distinct message.
    const message = (err as Error).message ?? String(err);
    if (reported.size < 20 && !reported.has(message)) {
      reported.add(message);
      logger.error({ testpoint, error: message }, 'heartbeat or round record refused by Redis');
    }
  };
  client.on('error', problem);
  client.on('ready', () => {
    if (outage) logger.info({ testpoint }, 'heartbeat reaches Redis again');
    outage = false;
    // At once, not up to an interval later: the testpoint shows up as soon as Redis can tell.
    tick();
  });

  const beat = (state: WorkerInfo['state']) =>
    client.eval(BEAT_SCRIPT, 2, keys.workers, keys.workerInfo, member, info(state), String(WORKER_FORGET_MS), String(WORKERS_KEPT));
  let inFlight: Promise<unknown> | null = null;
  let closed = false;
  const tick = () => {
    // Not connected (yet, or during an outage): the connection's 'error' has said so once, and
    // 'ready' beats. A beat still waiting on a slow Redis is not doubled up.
    if (closed || client.status !== 'ready' || inFlight !== null) return;
    inFlight = beat('running')
      .catch(problem)
      .finally(() => {
        inFlight = null;
      });
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();

  // Finished jobs are summed per round and outcome and written together a moment later: one script
  // call per round for a burst of quick measurements instead of one Redis round trip per measurement.
  const records = new Set<Promise<void>>();
  const pending = new Map<string, RoundRecord & { readonly count: number }>();
  let flushTimer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (flushTimer !== null) clearTimeout(flushTimer);
    flushTimer = null;
    for (const rec of pending.values()) {
      const p = recordRound(client, opts.prefix, testpoint, rec).catch(problem);
      records.add(p);
      void p.finally(() => records.delete(p));
    }
    pending.clear();
  };
  const record = (job: Job<MeasureJobData> | undefined, finished: Parameters<typeof roundOutcome>[0]) => {
    // A compact job (fan-out.ts) carries no spec: its id names the category.
    const category = job?.data?.spec?.category ?? (job?.id !== undefined ? parseMeasureJobId(job.id, testpoint)?.category : undefined);
    const slotMs = job?.data?.slotMs;
    if (!job || typeof category !== 'string' || !isCategory(category) || typeof slotMs !== 'number' || !Number.isSafeInteger(slotMs) || slotMs < 0) return;
    const rec: RoundRecord = { category, slotMs, outcome: roundOutcome(finished), startMs: job.processedOn ?? null, endMs: job.finishedOn ?? Date.now() };
    const key = `${rec.category} ${rec.slotMs} ${rec.outcome}`;
    pending.set(key, addRecord(pending.get(key), rec));
    flushTimer ??= setTimeout(flush, ROUND_RECORD_DELAY_MS);
  };
  for (const worker of opts.workers) {
    worker.on('completed', (job, returnvalue) => record(job, { state: 'completed', returnvalue }));
    // 'failed' comes for every failed attempt; finishedOn is set only when no retry follows.
    worker.on('failed', (job) => {
      if (job?.finishedOn !== undefined) record(job, { state: 'failed' });
    });
  }

  let closing: Promise<void> | null = null;
  return {
    close() {
      closing ??= (async () => {
        closed = true;
        clearInterval(timer);
        flush();
        const settle = (p: Promise<unknown>, ms: number, what: string) => withTimeout(p, ms, what).catch(() => undefined);
        await settle(Promise.allSettled([inFlight, ...records]), 2000, 'heartbeat in flight');
        // Down at once, not two intervals later: the status tells a stop from a crash.
        // Without Redis there is nothing to say or close gracefully: shutdown must not wait for it.
        if (client.status === 'ready') {
          await settle(beat('stopped'), 2000, 'last heartbeat');
          await settle(client.quit(), 2000, 'heartbeat quit');
        }
        client.disconnect();
      })();
      return closing;
    },
  };
}
