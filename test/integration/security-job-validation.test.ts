// Issue 9.5 (measure and tick jobs): every job is validated by the worker that runs it. Forged jobs
// are added straight to the real queues on a real Redis, as anyone with Redis or dashboard access
// could; real measure and scheduler workers take them, with the STAND-IN pscheduler first on PATH.
import { join } from 'node:path';
import type { Job, Queue } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { createPschedulerBackend } from '../../src/measure/pscheduler-backend.js';
import { plan } from '../../src/plan/plan.js';
import type { MeasurementSpec } from '../../src/plan/measurement-spec.js';
import { measureJobId } from '../../src/plan/job-id.js';
import { measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { planHash, schedulerIdFor, type RoundSchedule } from '../../src/schedule/scheduler-sync.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import type { Role } from '../../src/roles/role.js';
import { startSchedulerRole } from '../../src/roles/scheduler-role.js';
import { testConfig } from '../helpers/config.js';
import { testRedisOptions } from '../helpers/redis.js';
import { readStandinLog, standinInThisProcess } from '../helpers/standin.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
const standinLog = standinInThisProcess();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let queues: QueueRegistry;
let roles: Role[];

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  roles = [];
});
afterEach(async () => {
  for (const r of roles) await r.close();
  await queues.close();
});

function config(env: Record<string, string> = {}): Config {
  return testConfig({
    TESTPOINT: 'tp-v',
    HOSTS: '192.0.2.10@alpha',
    TESTS: 'rtt throughput',
    REVERSE: 'false',
    DATA_DIR: join(testDir(), 'data'),
    ARCHIVE_URLS: 'http://127.0.0.1:9/ps',
    MEASURE_RETRY_DELAY_MS: '10',
    ...env,
  });
}

async function startMeasure(cfg: Config): Promise<void> {
  roles.push(await startMeasureRole({ config: cfg, queues, backend: createPschedulerBackend(cfg.pschedulerBin, process.env), logger, shutdownGraceMs: 5000 }));
}

/** Waits (bounded) until the job has failed or completed; returns it re-read. */
async function settled<T>(queue: Queue<T>, id: string): Promise<Job<T>> {
  for (let i = 0; i < 200; i++) {
    const state = await queue.getJobState(id);
    // Read the job after its state settled, so its failedReason and attempts are the final ones.
    if (state === 'failed' || state === 'completed') return (await queue.getJob(id))!;
    await sleep(50);
  }
  throw new Error(`job ${id} did not settle`);
}

const specOf = (cfg: Config, category: string): MeasurementSpec => plan(cfg).specs.find((s) => s.category === category)!;

async function expectRefusedOnce(queue: Queue<unknown>, id: string, reason: RegExp): Promise<string> {
  const job = await settled(queue, id);
  expect(await job.getState()).toBe('failed');
  // Unrecoverable: one try of the three allowed, then failed for good.
  expect(job.attemptsMade).toBe(1);
  expect(job.failedReason).toMatch(reason);
  expect(job.failedReason).not.toMatch(/TypeError|Cannot read prop/);
  expect(job.failedReason.length).toBeLessThan(1100);
  return job.failedReason;
}

