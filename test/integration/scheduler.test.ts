// Job Schedulers and tick fan-out on a real Redis: exactly one job per planned measurement per tick,
// with two scheduler instances, after a restart, and with stale schedulers removed on config change.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { plan } from '../../src/plan/plan.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { planHash, schedulerIdFor, syncSchedulers, type RoundSchedule, type TickJobData } from '../../src/schedule/scheduler-sync.js';
import type { Role } from '../../src/roles/role.js';
import { startSchedulerRole } from '../../src/roles/scheduler-role.js';
import { measureJobId, parseMeasureJobId } from '../../src/plan/job-id.js';
import { testConfig } from '../helpers/config.js';
import { testRedisOptions } from '../helpers/redis.js';
import { testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
const cfg = testConfig({ TESTPOINT: 'tp-a', HOSTS: '192.0.2.10@alpha 192.0.2.20@beta', TESTS: 'rtt throughput', MEASURE_RETRY_DELAY_MS: '10' });
const specs = plan(cfg).specs; // 2 hosts × (rtt + throughput fwd/rev) = 6
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let registries: QueueRegistry[];
let roles: Role[];

beforeEach(() => {
  registries = [];
  roles = [];
});
afterEach(async () => {
  for (const r of roles) await r.close();
  for (const q of registries) await q.close();
});

function registry(): QueueRegistry {
  const r = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  registries.push(r);
  return r;
}

/** Every 1 s (BullMQ's 6-field form; the configuration itself only takes 5 fields). */
const everySecond = (over: Partial<RoundSchedule> = {}): RoundSchedule => ({ testpoint: 'tp-a', pattern: '* * * * * *', tz: 'UTC', specs, ...over });

async function startScheduler(schedules: RoundSchedule[]): Promise<Role> {
  const role = await startSchedulerRole({ config: cfg, schedules, queues: registry(), logger });
  roles.push(role);
  return role;
}

async function measureJobsBySlot(q: QueueRegistry) {
  const jobs = [
    ...(await q.get<MeasureJobData>(measureQueueName('tp-a')).getJobs()),
    ...(await q.get<MeasureJobData>(throughputQueueName('tp-a')).getJobs()),
  ];
  const bySlot = new Map<number, string[]>();
  for (const j of jobs) bySlot.set(j.data.slotMs, [...(bySlot.get(j.data.slotMs) ?? []), String(j.id)]);
  return { jobs, bySlot };
}

/**
 * Stops every scheduler first: a tick fans out in chunks of addBulk (fan-out.ts), so a read in the middle
 * of a fan-out would see part of that round (e.g. its throughput jobs, not yet its light ones).
 */
async function settledRounds() {
  for (const r of roles) await r.close();
  return measureJobsBySlot(registry());
}

function expectExactlyOneRoundPerSlot(bySlot: Map<number, string[]>) {
  for (const [slot, ids] of bySlot) {
    expect(ids, `slot ${new Date(slot).toISOString()}`).toHaveLength(specs.length);
    expect(new Set(ids).size).toBe(specs.length);
  }
}

describe('scheduler', () => {
  it('fans out exactly one job per host × category × direction per tick, onto the right queues', async () => {
    expect(specs).toHaveLength(6);
    await startScheduler([everySecond()]);
    await sleep(3500);
    const { jobs, bySlot } = await settledRounds();
    expect(bySlot.size).toBeGreaterThanOrEqual(2);
    expectExactlyOneRoundPerSlot(bySlot);
    const throughput = jobs.filter((j) => j.queueName === throughputQueueName('tp-a'));
    expect(throughput.every((j) => parseMeasureJobId(String(j.id), 'tp-a')?.category === 'throughput')).toBe(true);
    expect(throughput.length).toBe(4 * bySlot.size);
    // The job ids name the plan itself (compact jobs: the data holds only the slot and deadline).
    const oneSlot = [...bySlot.keys()][0]!;
    const planned = jobs.filter((j) => j.data.slotMs === oneSlot);
    expect(planned.map((j) => String(j.id)).sort()).toEqual(specs.map((s) => measureJobId(s, oneSlot)).sort());
    expect(planned.every((j) => j.data.spec === undefined)).toBe(true);
  });

  it('two scheduler instances at once never double a round', async () => {
    await Promise.all([startScheduler([everySecond()]), startScheduler([everySecond()])]);
    await sleep(3500);
    const { bySlot } = await settledRounds();
    expect(await registry().get(SCHEDULE_QUEUE).getJobSchedulersCount()).toBe(1);
    expect(bySlot.size).toBeGreaterThanOrEqual(2);
    expectExactlyOneRoundPerSlot(bySlot);
  });

  it('a restart keeps one scheduler and never doubles a round', async () => {
    const first = await startScheduler([everySecond()]);
    await sleep(1500);
    await first.close();
    await startScheduler([everySecond()]);
    await sleep(2000);
    const { bySlot } = await settledRounds();
    expect(await registry().get(SCHEDULE_QUEUE).getJobSchedulersCount()).toBe(1);
    expect(bySlot.size).toBeGreaterThanOrEqual(2);
    expectExactlyOneRoundPerSlot(bySlot);
  });

  it('the same tick fanned out again adds nothing (deterministic ids)', async () => {
    const q = registry();
    const get = (name: string) => q.get<MeasureJobData>(name);
    const a = await fanOut(specs, 1_764_115_200_000, get, measureJobOptions(cfg));
    const b = await fanOut(specs, 1_764_115_200_000, get, measureJobOptions(cfg));
    expect(b.map((j) => j.jobId)).toEqual(a.map((j) => j.jobId));
    const { jobs } = await measureJobsBySlot(q);
    expect(jobs).toHaveLength(specs.length);
  });

  it('a config change replaces the schedule and removes the stale scheduler, leaving other testpoints alone', async () => {
    const q = registry();
    const queue = q.get<TickJobData>(SCHEDULE_QUEUE);
    const old = { testpoint: 'tp-a', pattern: '0 */2 * * *', tz: 'UTC', specs };
    const other = { testpoint: 'tp-b', pattern: '0 * * * *', tz: 'UTC', specs: [] };
    await syncSchedulers(queue, [old], logger);
    await syncSchedulers(queue, [other], logger);
    const changed = { ...old, pattern: '*/15 * * * *', tz: 'Europe/Amsterdam', specs: specs.slice(0, 2) };
    const result = await syncSchedulers(queue, [changed], logger);
    expect(result.removed).toEqual([schedulerIdFor(old)]);
    const keys = (await queue.getJobSchedulers(0, -1)).map((s) => [s.key, s.pattern, s.tz]).sort();
    expect(keys).toEqual([
      [schedulerIdFor(changed), '*/15 * * * *', 'Europe/Amsterdam'],
      [schedulerIdFor(other), '0 * * * *', 'UTC'],
    ].sort());
    const current = await queue.getJobScheduler(schedulerIdFor(changed));
    // The template carries a reference to the plan (its hash), not the plan itself.
    expect(current?.template?.data as TickJobData).toEqual({ testpoint: 'tp-a', schedule: schedulerIdFor(changed), planHash: planHash(changed.specs) });
  });
});
