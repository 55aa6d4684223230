// What the drain scenarios share: a backlog of real rtt deliveries (job data as the measure worker
// builds it) on a private Redis, the loopback archiver in a process of its own (so its CPU is not
// counted as the sender's), the archive role draining it with default settings, and the two
// ceilings measured in the same run: a no-op BullMQ worker draining the same jobs, and a bare
// undici POST loop sending the same body to the same archiver.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Agent, request } from 'undici';
import { pickArchiveBody } from '../src/archive/archive-job-schema.js';
import type { Config } from '../src/config/config.js';
import { type ArchiveJobData, archiveJobOptions } from '../src/jobs/archive-job.js';
import { createLogger, type Logger } from '../src/logger.js';
import { archiveJobId, runIdFor } from '../src/plan/job-id.js';
import { connectionFor } from '../src/queues/connection-kinds.js';
import { archiveQueueName } from '../src/queues/queue-names.js';
import { QueueRegistry } from '../src/queues/queue-registry.js';
import { redisOptionsFromUrl, stallOptions } from '../src/queues/redis-options.js';
import { startArchiveRole } from '../src/roles/archive-role.js';
import { freePort } from '../test/helpers/ports.js';
import { testConfig } from '../test/helpers/config.js';
import { type PrivateRedis, privateRedis } from '../test/helpers/private-redis.js';
import { cpuMsOf, ownCpuMs, redisUsedMemory, sleep } from './probes.js';

const TOKEN = 'bench-token';
const ARCHIVER_PROCESS = fileURLToPath(new URL('../test/helpers/archiver-process.ts', import.meta.url));
const RAW = JSON.parse(readFileSync(new URL('../test/fixtures/pscheduler/rtt.json', import.meta.url), 'utf8')) as unknown;
/** The rtt result each delivery carries, serialized. */
export const RAW_BYTES = JSON.stringify(RAW).length;

export interface Archiver {
  readonly url: string;
  readonly pid: number;
  /** SIGTERM; what it counted. */
  stop(): Promise<{ accepted: number; received: number }>;
}

/** test/helpers/archiver-process.ts in lean mode (counts only), answering after `latencyMs`. */
export async function startArchiverProcess(latencyMs = 0): Promise<Archiver> {
  const port = await freePort();
  const out = `/tmp/psq-bench-archiver-${process.pid}-${port}.json`;
  const child: ResultPromise = execa(
    process.execPath,
    ['--import', 'tsx', ARCHIVER_PROCESS, String(port), TOKEN, out, '--lean', '--latency-ms', String(latencyMs)],
    { reject: false, stdin: 'ignore', stderr: 'inherit' },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('archiver process did not start in 15 s')), 15_000);
    child.stdout!.on('data', (b: Buffer) => {
      const m = /listening (\S+)/.exec(b.toString());
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return {
    url,
    pid: child.pid!,
    async stop() {
      child.kill('SIGTERM');
      await child;
      const counts = JSON.parse(readFileSync(out, 'utf8')) as { accepted: number; received: number };
      rmSync(out, { force: true });
      return counts;
    },
  };
}

/** Archive job data for delivery `n` of an rtt measurement, as the measure worker builds it. */
export function deliveryData(url: string, n: number, tag: string): { data: ArchiveJobData; measureId: string } {
  const measureId = `tp__rtt__auto__192.0.2.${n % 250}__forward__${tag}${n}`;
  const ts = `${new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString().slice(0, 19)}Z`;
  const data: ArchiveJobData = {
    url,
    category: 'rtt',
    testpoint: 'tp',
    measurementSucceeded: true,
    resultFile: `/data/rtt/2026-01-01/${measureId}.json`,
    body: { src: { ip: '198.51.100.1', name: 'tp' }, dst: { ip: `192.0.2.${n % 250}`, name: `dest-${n % 250}` }, direction: 'forward', ts, run_id: runIdFor(measureId), raw: RAW },
  };
  return { data, measureId };
}

export interface DrainBench {
  readonly redis: PrivateRedis;
  readonly client: Redis;
  readonly queues: QueueRegistry;
  /** The configuration with defaults for everything but the archiver and its token. */
  readonly config: Config;
  readonly archiver: Archiver;
  close(): Promise<{ accepted: number; received: number }>;
}

/** `env`: settings on top of the defaults (for trying other values by hand; the scenarios use none). */
export async function drainBench(latencyMs: number, env: Record<string, string> = {}): Promise<DrainBench> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const client = new Redis(redis.url);
  const archiver = await startArchiverProcess(latencyMs);
  const config = testConfig({ ARCHIVE_URLS: archiver.url, AUTH_TOKEN: TOKEN, REDIS_URL: redis.url, ...env });
  const queues = new QueueRegistry(redisOptionsFromUrl(redis.url), 'bench', createLogger({ level: 'silent' }));
  let closed: Promise<{ accepted: number; received: number }> | null = null;
  return {
    redis,
    client,
    queues,
    config,
    archiver,
    close() {
      closed ??= (async () => {
        try {
          await queues.close();
          client.disconnect();
          return await archiver.stop();
        } finally {
          await redis.destroy();
        }
      })();
      return closed;
    },
  };
}

