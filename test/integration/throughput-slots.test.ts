// Exclusive throughput across a fleet: three testpoints, each its own `psq start measure` process
// (the real CLI, compiled), against one Redis. Stand-in pscheduler (slow mode) records when each
// "test" held the path. Throughput never overlaps per testpoint nor per destination, light tests
// do overlap, waiting for a slot uses no attempt, a dead holder's slot frees itself, and a round
// that is over is dropped instead of run late.
import { join } from 'node:path';
import { Job } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import type { MeasureOutcome } from '../../src/measure/measure-processor.js';
import { LEASE_TTL_MS } from '../../src/measure/throughput-leases.js';
import { plan } from '../../src/plan/plan.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { fanOut, measureJobOptions, type FannedOutJob } from '../../src/schedule/fan-out.js';
import { testConfig } from '../helpers/config.js';
import { eventually } from '../helpers/eventually.js';
import { killedAfterTest } from '../helpers/procs.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';
import { pathWithStandin } from '../helpers/standin.js';
import { overlappingSpans, readStandinSpans } from '../helpers/standin-spans.js';

const logger = createLogger({ level: 'silent' });
const HOSTS = '127.0.0.2@dest-a 127.0.0.3@dest-b';
let dir: string;
let prefix: string;
let queues: QueueRegistry;

// Each test's prefix and directory come from the test hook (test/helpers/test-context.ts).
beforeEach(() => {
  dir = testDir();
  prefix = testPrefix();
  queues = new QueueRegistry(testRedisOptions(), prefix, logger);
  onCleanup(() => queues.close());
});

function envFor(testpoint: string, mode: string) {
  return {
    PATH: pathWithStandin(),
    BACKEND: 'pscheduler',
    HOSTS,
    TESTS: 'throughput rtt',
    REVERSE: 'false',
    THROUGHPUT_ARGS: '-t 1',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    TESTPOINT: testpoint,
    DATA_DIR: join(dir, testpoint),
    MEASURE_CONCURRENCY: '4',
    STALLED_INTERVAL_MS: '2000',
    LOG_FORMAT: 'json',
    PSQ_STANDIN_MODE: mode,
    PSQ_STANDIN_SPANS: spansFile(testpoint),
  };
}

const spansFile = (testpoint: string) => join(dir, `${testpoint}.spans`);
const spansOf = (testpoint: string) => readStandinSpans(spansFile(testpoint));

/** `psq start measure` for one testpoint; resolves once its workers are up (wrapped: the process is a thenable). */
async function startTestpoint(testpoint: string, mode: string): Promise<{ readonly proc: ResultPromise }> {
  const proc = execa(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: envFor(testpoint, mode), extendEnv: false, reject: false, all: true });
  killedAfterTest(proc);
  let out = '';
  proc.all?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  await eventually(() => {
    if (proc.exitCode !== null) throw new Error(`${testpoint} exited:\n${out}`);
    return out.includes('measure role started');
  }, { timeoutMs: 20_000, intervalMs: 100, what: () => `${testpoint} to start:\n${out}` });
  return { proc };
}

function enqueueRound(testpoint: string, slotMs: number, timing: { notAfterMs?: number } = {}): Promise<FannedOutJob[]> {
  const cfg = testConfig(envFor(testpoint, 'ok'));
  return fanOut(plan(cfg).specs, slotMs, (name) => queues.get<MeasureJobData>(name), measureJobOptions(cfg), timing);
}

async function settled(jobs: readonly FannedOutJob[], timeoutMs: number): Promise<Job[]> {
  let states: string[] = [];
  await eventually(
    async () => {
      states = await Promise.all(jobs.map((j) => queues.get(j.queueName).getJobState(j.jobId)));
      return states.every((s) => s === 'completed' || s === 'failed');
    },
    { timeoutMs, intervalMs: 200, what: () => `jobs to settle: ${states.join(', ')}` },
  );
  return Promise.all(jobs.map(async (j) => (await Job.fromId(queues.get(j.queueName), j.jobId))!));
}


