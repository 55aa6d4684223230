// /healthz counts each queue's workers from one CLIENT LIST (health.ts workersPerQueue), not one
// per queue: the counts must be BullMQ's own (Queue.getWorkersCount), named and unnamed workers
// alike, and the dashboard's queues share one producer connection however many it watches.
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { workersPerQueue } from '../../src/dashboard/health.js';
import { connectionFor } from '../../src/queues/connection-kinds.js';
import { startDashboard } from '../helpers/dashboard-harness.js';
import { eventually } from '../helpers/eventually.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { onCleanup } from '../helpers/test-context.js';

describe('dashboard worker counts and connections', () => {
  it('counts workers per queue as BullMQ does, from one client list', async () => {
    const d = await startDashboard();
    const names = ['measure-tp-w1', 'measure-tp-w2', 'throughput-tp-w1'];
    const noop = async () => undefined;
    const workers = [
      new Worker(names[0]!, noop, { connection: connectionFor('worker', testRedisOptions()), prefix: d.prefix }),
      new Worker(names[0]!, noop, { connection: connectionFor('worker', testRedisOptions()), prefix: d.prefix, name: 'named' }),
      new Worker(names[2]!, noop, { connection: connectionFor('worker', testRedisOptions()), prefix: d.prefix, name: 'tp-w1:x' }),
    ];
    for (const w of workers) {
      w.on('error', () => undefined);
      onCleanup(() => w.close());
      await w.waitUntilReady();
    }
    const queues = names.map((n) => d.queues.get(n));
    const control = new Redis(TEST_REDIS_URL);
    onCleanup(() => control.disconnect());
    const ours = await workersPerQueue(control, queues);
    const bullmq = await Promise.all(queues.map((q) => q.getWorkersCount()));
    expect(ours).toEqual(bullmq);
    expect(ours).toEqual([2, 0, 1]);

  });

  it('watches many queues over one producer connection, with their counts on /healthz', async () => {
    const d = await startDashboard();
    const names = Array.from({ length: 30 }, (_, i) => `measure-tp-${i}`);
    for (const n of names) await d.queues.get(n).add('x', {});
    const control = new Redis(TEST_REDIS_URL);
    onCleanup(() => control.disconnect());
    const clients = async () => (String(await control.client('LIST')).match(/ name=/g) ?? []).length;
    const before = await clients();
    let last = '';
    await eventually(async () => {
      // Without credentials configured /healthz gives totals: schedule and the 30 queues, a job each.
      const body = (await (await d.get('/healthz', {})).json()) as { queues: number; waiting: number };
      last = JSON.stringify(body).slice(0, 600);
      return body.queues === names.length + 1 && body.waiting === names.length;
    }, { timeoutMs: 10_000, what: () => `the dashboard to find 30 queues, one job each (last ${last})` });
    // One QueueEvents connection per queue, and one connection for all their Queue objects.
    expect((await clients()) - before).toBeLessThanOrEqual(names.length + 2);
  });
});
