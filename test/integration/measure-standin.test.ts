// The measure worker against a STAND-IN pscheduler (the real one cannot be installed here):
// the stand-in checks the argv against the real CLI's grammar and writes fixture results.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Job, type Queue } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { createPschedulerBackend } from '../../src/measure/pscheduler-backend.js';
import { plan } from '../../src/plan/plan.js';
import { archiveQueueName, measureQueueName } from '../../src/queues/queue-names.js';

const LOCAL_ARCHIVER = 'http://127.0.0.1:9/ps';
const REMOTE_ARCHIVER = 'https://archive.example.org/ps';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import type { Role } from '../../src/roles/role.js';
import { runOnce } from '../../src/operations/run-once.js';
import { testConfig } from '../helpers/config.js';
import { testRedisOptions } from '../helpers/redis.js';
import { readStandinLog, standinInThisProcess } from '../helpers/standin.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';
import { eventually } from '../helpers/eventually.js';

const logger = createLogger({ level: 'silent' });
const standinLog = standinInThisProcess();
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/pscheduler/${name}.json`, import.meta.url), 'utf8'));

let queues: QueueRegistry;
let role: Role | null;

beforeEach(() => {
  process.env['PSQ_STANDIN_STATE'] = join(testDir(), 'state');
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
  role = null;
  onCleanup(() => role?.close());
});

function config(env: Record<string, string> = {}): Config {
  return testConfig({
    TESTPOINT: 'tp-test',
    DATA_DIR: join(testDir(), 'data'),
    ARCHIVE_URLS: `${LOCAL_ARCHIVER} ${REMOTE_ARCHIVER}`,
    AUTH_TOKEN: 'secret-token-value',
    MEASURE_RETRY_DELAY_MS: '50',
    ...env,
  });
}

async function round(cfg: Config) {
  role = await startMeasureRole({ config: cfg, queues, backend: createPschedulerBackend(cfg.pschedulerBin, process.env), logger, shutdownGraceMs: 5000 });
  return runOnce({ config: cfg, queues, logger, specs: plan(cfg).specs, archiveWaitMs: 0, pollMs: 50 });
}

const filesIn = (category: string) => {
  const d = join(testDir(), 'data', category);
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')).sort() : [];
};

describe('measure worker with the stand-in pscheduler', () => {
  it('stand-in: runs every category with the exact cron-runner argv and keeps each raw result at the compatible path', async () => {
    const cfg = config({ HOSTS: '192.0.2.10@alpha [2001:db8::10]@beta%lo', TOOL_MODE: 'auto' });
    const summary = await round(cfg);
    expect(summary.measurements.map((m) => m.state)).toEqual(Array(14).fill('succeeded'));

    const calls = readStandinLog(standinLog());
    expect(calls).toHaveLength(14);
    const outputOf = (argv: string[]) => argv[argv.indexOf('--output') + 1]!;
    const thr = calls.find((c) => c.argv.includes('throughput') && c.argv.includes('--reverse') && c.argv.includes('192.0.2.10'))!;
    expect(thr.argv).toEqual(['task', '--tool', 'iperf3', '--format', 'json', '--output', outputOf(thr.argv), 'throughput', '--dest', '192.0.2.10',
      '-P', '4', '-t', '60', '-i', '10', '-O', '10', '--reverse']);
    const rtt6 = calls.find((c) => c.argv.includes('rtt') && c.argv.includes('2001:db8::10'))!;
    expect(rtt6.argv).toEqual(['task', '--format', 'json', '--output', outputOf(rtt6.argv), 'rtt', '--dest', '2001:db8::10', '--source', '127.0.0.1']);
    const lat = calls.find((c) => c.argv.includes('latency') && c.argv.includes('192.0.2.10'))!;
    expect(lat.argv.slice(0, 3)).toEqual(['task', '--tool', 'halfping']);

    for (const category of ['latency', 'rtt', 'trace', 'mtu', 'clock']) {
      const files = filesIn(category);
      expect(files).toHaveLength(2);
      expect(files[0]).toMatch(new RegExp(`^alpha@192\\.0\\.2\\.10_(auto|halfping)_\\d{8}-\\d{6}Z_forward\\.json$`));
      expect(files[1]).toMatch(/^beta@2001_db8__10_(auto|halfping)_\d{8}-\d{6}Z_forward\.json$/);
      expect(JSON.parse(readFileSync(join(testDir(), 'data', category, files[0]!), 'utf8'))).toEqual(fixture(category));
    }
    expect(filesIn('throughput').filter((f) => f.endsWith('_reverse.json'))).toHaveLength(2);
    // No temp files left behind.
    expect(readdirSync(join(testDir(), 'data', 'rtt')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('stand-in: enqueues one archive job per archiver URL carrying the whole body, never the token', async () => {
    const cfg = config({ TESTS: 'mtu', HOST_IP: '198.51.100.7', HOST_NAME: 'tp-test.example' });
    const summary = await round(cfg);
    expect(summary.measurements).toHaveLength(1);
    const jobs = [
      ...(await queues.get<ArchiveJobData>(archiveQueueName(LOCAL_ARCHIVER)).getJobs(['waiting'])),
      ...(await queues.get<ArchiveJobData>(archiveQueueName(REMOTE_ARCHIVER)).getJobs(['waiting'])),
    ];
    expect(jobs.map((j) => j.data.url).sort()).toEqual(['http://127.0.0.1:9/ps', 'https://archive.example.org/ps']);
    const body = jobs[0]!.data.body;
    expect(body).toMatchObject({ src: { ip: '198.51.100.7', name: 'tp-test.example' }, dst: { ip: '127.0.0.1', name: 'loopback' }, direction: 'forward', raw: fixture('mtu') });
    expect(body.ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(jobs[1]!.data.body.run_id).toBe(body.run_id);
    expect(JSON.stringify(jobs.map((j) => [j.data, j.opts]))).not.toContain('secret-token-value');
    // The meta file beside the result holds what replay needs to re-send the same body.
    const meta = JSON.parse(readFileSync(`${jobs[0]!.data.resultFile}.meta`, 'utf8'));
    expect(meta).toMatchObject({ run_id: body.run_id, ts: body.ts, archived: true, succeeded: true });
  });

  it('stand-in fail-first: succeeded:false is retried, both files kept, only the final result archived', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'fail-first';
    const cfg = config({ TESTS: 'rtt', ARCHIVE_URLS: 'http://127.0.0.1:9/ps' });
    const summary = await round(cfg);
    expect(summary.measurements[0]).toMatchObject({ state: 'succeeded' });
    expect(readStandinLog(standinLog()).map((c) => c.mode)).toEqual(['failed', 'ok']);
    const files = filesIn('rtt');
    const contents = files.map((f) => JSON.parse(readFileSync(join(testDir(), 'data', 'rtt', f), 'utf8')).succeeded);
    expect(contents.sort()).toEqual([false, true]);
    const archived = await queues.get<ArchiveJobData>(archiveQueueName(LOCAL_ARCHIVER)).getJobs(['waiting']);
    expect(archived).toHaveLength(1);
    expect((archived[0]!.data.body.raw as { succeeded: boolean }).succeeded).toBe(true);
  });

  it('stand-in failed twice: the job fails after the last attempt, and the failure is archived too', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'failed';
    const cfg = config({ TESTS: 'throughput', REVERSE: 'false', ARCHIVE_URLS: 'http://127.0.0.1:9/ps' });
    const summary = await round(cfg);
    expect(summary.measurements[0]).toMatchObject({ state: 'failed', reason: expect.stringContaining('unable to connect to server') });
    expect(readStandinLog(standinLog())).toHaveLength(2);
    expect(filesIn('throughput')).toHaveLength(2);
    const archived = await queues.get<ArchiveJobData>(archiveQueueName(LOCAL_ARCHIVER)).getJobs(['waiting']);
    expect(archived.map((j) => j.data.measurementSucceeded)).toEqual([false]);
    expect(summary.deliveries).toHaveLength(1);
  });

  it('stand-in failed with ARCHIVE_FAILED=false: nothing archived, files still kept', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'failed';
    const cfg = config({ TESTS: 'mtu', ARCHIVE_FAILED: 'false', MEASURE_ATTEMPTS: '1' });
    await round(cfg);
    for (const url of [LOCAL_ARCHIVER, REMOTE_ARCHIVER]) expect(await queues.get(archiveQueueName(url)).getJobCounts()).toMatchObject({ waiting: 0 });
    expect(filesIn('mtu')).toHaveLength(1);
  });

  it.each(['no-output', 'empty', 'null', 'exit1'])('stand-in %s: "no result" is retried, then recorded as a failure on disk', async (mode) => {
    process.env['PSQ_STANDIN_MODE'] = mode;
    const cfg = config({ TESTS: 'trace', ARCHIVE_URLS: '' });
    const summary = await round(cfg);
    expect(summary.measurements[0]).toMatchObject({ state: 'failed', reason: expect.stringContaining('no result') });
    expect(readStandinLog(standinLog())).toHaveLength(2);
    const files = filesIn('trace');
    expect(files).toHaveLength(1);
    const raw = JSON.parse(readFileSync(join(testDir(), 'data', 'trace', files[0]!), 'utf8'));
    expect(raw).toMatchObject({ succeeded: false, error: expect.stringContaining('no result') });
  });

  it('stand-in hang: the timeout kills pscheduler and its grandchildren, and the job does not hang', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'hang';
    const cfg = config({ TESTS: 'clock', MEASURE_TIMEOUT_S: '1', MEASURE_ATTEMPTS: '1', ARCHIVE_URLS: '' });
    const started = Date.now();
    const summary = await round(cfg);
    expect(summary.measurements[0]).toMatchObject({ state: 'failed', reason: expect.stringContaining('timed out after 1000 ms') });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('stand-in slow runs: throughput tests never overlap, even with two workers on the testpoint; light tests run side by side', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'slow:600';
    const cfg = config({ HOSTS: '192.0.2.10@a 192.0.2.11@b 192.0.2.12@c', TESTS: 'throughput rtt', REVERSE: 'false', ARCHIVE_URLS: '' });
    const second = await startMeasureRole({ config: cfg, queues, backend: createPschedulerBackend(cfg.pschedulerBin, process.env), logger, shutdownGraceMs: 5000 });
    try {
      const summary = await round(cfg);
      expect(summary.measurements.every((m) => m.state === 'succeeded')).toBe(true);
    } finally {
      await second.close();
    }
    const calls = readStandinLog(standinLog());
    const starts = (test: string) => calls.filter((c) => c.argv.includes(test)).map((c) => c.at).sort((x, y) => x - y);
    const thr = starts('throughput');
    expect(thr).toHaveLength(3);
    for (let i = 1; i < thr.length; i++) expect(thr[i]! - thr[i - 1]!).toBeGreaterThanOrEqual(600);
    const rtt = starts('rtt');
    expect(rtt).toHaveLength(3);
    expect(rtt.at(-1)! - rtt[0]!).toBeLessThan(600);
  });

  it('a missing pscheduler binary fails at once with a clear message, no retry', async () => {
    const cfg = config({ TESTS: 'rtt', PSCHEDULER_BIN: join(testDir(), 'no-such-pscheduler'), MEASURE_ATTEMPTS: '3' });
    const summary = await round(cfg);
    expect(summary.measurements[0]).toMatchObject({ state: 'failed', reason: expect.stringContaining('not found: install pScheduler') });
    const job = await Job.fromId(queues.get(measureQueueName('tp-test')), summary.measurements[0]!.jobId);
    expect(job!.attemptsMade).toBe(1);
    expect(filesIn('rtt')).toEqual([]);
  });

  it('a hostile job written straight into Redis is refused before anything runs', async () => {
    const cfg = config();
    role = await startMeasureRole({ config: cfg, queues, backend: createPschedulerBackend('pscheduler', process.env), logger, shutdownGraceMs: 5000 });
    const queue: Queue = queues.get(measureQueueName('tp-test'));
    const spec = { ...plan(cfg).specs[0]!, dest: { ip: '$(touch /tmp/pwned)', name: 'x' }, args: ['--archive', 'x'] };
    const job = await queue.add('evil', { spec, slotMs: 1 }, { attempts: 3 });
    await eventually(() => job.isFailed(), { timeoutMs: 5000, what: 'the hostile job to fail' });
    const failed = await Job.fromId(queue, job.id!);
    expect(failed!.failedReason).toMatch(/^job refused: .*breaks the HOSTS rules.*spec\.args/);
    expect(failed!.attemptsMade).toBe(1);
    expect(readStandinLog(standinLog())).toEqual([]);
  });
});
