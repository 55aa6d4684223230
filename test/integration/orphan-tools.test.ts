// A measure worker that is SIGKILLed takes its tool with it: a real `psq start measure` (direct
// backend) running a real iperf3 throughput test on loopback is killed; its `iperf3 -c` must be gone
// within seconds, and the next worker's re-run must not meet a busy server. Plus the start-up sweep
// that kills tools whose worker died, on real processes.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { execa, type Options, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { killOrphanedTools, readProcStat, RUNNING_DIR } from '../../src/measure/orphan-tools.js';
import { plan } from '../../src/plan/plan.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { freePort } from '../helpers/archive-harness.js';
import { testConfig } from '../helpers/config.js';
import { isAlive, pidsWithArgs } from '../helpers/procs.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
let queues: QueueRegistry;
const started: ResultPromise[] = [];

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
});
afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.pid !== undefined && isAlive(p.pid)) p.kill('SIGKILL');
    await p.catch(() => undefined);
  }
  await queues.close();
});

function env(port: number): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOSTS: '127.0.0.1@loop',
    TESTS: 'throughput',
    REVERSE: 'false',
    BACKEND: 'direct',
    IPERF3_PORT: String(port),
    THROUGHPUT_ARGS: '-P 1 -t 8',
    IPERF3_ARGS: '-O 0',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: testPrefix(),
    TESTPOINT: 'tp-orphan',
    DATA_DIR: join(testDir(), 'data'),
    STALLED_INTERVAL_MS: '1000',
    MEASURE_ATTEMPTS: '1',
    ARCHIVE_URLS: '',
  };
}

function spawn(file: string, args: string[], options: Options = {}): ResultPromise {
  const p = execa(file, args, { reject: false, ...options }) as ResultPromise;
  started.push(p);
  return p;
}

describe('tools of a SIGKILLed measure worker', () => {
  it('the iperf3 client dies with its worker within seconds, and the re-run completes without a busy server', async () => {
    const port = await freePort();
    spawn('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(port)]);
    const workerEnv = env(port);
    const first = spawn(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: workerEnv, extendEnv: false, cwd: testDir() });
    const cfg = testConfig({ ...workerEnv, PATH: '' });
    const [job] = await fanOut(plan(cfg).specs, Date.now(), (n) => queues.get<MeasureJobData>(n), measureJobOptions(cfg));
    const client = () => pidsWithArgs('iperf3', '-c', '127.0.0.1', '-p', String(port)).filter((pid) => pid !== first.pid);
    await eventually(() => client().length > 0, { timeoutMs: 30_000, what: 'the iperf3 client to start' });
    // While it runs, the tool is on record (pid, group, start time) under DATA_DIR/.running.
    await eventually(() => readdirSafe(join(testDir(), 'data', RUNNING_DIR)).length === 1, { timeoutMs: 5000, what: 'the running tool to be recorded' });
    await new Promise((r) => setTimeout(r, 1000)); // well inside its 8 s test

    first.kill('SIGKILL');
    await first;
    const killedAt = Date.now();
    // Bounded: "no tool it started may run on for more than a few seconds".
    await eventually(() => client().length === 0, { timeoutMs: 3000, what: 'the orphaned iperf3 client to be gone' });
    expect(Date.now() - killedAt).toBeLessThan(3000);

    const second = spawn(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: workerEnv, extendEnv: false, cwd: testDir() });
    const queue = queues.get(job!.queueName);
    await eventually(async () => ['completed', 'failed'].includes(await queue.getJobState(job!.jobId)), { timeoutMs: 45_000, what: 'the re-run to finish' });
    second.kill('SIGTERM');
    const out = await second;
    const done = await Job.fromId(queue, job!.jobId);
    expect(await done!.getState()).toBe('completed');
    expect((done!.returnvalue as { succeeded: boolean }).succeeded).toBe(true);
    expect(String(out.stdout)).not.toMatch(/busy/);
    expect(readdirSafe(join(testDir(), 'data', RUNNING_DIR))).toEqual([]);
  });

  it('on start-up, kills the process group of a tool whose worker is dead, and leaves a live worker\'s tool alone', async () => {
    const dataDir = join(testDir(), 'data');
    mkdirSync(join(dataDir, RUNNING_DIR), { recursive: true });
    // Two real "workers" (one then killed) and a detached tool each, in its own process group with a child.
    const deadWorker = spawn('sleep', ['300']);
    const liveWorker = spawn('sleep', ['301']);
    const orphan = spawn('sh', ['-c', 'sleep 302 & wait'], { detached: true });
    const inUse = spawn('sleep', ['303'], { detached: true });
    await eventually(() => pidsWithArgs('sleep', '302').length === 1, { timeoutMs: 5000, what: 'the orphan group to start' });
    const grandchild = pidsWithArgs('sleep', '302')[0]!;
    const record = async (tool: ResultPromise, worker: ResultPromise) => {
      const [t, w] = [await readProcStat(tool.pid!), await readProcStat(worker.pid!)];
      writeFileSync(join(dataDir, RUNNING_DIR, `${tool.pid}.json`), JSON.stringify({
        host: hostname(), pid: tool.pid, pgid: t!.pgrp, startTime: t!.startTime, workerPid: worker.pid, workerStartTime: w!.startTime, command: 'test', startedAt: new Date().toISOString(),
      }));
    };
    await record(orphan, deadWorker);
    await record(inUse, liveWorker);
    deadWorker.kill('SIGKILL');
    await deadWorker;

    expect(await killOrphanedTools(dataDir, logger)).toBe(1);
    await eventually(() => !isAlive(orphan.pid!) && !isAlive(grandchild), { timeoutMs: 3000, what: 'the orphaned group to be gone' });
    expect(isAlive(inUse.pid!)).toBe(true);
    expect(readdirSafe(join(dataDir, RUNNING_DIR))).toEqual([`${inUse.pid}.json`]);
  });
});

function readdirSafe(d: string): string[] {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
}
