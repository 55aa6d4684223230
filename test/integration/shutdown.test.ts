// Graceful shutdown of a real `psq start measure` process: SIGTERM lets a running measurement
// finish (exit 0, job completed, not stalled); with a bound shorter than the measurement the job
// is handed back and the next worker runs it — nothing is lost and no attempt is used up.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { plan } from '../../src/plan/plan.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { testConfig } from '../helpers/config.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { pathWithStandin, readStandinLog } from '../helpers/standin.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
let queues: QueueRegistry;

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
});

function env(over: Record<string, string>) {
  return {
    PATH: pathWithStandin(),
    HOSTS: '192.0.2.10@alpha',
    TESTS: 'rtt',
    BACKEND: 'pscheduler',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: testPrefix(),
    TESTPOINT: 'tp-stop',
    DATA_DIR: join(testDir(), 'data'),
    STALLED_INTERVAL_MS: '1000',
    PSQ_STANDIN_LOG: join(testDir(), 'standin.log'),
    ...over,
  };
}

function startWorker(over: Record<string, string>) {
  return execa(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: env(over), extendEnv: false, reject: false, cwd: testDir() });
}

async function enqueueOne() {
  const cfg = testConfig({ ...env({}), PATH: '' });
  const [job] = await fanOut(plan(cfg).specs, Date.now(), (n) => queues.get<MeasureJobData>(n), measureJobOptions(cfg));
  return job!;
}

describe('graceful shutdown', () => {
  it('stand-in slow measurement: SIGTERM waits for it, the job completes, exit 0', async () => {
    const worker = startWorker({ PSQ_STANDIN_MODE: 'slow:2500', SHUTDOWN_TIMEOUT_S: '30' });
    const job = await enqueueOne();
    await eventually(() => readStandinLog(join(testDir(), 'standin.log')).length === 1, { timeoutMs: 20_000, what: 'the measurement to start' });
    worker.kill('SIGTERM');
    const result = await worker;
    expect(result.exitCode).toBe(0);
    const done = await Job.fromId(queues.get(job.queueName), job.jobId);
    expect(await done!.getState()).toBe('completed');
    expect(done!.attemptsMade).toBe(1);
    expect(existsSync(String((done!.returnvalue as { resultFile: string }).resultFile))).toBe(true);
    expect(String(result.stdout)).toContain('shutdown complete');
  });

  it('stand-in measurement longer than the bound: handed back without using an attempt, and the next worker runs it', async () => {
    const first = startWorker({ PSQ_STANDIN_MODE: 'slow:20000', SHUTDOWN_TIMEOUT_S: '1', MEASURE_ATTEMPTS: '1' });
    const job = await enqueueOne();
    await eventually(() => readStandinLog(join(testDir(), 'standin.log')).length === 1, { timeoutMs: 20_000, what: 'the measurement to start' });
    const stopAt = Date.now();
    first.kill('SIGTERM');
    const r1 = await first;
    expect(r1.exitCode).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    const handedBack = await Job.fromId(queues.get(job.queueName), job.jobId);
    expect(['delayed', 'wait', 'waiting']).toContain(await handedBack!.getState());

    const second = startWorker({ PSQ_STANDIN_MODE: 'ok', MEASURE_ATTEMPTS: '1' });
    try {
      await eventually(async () => (await queues.get(job.queueName).getJobState(job.jobId)) === 'completed', { timeoutMs: 20_000, what: 'the next worker to complete the job' });
    } finally {
      second.kill('SIGTERM');
      expect((await second).exitCode).toBe(0);
    }
    expect(readStandinLog(join(testDir(), 'standin.log')).map((c) => c.mode)).toEqual(['slow:20000', 'ok']);
  });

  it('a second signal exits at once', async () => {
    const worker = startWorker({ PSQ_STANDIN_MODE: 'slow:20000', SHUTDOWN_TIMEOUT_S: '60' });
    await enqueueOne();
    await eventually(() => readStandinLog(join(testDir(), 'standin.log')).length === 1, { timeoutMs: 20_000, what: 'the measurement to start' });
    worker.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    const t = Date.now();
    worker.kill('SIGINT');
    const r = await worker;
    expect(r.exitCode).toBe(1);
    expect(Date.now() - t).toBeLessThan(5000);
  });
});