describe('exclusive throughput across testpoints (stand-in pscheduler, real psq processes and Redis)', () => {
  it('never overlaps throughput per testpoint or per destination, lets light tests overlap, and waiting uses no attempt', async () => {
    const tps = ['tp-a', 'tp-b', 'tp-c'];
    for (const tp of tps) await startTestpoint(tp, 'slow:800');
    const slotMs = Date.now();
    const jobs = (await Promise.all(tps.map((tp) => enqueueRound(tp, slotMs)))).flat();
    const done = await settled(jobs, 90_000);

    expect(done.map((j) => j.finishedOn !== undefined && j.failedReason === undefined)).toEqual(done.map(() => true));
    // Every measurement ran at its first attempt: the waits for a slot were not attempts.
    expect(done.map((j) => j.attemptsMade)).toEqual(done.map(() => 1));

    const all = tps.flatMap((tp) => spansOf(tp).map((s) => ({ ...s, tp })));
    const throughput = all.filter((s) => s.test === 'throughput');
    expect(throughput).toHaveLength(tps.length * 2);
    for (const tp of tps) expect(overlappingSpans(throughput.filter((s) => s.tp === tp)), `throughput overlapped on ${tp}`).toEqual([]);
    for (const dest of ['127.0.0.2', '127.0.0.3']) expect(overlappingSpans(throughput.filter((s) => s.dest === dest)), `throughput overlapped at ${dest}`).toEqual([]);
    // The slots serialise only what must be: the two destinations were measured at the same time by
    // different testpoints, and each testpoint's rtt tests ran side by side.
    expect(overlappingSpans(throughput).length).toBeGreaterThan(0);
    for (const tp of tps) expect(overlappingSpans(all.filter((s) => s.tp === tp && s.test === 'rtt')).length, `rtt on ${tp} did not run in parallel`).toBeGreaterThan(0);
  }, 150_000);

  it('frees the slots of a testpoint whose worker was killed within the lease time; another testpoint then measures that destination', async () => {
    const { proc: victim } = await startTestpoint('tp-dead', 'slow:60000');
    const victimJobs = (await enqueueRound('tp-dead', Date.now())).filter((j) => j.spec.category === 'throughput' && j.spec.dest.name === 'dest-a');
    // Wait until the victim's throughput test to dest-a holds the destination.
    const destKey = `${prefix}:lease:dest:127.0.0.2`;
    expect(victimJobs).toHaveLength(1);
    const redis = new Redis(TEST_REDIS_URL);
    onTestFinished(() => redis.disconnect());
    await eventually(async () => (await redis.get(destKey)) !== null, { timeoutMs: 20_000, intervalMs: 100, what: 'the victim to take the destination lease' });
    expect(await redis.get(destKey)).toMatch(/^tp-dead /);
    const leaseLeftMs = await redis.pttl(destKey);
    victim.kill('SIGKILL');
    const killedAt = Date.now();

    await startTestpoint('tp-live', 'slow:300');
    const liveJobs = (await enqueueRound('tp-live', Date.now())).filter((j) => j.spec.category === 'throughput');
    const done = await settled(liveJobs, 60_000);
    expect(done.map((j) => j.returnvalue !== null && j.failedReason === undefined)).toEqual([true, true]);
    const toA = spansOf('tp-live').find((s) => s.test === 'throughput' && s.dest === '127.0.0.2');
    expect(toA).toBeDefined();
    // Not before the dead holder's lease ran out (no barging in), and not long after (lease time + one wait + start-up).
    expect(toA!.start).toBeGreaterThanOrEqual(killedAt + leaseLeftMs - 1000);
    expect(toA!.start - killedAt).toBeLessThan(LEASE_TTL_MS + 15_000);
  }, 120_000);

  it('a testpoint that comes back drops the rounds that are over and runs the current one', async () => {
    const now = Date.now();
    // While tp-late was down: a round from ten minutes ago whose next round began a minute ago, and
    // the current round, due until five minutes from now.
    const old = await enqueueRound('tp-late', now - 600_000, { notAfterMs: now - 60_000 });
    const current = await enqueueRound('tp-late', now - 60_000, { notAfterMs: now + 300_000 });
    await startTestpoint('tp-late', 'slow:100');
    for (const job of await settled(old, 30_000)) {
      const rv = job.returnvalue as MeasureOutcome;
      expect(rv.dropped).toBe(true);
      expect(rv.skipped).toMatch(/^dropped: not started before the next round/);
    }
    for (const job of await settled(current, 30_000)) {
      const rv = job.returnvalue as MeasureOutcome;
      expect(rv.dropped).toBeUndefined();
      expect(rv.succeeded).toBe(true);
    }
    // Only the current round reached the tool: one throughput and one rtt run per destination.
    expect(spansOf('tp-late')).toHaveLength(current.length);
  }, 60_000);
});
