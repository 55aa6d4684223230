// A Redis outage longer than the job lock during a round (stand-in pscheduler, private redis-server
// with AOF, real archiver stand-in, measure and archive roles in-process): every planned measurement
// runs once, is delivered once (one archiver record = one (run_id, ts)), none is reported failed, and
// the workers take new jobs afterwards.
//
// Scaled down: STALLED_INTERVAL_MS (lock duration and stalled check) is 1 s and the outages 2.5–4 s.
// What matters is that the outage outlives the lock (as a 60 s outage outlives the default 30 s
// lock); the mechanisms do not depend on the absolute times. A real 60 s outage against the default
// lock, with `psq start measure archive` as a process, was run by hand with the same outcome.
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { createPschedulerBackend } from '../../src/measure/pscheduler-backend.js';
import { plan } from '../../src/plan/plan.js';
import { archiveQueueName, measureQueueName, throughputQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../../src/queues/redis-options.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import type { Role } from '../../src/roles/role.js';
import { runOnce } from '../../src/operations/run-once.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { privateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { pathWithStandin, readStandinLog } from '../helpers/standin.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup, testDir } from '../helpers/test-context.js';

const logger = createLogger({ level: process.env['PSQ_TEST_LOG'] ?? 'silent' });
const savedEnv = { ...process.env };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(() => {
  process.env['PATH'] = pathWithStandin();
});
afterAll(() => {
  process.env = savedEnv;
});