/** Queues `n` deliveries (addBulk, 1,000 at a time); Redis bytes per pending delivery. */
export async function fillBacklog(b: DrainBench, n: number, tag: string): Promise<{ bytesPerDelivery: number; seconds: number }> {
  const queue = b.queues.get<ArchiveJobData>(archiveQueueName(b.archiver.url));
  await queue.waitUntilReady();
  const before = await redisUsedMemory(b.client);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, n - i) }, (_, k) => {
      const { data, measureId } = deliveryData(b.archiver.url, i + k, tag);
      return { name: `rtt ${data.body.dst.name}`, data, opts: { ...archiveJobOptions(b.config), jobId: archiveJobId(measureId, b.archiver.url, data.body.ts) } };
    });
    await queue.addBulk(batch);
  }
  const seconds = (performance.now() - t0) / 1000;
  const after = await redisUsedMemory(b.client);
  return { bytesPerDelivery: (after - before) / n, seconds };
}

/** Waits until the archive queue has nothing left to run (waiting, active, delayed). */
async function drained(b: DrainBench, limitMs: number): Promise<void> {
  const queue = b.queues.get<ArchiveJobData>(archiveQueueName(b.archiver.url));
  const until = performance.now() + limitMs;
  for (;;) {
    const c = await queue.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    if (Object.values(c).every((x) => x === 0)) return;
    if (performance.now() > until) throw new Error(`drain did not finish in ${limitMs} ms: ${JSON.stringify(c)}`);
    await sleep(10);
  }
}

export interface DrainRun {
  readonly perSecond: number;
  readonly cpuMsPerDelivery: number;
  readonly seconds: number;
}

/**
 * The archive role as `psq archive` runs it (default settings, info logging to a sink that costs
 * what stdout does: pino's synchronous write to a file descriptor), draining `n` queued deliveries.
 * CPU is this process's, from role start to the last delivery; nothing else runs here meanwhile.
 */
export async function drainWithRole(
  b: DrainBench,
  n: number,
  limitMs: number,
  /** Another build of the role, to compare two versions in one run by hand. */
  startRole: typeof startArchiveRole = startArchiveRole,
): Promise<DrainRun & { logLines: number; archiverCpuMs: number; redisCpuMs: number }> {
  let logLines = 0;
  const sink = pino.destination({ dest: '/dev/null', sync: true });
  const counting = {
    write(s: string) {
      logLines += 1;
      return sink.write(s);
    },
  };
  const logger: Logger = createLogger({ level: b.config.logLevel, destination: counting });
  global.gc?.();
  const redisPid = Number(/process_id:(\d+)/.exec(await b.client.info('server'))![1]);
  const others0 = { archiver: cpuMsOf(b.archiver.pid), redis: cpuMsOf(redisPid) };
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  const role = await startRole({ config: b.config, queues: b.queues, logger, shutdownGraceMs: 5000 });
  let seconds: number;
  let cpu: number;
  try {
    await drained(b, limitMs);
  } finally {
    seconds = (performance.now() - t0) / 1000;
    cpu = ownCpuMs() - cpu0;
    await role.close();
  }
  // The other two processes a delivery keeps busy on this machine: they bound the drain rate too.
  const archiverCpuMs = (cpuMsOf(b.archiver.pid) - others0.archiver) / n;
  const redisCpuMs = (cpuMsOf(redisPid) - others0.redis) / n;
  return { perSecond: n / seconds, cpuMsPerDelivery: cpu / n, seconds, logLines, archiverCpuMs, redisCpuMs };
}

/** Ceiling: a BullMQ worker whose processor does nothing, with the role's options, draining `n` jobs. */
export async function drainNoop(b: DrainBench, n: number, limitMs: number): Promise<DrainRun> {
  global.gc?.();
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  const worker = new Worker(archiveQueueName(b.archiver.url), async () => ({ status: 200 }), {
    connection: connectionFor('worker', b.queues.connection),
    prefix: b.queues.prefix,
    concurrency: b.config.archiveConcurrency,
    ...stallOptions(b.config.stalledIntervalMs),
  });
  let seconds: number;
  let cpu: number;
  try {
    await drained(b, limitMs);
  } finally {
    seconds = (performance.now() - t0) / 1000;
    cpu = ownCpuMs() - cpu0;
    await worker.close();
  }
  return { perSecond: n / seconds, cpuMsPerDelivery: cpu / n, seconds };
}

/** Ceiling: `n` POSTs of the same body and headers over one keep-alive undici Agent, `concurrency` at a time. */
export async function undiciLoop(b: DrainBench, n: number): Promise<DrainRun> {
  const { data } = deliveryData(b.archiver.url, 0, 'loop');
  const body = JSON.stringify(pickArchiveBody(data.body));
  const url = `${b.archiver.url}/measurements/rtt?upsert=true`;
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json',
    'idempotency-key': `${data.body.run_id}:rtt:${data.body.ts}`,
    'x-request-id': 'bench',
    authorization: `Bearer ${TOKEN}`,
  };
  const agent = new Agent();
  global.gc?.();
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  const lane = async (): Promise<void> => {
    while (next < n) {
      next += 1;
      const res = await request(url, { dispatcher: agent, method: 'POST', headers, body });
      await res.body.text();
      if (res.statusCode !== 200) failed += 1;
    }
  };
  await Promise.all(Array.from({ length: b.config.archiveConcurrency }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = ownCpuMs() - cpu0;
  await agent.close();
  if (failed > 0) throw new Error(`undici loop: ${failed} of ${n} POSTs were not answered 200`);
  return { perSecond: n / seconds, cpuMsPerDelivery: cpu / n, seconds };
}
