// iperf3's "the server is busy" is a wait, not a failed attempt: the real direct backend against a
// real iperf3 server on loopback that another client keeps busy.
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Job } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { BusyWaitPolicy } from '../../src/measure/busy-wait.js';
import { createDirectBackend } from '../../src/measure/direct-backend.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { plan } from '../../src/plan/plan.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import type { Role } from '../../src/roles/role.js';
import { holdsListeningPort } from '../../src/roles/port-holder.js';
import { freePort } from '../helpers/archive-harness.js';
import { testConfig } from '../helpers/config.js';
import { isAlive } from '../helpers/procs.js';
import { testRedisOptions } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

let queues: QueueRegistry;
let role: Role | null = null;
const procs: ResultPromise[] = [];
const lines: { msg: string; [k: string]: unknown }[] = [];
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  }),
});

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  lines.length = 0;
});
afterEach(async () => {
  await role?.close();
  role = null;
  for (const p of procs.splice(0)) {
    if (p.pid !== undefined && isAlive(p.pid)) p.kill('SIGKILL');
    await p.catch(() => undefined);
  }
  await queues.close();
});

/** A real iperf3 server on loopback, and a client holding it busy for `seconds`. */
async function busyServer(seconds: number): Promise<number> {
  const port = await freePort();
  const server = execa('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(port)], { reject: false });
  procs.push(server);
  await eventually(() => holdsListeningPort(server.pid!, port), { timeoutMs: 5000, what: 'the iperf3 server to listen' });
  const holder = execa('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', String(seconds)], { reject: false, stdout: 'pipe' });
  procs.push(holder);
  await new Promise((r) => setTimeout(r, 700)); // connected and testing well before the job starts
  return port;
}

async function measureOnce(port: number, attempts: number, busyWait: BusyWaitPolicy) {
  const cfg = testConfig({
    TESTPOINT: 'tp-busy',
    HOSTS: '127.0.0.1@loop',
    TESTS: 'throughput',
    REVERSE: 'false',
    BACKEND: 'direct',
    IPERF3_PORT: String(port),
    THROUGHPUT_ARGS: '-P 1 -t 1',
    IPERF3_ARGS: '-O 0',
    DATA_DIR: join(testDir(), 'data'),
    MEASURE_ATTEMPTS: String(attempts),
    MEASURE_RETRY_DELAY_MS: '50',
    ARCHIVE_URLS: '',
  });
  role = await startMeasureRole({ config: cfg, queues, backend: createDirectBackend({ iperf3Port: port, logger, processEnv: process.env }), logger, shutdownGraceMs: 5000, busyWait });
  const [ref] = await fanOut(plan(cfg).specs, Date.now(), (n) => queues.get<MeasureJobData>(n), measureJobOptions(cfg));
  const queue = queues.get(ref!.queueName);
  await eventually(async () => ['completed', 'failed'].includes(await queue.getJobState(ref!.jobId)), { timeoutMs: 40_000, what: 'the job to finish' });
  return (await Job.fromId(queue, ref!.jobId))!;
}

const busyLines = () => lines.filter((l) => /is busy \(another test is running\); waiting 1 s, not counted as an attempt/.test(l.msg));

describe('a busy iperf3 server (real direct backend, loopback)', () => {
  it('the job waits while another client tests, then succeeds; the waits use no attempt', async () => {
    const port = await busyServer(4);
    const job = await measureOnce(port, 2, { delayMs: 1000, maxWaits: 20 });
    expect(await job.getState()).toBe('completed');
    expect((job.returnvalue as { succeeded: boolean }).succeeded).toBe(true);
    expect(busyLines().length).toBeGreaterThanOrEqual(1);
    expect(busyLines()[0]!.msg).toContain(`iperf3 server at 127.0.0.1 is busy`);
    expect((job.data as { busyWaits?: number }).busyWaits).toBe(busyLines().length);
    // The one attempt that measured; the busy answers were not failures.
    expect(job.attemptsMade).toBe(1);
    expect(lines.filter((l) => l.msg === 'measurement failed; will retry')).toEqual([]);
  });

  it('past the bound the busy answer counts as a failed attempt, and the log says it waited', async () => {
    const port = await busyServer(20);
    const job = await measureOnce(port, 1, { delayMs: 1000, maxWaits: 2 });
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toMatch(/the server is busy running a test/);
    expect(busyLines()).toHaveLength(2);
    expect(lines.some((l) => l.msg === 'iperf3 server at 127.0.0.1 was still busy after 2 waits; counted as a failed attempt')).toBe(true);
  });
});