describe('measure jobs are validated against the queue they were taken from', () => {
  it('stand-in: a throughput job added to measure-<tp> fails once, unrecoverable, named; pscheduler never runs', async () => {
    const cfg = config();
    await startMeasure(cfg);
    const queue = queues.get<MeasureJobData>(measureQueueName('tp-v'));
    await queue.add('forged', { spec: specOf(cfg, 'throughput'), slotMs: 1 }, { jobId: 'forged-throughput', attempts: 3 });
    const reason = await expectRefusedOnce(queue as Queue<unknown>, 'forged-throughput', /spec\.category "throughput" does not belong on queue measure-tp-v/);
    expect(reason).toContain('throughput-tp-v');
    expect(readStandinLog(standinLog())).toEqual([]);
  });

  it('stand-in: a light (rtt) job added to throughput-<tp> is refused too', async () => {
    const cfg = config();
    await startMeasure(cfg);
    const queue = queues.get<MeasureJobData>(throughputQueueName('tp-v'));
    await queue.add('forged', { spec: specOf(cfg, 'rtt'), slotMs: 1 }, { jobId: 'forged-rtt', attempts: 3 });
    await expectRefusedOnce(queue as Queue<unknown>, 'forged-rtt', /spec\.category "rtt" does not belong on queue throughput-tp-v/);
    expect(readStandinLog(standinLog())).toEqual([]);
  });

  it('stand-in: a well-formed job to a destination or with arguments outside this testpoint\'s plan is refused; nothing runs', async () => {
    const cfg = config();
    await startMeasure(cfg);
    const queue = queues.get<MeasureJobData>(measureQueueName('tp-v'));
    const rtt = specOf(cfg, 'rtt');
    // Passes every HOSTS/args rule, but the configuration never planned it.
    await queue.add('forged', { spec: { ...rtt, dest: { ip: '192.0.2.77', name: 'elsewhere' } }, slotMs: 1 }, { jobId: 'forged-dest', attempts: 3 });
    await expectRefusedOnce(queue as Queue<unknown>, 'forged-dest', /spec\.dest elsewhere \(192\.0\.2\.77\) is not a destination in this testpoint's HOSTS/);
    await queue.add('forged', { spec: { ...rtt, args: ['--count', '500'] }, slotMs: 1 }, { jobId: 'forged-args', attempts: 3 });
    await expectRefusedOnce(queue as Queue<unknown>, 'forged-args', /is not in this testpoint's plan/);
    expect(readStandinLog(standinLog())).toEqual([]);
    // The planned spec itself still runs.
    await queue.add('planned', { spec: rtt, slotMs: 1 }, { jobId: 'planned-rtt', attempts: 1 });
    expect(await (await settled(queue as Queue<unknown>, 'planned-rtt')).getState()).toBe('completed');
    expect(readStandinLog(standinLog())).toHaveLength(1);
  });

  it('stand-in: a compact job (no spec: its id names one) runs only a planned spec, on its own queue, of this testpoint; nothing else runs', async () => {
    const cfg = config();
    await startMeasure(cfg);
    const measure = queues.get<unknown>(measureQueueName('tp-v'));
    const rtt = specOf(cfg, 'rtt');
    const cases: [Queue<unknown>, string, RegExp][] = [
      // Well-formed ids the plan does not have: another destination, another direction.
      [measure, measureJobId({ ...rtt, dest: { ip: '192.0.2.77', name: 'elsewhere' } }, 1), /job id "tp-v__rtt__auto__192\.0\.2\.77__forward__1" names no measurement in this testpoint's plan.*only planned measurements run/],
      [measure, measureJobId({ ...rtt, direction: 'reverse' }, 1), /names no measurement in this testpoint's plan/],
      // Another testpoint's planned measurement, and a planned throughput test on the light queue.
      [measure, measureJobId({ ...rtt, testpoint: 'tp-w' }, 1), /job id "tp-w__rtt__.*" is not a measurement of this testpoint \(tp-v\)/],
      [measure, measureJobId(specOf(cfg, 'throughput'), 1), /names category throughput, which does not belong on queue measure-tp-v/],
      [measure, 'not-a-measurement', /job id "not-a-measurement" is not a measurement of this testpoint/],
    ];
    for (const [queue, id] of cases) await queue.add('forged', { slotMs: 1 }, { jobId: id, attempts: 3 });
    for (const [queue, id, reason] of cases) await expectRefusedOnce(queue, id, reason);
    expect(readStandinLog(standinLog())).toEqual([]);
    // The planned spec its id names runs, with this testpoint's own arguments.
    const id = measureJobId(rtt, 1);
    await measure.add('planned', { slotMs: 1 }, { jobId: id, attempts: 1 });
    expect(await (await settled(measure, id)).getState()).toBe('completed');
    expect(readStandinLog(standinLog())).toHaveLength(1);
  });

  it('stand-in: odd data is refused with a named, clipped reason, never a TypeError, and nothing runs', async () => {
    const cfg = config();
    await startMeasure(cfg);
    const queue = queues.get<unknown>(measureQueueName('tp-v'));
    const rtt = specOf(cfg, 'rtt');
    const cases: [string, unknown, RegExp][] = [
      ['null-data', null, /job data null is not an object/],
      ['array-data', [1, 2], /job data \[1,2\] is not an object/],
      ['array-spec', { spec: [], slotMs: 1 }, /spec \[\] is missing or not an object/],
      ['null-dest', { spec: { ...rtt, dest: null }, slotMs: 1 }, /spec\.dest null must be \{ip, name\} strings/],
      ['array-dest', { spec: { ...rtt, dest: ['192.0.2.10'] }, slotMs: 1 }, /spec\.dest \["192\.0\.2\.10"\] must be/],
      ['number-args', { spec: { ...rtt, args: 7 }, slotMs: 1 }, /spec\.args 7 must be an array of strings/],
      // 50,000 characters in one field: the reason quotes a clipped piece of it.
      ['long-tool', { spec: { ...rtt, tool: 'y'.repeat(50_000) }, slotMs: 1 }, /spec\.tool "y{20,80}…\(50002 chars\)/],
      ['crlf-direction', { spec: { ...rtt, direction: 'forward\r\nX-Evil: 1' }, slotMs: 1 }, /spec\.direction "forward\\r\\nX-Evil: 1" must be forward or reverse/],
    ];
    for (const [id, data] of cases) await queue.add('forged', data, { jobId: id, attempts: 3 });
    for (const [id, , reason] of cases) await expectRefusedOnce(queue, id, reason);
    expect(readStandinLog(standinLog())).toEqual([]);
  });
});

describe('measure and tick job data are bounded in size', () => {
  it('stand-in: a 1 MB measure job is refused at once, with a short reason naming its size; nothing runs', async () => {
    const cfg = config();
    await startMeasure(cfg);
    const queue = queues.get<unknown>(measureQueueName('tp-v'));
    // Valid in every field it is checked for; the megabyte rides in a field nobody reads.
    await queue.add('big', { spec: specOf(cfg, 'rtt'), slotMs: 1, padding: 'x'.repeat(1024 * 1024) }, { jobId: 'one-mb', attempts: 3 });
    await expectRefusedOnce(queue, 'one-mb', /job data is 10\d{5} bytes, over the 65536-byte limit/);
    expect(readStandinLog(standinLog())).toEqual([]);
  });
});

describe('schedule ticks are validated: a tick fans out only its scheduler\'s own plan', () => {
  // Scheduler configurations need no DATA_DIR of their own.
  const cfgA = testConfig({ TESTPOINT: 'tp-a', HOSTS: '192.0.2.10@alpha', TESTS: 'rtt throughput', REVERSE: 'false' });
  const cfgB = testConfig({ TESTPOINT: 'tp-b', HOSTS: '192.0.2.20@beta', TESTS: 'rtt throughput', REVERSE: 'false' });
  /** Yearly: never fires during a test, but the Job Scheduler exists. */
  const yearly = (cfg: Config): RoundSchedule => ({ testpoint: cfg.testpoint, pattern: '0 0 1 1 *', tz: 'UTC', specs: plan(cfg).specs });

  async function measureJobCount(): Promise<number> {
    let n = 0;
    for (const tp of ['tp-a', 'tp-b']) {
      for (const name of [measureQueueName(tp), throughputQueueName(tp)]) {
        const counts = await queues.get(name).getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
        n += Object.values(counts).reduce((a, b) => a + b, 0);
      }
    }
    return n;
  }

  it('a forged tick naming another testpoint or carrying specs adds no job anywhere and fails once with a named reason', async () => {
    const schedule = yearly(cfgA);
    roles.push(await startSchedulerRole({ config: cfgA, schedules: [schedule], queues, logger }));
    const ticks = queues.get<unknown>(SCHEDULE_QUEUE);
    const idA = schedulerIdFor(schedule);
    const specsB = plan(cfgB).specs;
    const cases: [string, unknown, string, RegExp][] = [
      // Yesterday's tick shape: the plan inside, for a testpoint this scheduler does not own.
      ['old-shape-other-testpoint', { testpoint: 'tp-b', specs: specsB }, 'forged-1', /tick field "specs" is not allowed/],
      // A well-formed reference to tp-a's real schedule, with tp-b's specs smuggled in beside it.
      ['extra-specs', { testpoint: 'tp-a', schedule: idA, planHash: planHash(schedule.specs), specs: specsB }, `repeat:${idA}:1700000000000`, /tick field "specs" is not allowed/],
      // A reference to a schedule of tp-b that no scheduler has.
      ['other-testpoint-reference', { testpoint: 'tp-b', schedule: 'round__tp-b__0123456789', planHash: '0123456789abcdef' }, 'repeat:round__tp-b__0123456789:1700000000000', /schedule "round__tp-b__0123456789" did not make this job/],
      // Claims tp-a but names a tp-b schedule.
      ['mismatched', { testpoint: 'tp-a', schedule: 'round__tp-b__0123456789', planHash: '0123456789abcdef' }, 'forged-4', /schedule "round__tp-b__0123456789" is not a schedule of testpoint "tp-a"/],
      ['null', null, 'forged-5', /tick data null is not an object/],
      ['big', { testpoint: 'tp-a', schedule: idA, planHash: planHash(schedule.specs), pad: 'x'.repeat(100_000) }, 'forged-6', /job data is 100\d{3} bytes, over the 65536-byte limit/],
    ];
    for (const [, data, id] of cases) await ticks.add('round', data, { jobId: id, attempts: 3 });
    for (const [name, , id, reason] of cases) {
      const job = await settled(ticks, id);
      expect(await job.getState(), name).toBe('failed');
      expect(job.attemptsMade, name).toBe(1);
      expect(job.failedReason, name).toMatch(reason);
      expect(job.failedReason.length, name).toBeLessThan(1100);
    }
    expect(await measureJobCount()).toBe(0);
  });

  it('schedulers of two testpoints sharing the schedule queue each fan out only their own rounds (ticks handed to their owner)', async () => {
    const everySecond = (cfg: Config): RoundSchedule => ({ testpoint: cfg.testpoint, pattern: '* * * * * *', tz: 'UTC', specs: plan(cfg).specs });
    const otherQueues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
    try {
      roles.push(await startSchedulerRole({ config: cfgA, schedules: [everySecond(cfgA)], queues, logger }));
      roles.push(await startSchedulerRole({ config: cfgB, schedules: [everySecond(cfgB)], queues: otherQueues, logger }));
      await sleep(3500);
      for (const r of roles.splice(0)) await r.close();
    } finally {
      await otherQueues.close();
    }
    const ticks = queues.get(SCHEDULE_QUEUE);
    expect(await ticks.getFailedCount()).toBe(0);
    for (const cfg of [cfgA, cfgB]) {
      const jobs = [
        ...(await queues.get<MeasureJobData>(measureQueueName(cfg.testpoint)).getJobs()),
        ...(await queues.get<MeasureJobData>(throughputQueueName(cfg.testpoint)).getJobs()),
      ];
      // Compact jobs: each id names a spec of this testpoint's own plan (measureJobId), one per spec.
      const bySlot = new Map<number, string[]>();
      for (const j of jobs) bySlot.set(j.data.slotMs, [...(bySlot.get(j.data.slotMs) ?? []), String(j.id)]);
      expect(bySlot.size, cfg.testpoint).toBeGreaterThanOrEqual(2);
      for (const [slotMs, ids] of bySlot) expect(ids.sort()).toEqual(plan(cfg).specs.map((s) => measureJobId(s, slotMs)).sort());
    }
  });
});