async function redisPid(url: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true });
  try {
    await client.connect();
    const info = await client.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no process_id in INFO server: ${info}`);
    return pid;
  } finally {
    client.disconnect();
  }
}

interface Setup {
  readonly redis: PrivateRedis;
  readonly archiver: ArchiverServer;
  readonly cfg: Config;
  readonly queues: QueueRegistry;
  readonly standinLog: string;
}

async function setUp(measureMs: number, concurrency: number): Promise<Setup> {
  const standinLog = join(testDir(), 'standin.log');
  process.env['PSQ_STANDIN_LOG'] = standinLog;
  process.env['PSQ_STANDIN_MODE'] = `slow:${measureMs}`;
  const redis = await privateRedis({ appendfsync: 'always' });
  onCleanup(() => redis.destroy());
  const archiver = await startArchiverServer({ token: 'outage-token' });
  onCleanup(() => archiver.close());
  const cfg = testConfig({
    TESTPOINT: 'tp-outage',
    HOSTS: '127.0.0.2@alpha 127.0.0.3@beta',
    TESTS: 'rtt latency',
    BACKEND: 'pscheduler',
    DATA_DIR: join(testDir(), 'data'),
    ARCHIVE_URLS: archiver.url,
    AUTH_TOKEN: 'outage-token',
    ARCHIVE_BACKOFF_MS: '200',
    ARCHIVE_BACKOFF_MAX_MS: '1000',
    MEASURE_RETRY_DELAY_MS: '200',
    MEASURE_CONCURRENCY: String(concurrency),
    STALLED_INTERVAL_MS: '1000',
  });
  const queues = new QueueRegistry(redisOptionsFromUrl(redis.url), 'psq-outage', logger);
  onCleanup(() => queues.close());
  const measure: Role = await startMeasureRole({ config: cfg, queues, backend: createPschedulerBackend(cfg.pschedulerBin, process.env), logger, shutdownGraceMs: 2000 });
  onCleanup(() => measure.close());
  const archive: Role = await startArchiveRole({ config: cfg, queues, logger, shutdownGraceMs: 2000 });
  onCleanup(() => archive.close());
  return { redis, archiver, cfg, queues, standinLog };
}

/** Distinct (run_id, ts) records per category at the archiver. */
function recordsByCategory(archiver: ArchiverServer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of archiver.records.keys()) {
    const category = key.split('|')[1]!;
    out[category] = (out[category] ?? 0) + 1;
  }
  return out;
}

async function failedMeasureJobs(s: Setup): Promise<string[]> {
  const out: string[] = [];
  for (const name of [measureQueueName(s.cfg.testpoint), throughputQueueName(s.cfg.testpoint)]) {
    for (const job of await s.queues.get(name).getFailed()) out.push(`${job.id}: ${job.failedReason}`);
  }
  return out;
}

describe('Redis outage longer than the job lock during a round (stand-in pscheduler)', () => {
  it.each([
    // Free worker slots: the jobs are handed out again while their first runs still measure.
    { how: 'frozen (SIGSTOP)', times: 1, measureMs: 6000, outageMs: 3000, concurrency: 8, when: 'measurements outlast the outage' },
    // The first runs end while Redis is away; the re-runs come after them.
    { how: 'killed and restarted', times: 1, measureMs: 2500, outageMs: 4000, concurrency: 4, when: 'measurements end during the outage' },
    // Two outages in one measurement: every job stalls twice (BullMQ's default limit is one stall).
    { how: 'frozen (SIGSTOP)', times: 2, measureMs: 9000, outageMs: 2500, concurrency: 8, when: 'twice within one measurement' },
  ] as const)(
    'redis $how $times× for $outageMs ms (lock 1000 ms), $when: each measured once, delivered once, none failed; workers go on',
    async ({ how, times, measureMs, outageMs, concurrency }) => {
      const s = await setUp(measureMs, concurrency);
      const planned = plan(s.cfg).specs;
      expect(planned).toHaveLength(4);

      const round = runOnce({ config: s.cfg, queues: s.queues, logger, specs: planned, archiveWaitMs: 30_000, pollMs: 100 });
      // Every measurement is running (the stand-in was started for each) before Redis goes away.
      await eventually(() => readStandinLog(s.standinLog).length >= 4, { timeoutMs: 15_000, what: 'all 4 measurements to start' });
      for (let i = 0; i < times; i++) {
        if (i > 0) await sleep(1500); // Redis back long enough for the stalled check to hand the jobs out again
        const pid = await redisPid(s.redis.url);
        if (how === 'frozen (SIGSTOP)') {
          process.kill(pid, 'SIGSTOP');
          await sleep(outageMs);
          process.kill(pid, 'SIGCONT');
        } else {
          await s.redis.kill();
          await sleep(outageMs);
          await s.redis.start();
        }
      }
      const summary = await round;

      expect.soft(summary.measurements.filter((m) => m.state !== 'succeeded').map((m) => `${m.label}: ${m.state} ${m.reason}`)).toEqual([]);
      expect.soft(await failedMeasureJobs(s)).toEqual([]);
      // The stand-in ran each planned measurement exactly once.
      expect.soft(readStandinLog(s.standinLog)).toHaveLength(4);
      // One archiver record per planned measurement: the same run_id and the same ts for every delivery.
      await eventually(() => s.archiver.distinctRecords() >= 4, { timeoutMs: 20_000, what: '4 records at the archiver' });
      await sleep(3000); // a late second delivery under another ts would show up here
      expect.soft(recordsByCategory(s.archiver)).toEqual({ rtt: 2, latency: 2 });
      expect.soft(summary.deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
      const archiveFailed = await s.queues.get<ArchiveJobData>(archiveQueueName(s.cfg.archiveUrls[0]!)).getFailed();
      expect(archiveFailed.map((j) => `${j.id}: ${j.failedReason}`)).toEqual([]);

      // The workers reconnected: a new round (next slot) is measured and delivered.
      process.env['PSQ_STANDIN_MODE'] = 'ok';
      const next = await runOnce({ config: s.cfg, queues: s.queues, logger, specs: planned, archiveWaitMs: 20_000, pollMs: 100, now: () => Date.now() + 60_000 });
      expect(next.measurements.map((m) => m.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
      expect(next.deliveries.filter((d) => d.state === 'delivered')).toHaveLength(4);
      expect(s.archiver.distinctRecords()).toBe(8);
    },
  );

  it('redis frozen (SIGSTOP) for 3000 ms (lock 1000 ms) while deliveries are in flight: one record each, no delivery reported failed', async () => {
    const s = await setUp(200, 4);
    const planned = plan(s.cfg).specs;
    // Each answer trickles in over about 4 s, so every delivery is still in flight when Redis goes away.
    s.archiver.setDefaultMode({ slowBody: true, chunkDelayMs: 30 });
    const round = runOnce({ config: s.cfg, queues: s.queues, logger, specs: planned, archiveWaitMs: 30_000, pollMs: 100 });
    await eventually(() => s.archiver.requests.length >= 4, { timeoutMs: 15_000, what: '4 deliveries to reach the archiver' });
    const pid = await redisPid(s.redis.url);
    process.kill(pid, 'SIGSTOP');
    await sleep(3000);
    s.archiver.setDefaultMode('normal');
    process.kill(pid, 'SIGCONT');
    const summary = await round;

    expect.soft(summary.measurements.map((m) => m.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    expect.soft(summary.deliveries.filter((d) => d.state !== 'delivered')).toEqual([]);
    const archiveFailed = await s.queues.get<ArchiveJobData>(archiveQueueName(s.cfg.archiveUrls[0]!)).getFailed();
    expect.soft(archiveFailed.map((j) => `${j.id}: ${j.failedReason}`)).toEqual([]);
    await sleep(2000); // a re-run of a delivery whose lock was lost would arrive by now
    // A delivery may arrive twice (its first run lost the lock), but always as the same record.
    expect(recordsByCategory(s.archiver)).toEqual({ rtt: 2, latency: 2 });
    const keys = new Set(s.archiver.requests.map((r) => String(r.headers['idempotency-key'])));
    expect(keys.size).toBe(4);
  });
});
