// A round larger than one addBulk chunk (fan-out.ts adds FAN_OUT_CHUNK jobs at a time, a few chunks
// in flight): every planned measurement still gets exactly one job with its deterministic id, a
// re-run adds nothing, and a fan-out that fails part-way is completed by the tick's retry.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { createLogger } from '../../src/logger.js';
import { measureJobId } from '../../src/plan/job-id.js';
import { plan } from '../../src/plan/plan.js';
import { measureQueueName, throughputQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { FAN_OUT_CHUNK, FAN_OUT_IN_FLIGHT, fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { testConfig } from '../helpers/config.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
// 200 destinations × (5 light categories + throughput both ways) = 1,400 jobs: several chunks per queue.
const hosts = Array.from({ length: 200 }, (_, i) => `198.18.0.${i + 1}@dest-${i}`).join(' ');
const cfg = testConfig({ TESTPOINT: 'tp-c', HOSTS: hosts, REVERSE: 'true', TOOL_MODE: 'auto' });
const specs = plan(cfg).specs;
const SLOT = 1_764_115_200_000;

let queues: QueueRegistry;
afterEach(async () => {
  await queues.close();
});

async function storedIds(): Promise<string[]> {
  const all = [...(await queues.get(measureQueueName('tp-c')).getJobs(['waiting'])), ...(await queues.get(throughputQueueName('tp-c')).getJobs(['waiting']))];
  return all.map((j) => String(j.id));
}

describe('fan-out in chunks', () => {
  it('adds one job per spec, with its deterministic id, and a re-run adds nothing', async () => {
    expect(specs.length).toBeGreaterThan(FAN_OUT_CHUNK * FAN_OUT_IN_FLIGHT);
    queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
    const get = (name: string) => queues.get<MeasureJobData>(name);
    const first = await fanOut(specs, SLOT, get, measureJobOptions(cfg), { notAfterMs: SLOT + 3_600_000 });
    // Every spec once, grouped by queue in plan order.
    const expected = [...specs.filter((s) => s.category !== 'throughput'), ...specs.filter((s) => s.category === 'throughput')];
    expect(first.map((j) => j.jobId)).toEqual(expected.map((s) => measureJobId(s, SLOT)));
    expect(first.map((j) => j.spec)).toEqual(expected);
    const ids = await storedIds();
    expect(ids).toHaveLength(specs.length);
    expect(new Set(ids)).toEqual(new Set(first.map((j) => j.jobId)));
    // Compact jobs: the id names the spec; the data holds the slot and deadline, the stored opts no id.
    const one = await queues.get<MeasureJobData>(throughputQueueName('tp-c')).getJob(first.at(-1)!.jobId);
    expect(one?.data).toEqual({ slotMs: SLOT, notAfterMs: SLOT + 3_600_000 });
    expect(one?.opts).toEqual({ attempts: cfg.measureAttempts, backoff: { type: 'psq' } });
    // So every field of the job's hash is ≤ 64 bytes, and Redis keeps it as a listpack (a third of a hashtable).
    const client = new Redis(TEST_REDIS_URL);
    try {
      expect(await client.call('OBJECT', 'ENCODING', `${testPrefix()}:${throughputQueueName('tp-c')}:${one!.id}`)).toBe('listpack');
    } finally {
      client.disconnect();
    }

    const again = await fanOut(specs, SLOT, get, measureJobOptions(cfg));
    expect(again.map((j) => j.jobId)).toEqual(first.map((j) => j.jobId));
    expect(await storedIds()).toHaveLength(specs.length);
  });

  it('a chunk that fails fails the fan-out once the chunks in flight settle; the retry adds the rest, nothing twice', async () => {
    queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
    let calls = 0;
    // The third add (a queue asked for per addBulk) fails as if Redis went away mid-round: it gets a
    // queue whose connection is closed. The others reach Redis.
    const gone = new Queue<MeasureJobData>(measureQueueName('tp-c'), { connection: testRedisOptions(), prefix: testPrefix() });
    await gone.close();
    const failing = (name: string): Queue<MeasureJobData> => (++calls === 3 ? gone : queues.get<MeasureJobData>(name));
    await expect(fanOut(specs, SLOT, failing, measureJobOptions(cfg))).rejects.toThrow(/closed/i);
    const partial = await storedIds();
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(specs.length);
    // Stopped at the failure: no chunk started after it but the ones already in flight. A chunk of
    // this plan touches both queues (an addBulk each), so the third call is in the second chunk.
    expect(calls).toBeLessThanOrEqual(2 * (2 + FAN_OUT_IN_FLIGHT - 1));
    expect(calls).toBeLessThan(2 * Math.ceil(specs.length / FAN_OUT_CHUNK));

    await fanOut(specs, SLOT, (name) => queues.get<MeasureJobData>(name), measureJobOptions(cfg));
    const ids = await storedIds();
    expect(ids).toHaveLength(specs.length);
    expect(new Set(ids).size).toBe(specs.length);
  });
});
