// `psq retry-failed` and `psq replay` never send to an archiver that is not in ARCHIVE_URLS (the
// token goes with every delivery). A second loopback server plays the attacker — or an archiver
// that was configured once — and records what reaches it: nothing may. Real Redis, stand-in pscheduler.
import { Queue, Worker } from 'bullmq';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { psqEnv, runPsq } from '../helpers/psq.js';
import { testRedisOptions } from '../helpers/redis.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const TOKEN = 'configured-only-token-5d1b';
let archiver: ArchiverServer;
let attacker: ArchiverServer;

beforeEach(async () => {
  archiver = await startArchiverServer({ token: TOKEN });
  onCleanup(() => archiver.close());
  // Accepts anything: it only records what reaches it.
  attacker = await startArchiverServer({ token: null });
  onCleanup(() => attacker.close());
});

const env = (over: Record<string, string> = {}) => psqEnv({
  HOSTS: '192.0.2.10@alpha',
  TESTS: 'mtu',
  ARCHIVE_URLS: archiver.url,
  AUTH_TOKEN: TOKEN,
  TESTPOINT: 'tp-cfgonly',
  ARCHIVE_BACKOFF_MS: '100',
  ...over,
});

/** Puts `data` into the failed set of `queueName`, as a delivery that failed for good would be. */
async function addFailedJob(queueName: string, data: unknown): Promise<void> {
  const queue = new Queue(queueName, { connection: testRedisOptions(), prefix: testPrefix() });
  const worker = new Worker(queueName, null, { connection: testRedisOptions(), prefix: testPrefix(), autorun: false });
  try {
    await queue.add('forged', data, { attempts: 1 });
    const job = await worker.getNextJob('test-token-lock');
    if (!job) throw new Error('no job fetched');
    await job.moveToFailed(new Error('scripted failure'), 'test-token-lock');
    expect(await queue.getFailedCount()).toBe(1);
  } finally {
    await worker.close();
    await queue.close();
  }
}

const unconfiguredMessage = (url: string, configured: string) => [`--archiver ${url}: not a configured archiver`, `ARCHIVE_URLS has: ${configured}`];

describe('only configured archivers', { timeout: 120_000 }, () => {
  it('stand-in: retry-failed --archiver OLD (no longer configured) is a usage error; the old archiver receives nothing', async () => {
    // The attacker URL was configured once, and refused the deliveries (a 403 from everything).
    attacker.setDefaultMode({ status: 403 });
    const round = await runPsq(['run-once'], env({ ARCHIVE_URLS: attacker.url }), { cwd: testDir() });
    expect(round.exitCode).toBe(1);
    const seen = attacker.requests.length;
    expect(seen).toBe(1);
    attacker.setDefaultMode('normal');

    const r = await runPsq(['retry-failed', '--archiver', attacker.url], env(), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    for (const part of unconfiguredMessage(attacker.url, archiver.url)) expect(r.stderr).toContain(part);
    expect(attacker.requests).toHaveLength(seen);
    expect(archiver.requests).toHaveLength(0);
  });

  it('replay --archiver URL that is not configured is a usage error, naming it and the configured ones', async () => {
    const round = await runPsq(['run-once'], env(), { cwd: testDir() });
    expect(round.exitCode, round.stdout + round.stderr).toBe(0);
    const r = await runPsq(['replay', '--since', '1h', '--archiver', attacker.url], env(), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    for (const part of unconfiguredMessage(attacker.url, archiver.url)) expect(r.stderr).toContain(part);
    expect(attacker.requests).toHaveLength(0);
    expect(archiver.acceptedPosts()).toBe(1); // the round's only
  });

  it('a failed job in a configured queue whose data names another archiver is reported, not re-sent', async () => {
    await addFailedJob(archiveQueueName(archiver.url), {
      url: attacker.url,
      category: 'mtu',
      body: { src: { ip: '192.0.2.1', name: 'tp' }, dst: { ip: '192.0.2.10', name: 'alpha' }, direction: 'forward', ts: '2026-11-25T10:00:00Z', run_id: 'forged-1', raw: {} },
      resultFile: '/tmp/x.json',
      testpoint: 'tp-cfgonly',
      measurementSucceeded: true,
    } satisfies ArchiveJobData);
    const r = await runPsq(['retry-failed'], env(), { cwd: testDir() });
    expect(r.exitCode, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toContain(`1 failed deliveries in ${archiveQueueName(archiver.url)} name another archiver (${attacker.url})`);
    expect(r.stdout).toContain('not re-sent');
    expect(attacker.requests).toHaveLength(0);
    expect(archiver.requests).toHaveLength(0);
  });
});
