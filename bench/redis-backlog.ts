// Benchmark: Redis memory for a backlog of pending deliveries (archiver down), and how fast the
// backlog drains once it is back. Prints figures; asserts nothing (tests assert behaviour).
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import type { ArchiveJobData } from '../src/jobs/archive-job.js';
import { archiveJobOptions } from '../src/jobs/archive-job.js';
import { createLogger } from '../src/logger.js';
import { archiveJobId, runIdFor } from '../src/plan/job-id.js';
import { archiveQueueName } from '../src/queues/queue-names.js';
import { QueueRegistry } from '../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../src/queues/redis-options.js';
import { startArchiveRole } from '../src/roles/archive-role.js';
import { freePort } from '../test/helpers/ports.js';
import { startArchiverServer } from '../test/helpers/archiver-server.js';
import { testConfig } from '../test/helpers/config.js';
import { privateRedis } from '../test/helpers/private-redis.js';

const N = Number(process.env['BENCH_BACKLOG'] ?? 100_000);
const DRAIN = Number(process.env['BENCH_DRAIN'] ?? 10_000);
const raw = JSON.parse(readFileSync(new URL('../test/fixtures/pscheduler/rtt.json', import.meta.url), 'utf8'));
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;

async function usedMemory(url: string): Promise<number> {
  const c = new Redis(url);
  const info = await c.info('memory');
  c.disconnect();
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

export async function benchRedisBacklog(): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const logger = createLogger({ level: 'silent' });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/ps`;
  const cfg = testConfig({ ARCHIVE_URLS: url, AUTH_TOKEN: 'bench', ARCHIVE_CONCURRENCY: '32' });
  const queues = new QueueRegistry(redisOptionsFromUrl(redis.url), 'bench', logger);
  try {
    const queue = queues.get<ArchiveJobData>(archiveQueueName(url));
    await queue.waitUntilReady();
    const before = await usedMemory(redis.url);
    const t0 = performance.now();
    for (let i = 0; i < N; i += 1000) {
      const batch = Array.from({ length: Math.min(1000, N - i) }, (_, k) => {
        const n = i + k;
        const measureId = `tp__rtt__auto__192.0.2.${n % 250}__forward__${n}`;
        const ts = `${new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString().slice(0, 19)}Z`;
        const data: ArchiveJobData = {
          url, category: 'rtt', testpoint: 'tp', measurementSucceeded: true, resultFile: `/data/rtt/x${n}.json`,
          body: { src: { ip: '198.51.100.1', name: 'tp' }, dst: { ip: `192.0.2.${n % 250}`, name: `dest-${n % 250}` }, direction: 'forward', ts, run_id: runIdFor(measureId), raw },
        };
        return { name: 'rtt', data, opts: { ...archiveJobOptions(cfg), jobId: archiveJobId(measureId, url, ts) } };
      });
      await queue.addBulk(batch);
    }
    const enqueueS = (performance.now() - t0) / 1000;
    const after = await usedMemory(redis.url);
    const counts = await queue.getJobCounts('waiting');
    console.log(`backlog: ${counts.waiting} pending deliveries (rtt result of ${JSON.stringify(raw).length} bytes each)`);
    console.log(`  enqueue: ${enqueueS.toFixed(1)} s (${Math.round(N / enqueueS)} jobs/s)`);
    console.log(`  Redis used_memory: ${mb(before)} → ${mb(after)} (+${mb(after - before)}, ${Math.round((after - before) / N)} bytes per pending delivery)`);

    // Drain part of it into a real loopback archiver.
    const archiver = await startArchiverServer({ token: 'bench', port });
    const role = await startArchiveRole({ config: cfg, queues, logger, shutdownGraceMs: 5000 });
    const t1 = performance.now();
    while (archiver.acceptedPosts() < DRAIN) await new Promise((r) => setTimeout(r, 100));
    const drainS = (performance.now() - t1) / 1000;
    console.log(`  drain: ${DRAIN} deliveries in ${drainS.toFixed(1)} s (${Math.round(DRAIN / drainS)}/s, concurrency 32, one archiver on loopback)`);
    console.log(`  process RSS of this benchmark (workers + archiver stand-in): ${mb(process.memoryUsage().rss)}`);
    await role.close();
    await archiver.close();
  } finally {
    await queues.close();
    await redis.destroy();
  }
}
