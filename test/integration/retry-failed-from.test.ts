// `psq retry-failed --from OLD_URL` end to end: a wrong ARCHIVE_URLS (the `/ps` left out) makes the
// real loopback archiver answer 404 to every delivery; after the fix, plain retry-failed names the
// stranded deliveries and the command that moves them, and --from delivers each exactly once to the
// fixed URL. Real Redis, the stand-in pscheduler, the psq CLI as a child process.
import { Queue, Worker } from 'bullmq';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveBodyLimit } from '../../src/archive/archive-job-schema.js';
import { movedJobs } from '../../src/operations/move-failed.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { psqEnv, runPsq } from '../helpers/psq.js';
import { testRedisOptions } from '../helpers/redis.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

const TOKEN = 'from-token-8c2e';
let archiver: ArchiverServer;
/** The archiver's URL without its `/ps`: every POST there is a 404. */
let wrongUrl: string;
const queues: Queue[] = [];

beforeEach(async () => {
  archiver = await startArchiverServer({ token: TOKEN });
  wrongUrl = archiver.url.replace(/\/ps$/, '');
});
afterEach(async () => {
  await Promise.all(queues.splice(0).map((q) => q.close()));
  await archiver.close();
});

const env = (over: Record<string, string> = {}) => psqEnv({
  HOSTS: '192.0.2.10@alpha 192.0.2.20@beta',
  TESTS: 'rtt mtu',
  ARCHIVE_URLS: archiver.url,
  AUTH_TOKEN: TOKEN,
  TESTPOINT: 'tp-from',
  ARCHIVE_BACKOFF_MS: '100',
  ...over,
});

function queue(name: string): Queue<ArchiveJobData> {
  const q = new Queue<ArchiveJobData>(name, { connection: testRedisOptions(), prefix: testPrefix() });
  queues.push(q);
  return q;
}

/** One round against the wrong URL: 4 measurements, 4 deliveries rejected with 404. */
async function roundWithWrongUrl(tests = 'rtt mtu'): Promise<void> {
  const round = await runPsq(['run-once'], env({ ARCHIVE_URLS: wrongUrl, TESTS: tests }), { cwd: testDir() });
  expect(round.exitCode, round.stdout + round.stderr).toBe(1);
  expect(round.stdout).toContain('404');
  expect(archiver.acceptedPosts()).toBe(0);
  expect(archiver.requests.every((r) => r.status === 404 && !r.path.startsWith('/ps/'))).toBe(true);
}

describe('psq retry-failed --from', { timeout: 180_000 }, () => {
  it('stand-in: after fixing a wrong ARCHIVE_URLS, plain retry-failed points at --from, and --from delivers every rejected delivery exactly once to the fixed URL', async () => {
    await roundWithWrongUrl();
    const rejected = archiver.requests.length;
    expect(rejected).toBe(4);
    const oldQueue = queue(archiveQueueName(wrongUrl));
    expect(await oldQueue.getFailedCount()).toBe(4);

    // Configuration fixed. Plain retry-failed cannot re-send them (no configured archiver serves
    // that queue, and the worker would send only to its own URL): it says so and what to run.
    const plain = await runPsq(['retry-failed'], env(), { cwd: testDir() });
    expect(plain.exitCode, plain.stdout + plain.stderr).toBe(1);
    expect(plain.stdout).toContain(`4 failed deliveries in ${archiveQueueName(wrongUrl)} belong to ${wrongUrl}, which is not in ARCHIVE_URLS`);
    expect(plain.stdout).toContain(`psq retry-failed --from ${wrongUrl}`);
    expect(archiver.requests).toHaveLength(rejected);
    expect(await oldQueue.getFailedCount()).toBe(4);

    const moved = await runPsq(['retry-failed', '--from', wrongUrl], env(), { cwd: testDir() });
    expect(moved.exitCode, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toContain('4 failed deliveries moved onto 1 archivers (4 jobs added, 0 already there');
    expect(moved.stdout).toContain(`${archiver.url}  4 / 0 / 0`);
    const delivered = archiver.requests.slice(rejected);
    expect(delivered).toHaveLength(4);
    expect(delivered.every((r) => r.status === 200 && r.path.startsWith('/ps/measurements/'))).toBe(true);
    expect(archiver.distinctRecords()).toBe(4);
    expect(await oldQueue.getFailedCount()).toBe(0);

    // Same body: the run_id and ts the rejected POSTs carried.
    const key = (r: { body: unknown }) => JSON.stringify([(r.body as { run_id: string }).run_id, (r.body as { ts: string }).ts]);
    expect(new Set(delivered.map(key))).toEqual(new Set(archiver.requests.slice(0, rejected).map(key)));

    // Running it again adds nothing.
    const again = await runPsq(['retry-failed', '--from', wrongUrl], env(), { cwd: testDir() });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain('0 failed deliveries moved');
    expect(archiver.requests).toHaveLength(rejected + 4);
    const quiet = await runPsq(['retry-failed'], env(), { cwd: testDir() });
    expect(quiet.exitCode, quiet.stdout).toBe(0);
    expect(quiet.stdout).not.toContain('--from');
  });

  it('after an interruption (copies added, old jobs not yet removed) a second run adds nothing twice and delivers each once', async () => {
    await roundWithWrongUrl();
    const rejected = archiver.requests.length;
    const oldQueue = queue(archiveQueueName(wrongUrl));
    const failed = await oldQueue.getFailed(0, -1);
    expect(failed).toHaveLength(4);
    // What a run killed after adding the copies of two jobs leaves behind.
    const target = queue(archiveQueueName(archiver.url));
    for (const job of failed.slice(0, 2)) {
      const r = movedJobs(oldQueue.name, String(job.id), job.data, [archiver.url], { attempts: 3 }, { maxBodyBytes: archiveBodyLimit(1 << 20) });
      if (!r.ok) throw new Error(r.reason);
      for (const copy of r.jobs) await target.add(copy.name, copy.data, copy.opts);
    }

    const moved = await runPsq(['retry-failed', '--from', wrongUrl], env(), { cwd: testDir() });
    expect(moved.exitCode, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toContain('4 failed deliveries moved onto 1 archivers (2 jobs added, 2 already there from an earlier run)');
    expect(moved.stdout).toContain(`${archiver.url}  4 / 0 / 0`);
    expect(archiver.requests.slice(rejected)).toHaveLength(4);
    expect(archiver.records.size).toBe(4);
    expect([...archiver.records.values()].every((r) => r.writes === 1)).toBe(true);
    expect(await oldQueue.getFailedCount()).toBe(0);
    expect(await target.getJobCountByTypes('completed')).toBe(4);
  });

  it('goes with --category and --enqueue-only, and onto every configured archiver', async () => {
    await roundWithWrongUrl();
    const other = await startArchiverServer({ token: TOKEN });
    try {
      const both = env({ ARCHIVE_URLS: `${archiver.url},${other.url}` });
      const oldQueue = queue(archiveQueueName(wrongUrl));
      const r = await runPsq(['retry-failed', '--from', wrongUrl, '--category', 'mtu', '--enqueue-only'], both, { cwd: testDir() });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('2 failed deliveries moved onto 2 archivers (4 jobs added');
      expect(r.stdout).toContain('4 deliveries enqueued for the running archive workers');
      expect(await oldQueue.getFailedCount()).toBe(2); // the rtt ones stay
      for (const url of [archiver.url, other.url]) {
        const jobs = await queue(archiveQueueName(url)).getWaiting();
        expect(jobs.map((j) => [j.data.url, j.data.category])).toEqual([
          [url, 'mtu'],
          [url, 'mtu'],
        ]);
      }
      expect(other.requests).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('refuses while an archive worker still serves the old queue (a psq not restarted since the fix, or another configuration)', async () => {
    await roundWithWrongUrl('mtu');
    const oldName = archiveQueueName(wrongUrl);
    const stale = new Worker(oldName, async () => ({}), { connection: testRedisOptions(), prefix: testPrefix() });
    try {
      await stale.waitUntilReady();
      const r = await runPsq(['retry-failed', '--from', wrongUrl], env(), { cwd: testDir() });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`--from ${wrongUrl}: 1 archive workers still serve its queue ${oldName}`);
      expect(await queue(oldName).getFailedCount()).toBe(2);
      const plain = await runPsq(['retry-failed'], env(), { cwd: testDir() });
      expect(plain.exitCode, plain.stdout + plain.stderr).toBe(0);
      expect(plain.stdout).toContain(`2 failed deliveries in ${oldName} (${wrongUrl}, not in ARCHIVE_URLS here) are left alone: 1 archive workers elsewhere serve that queue`);
    } finally {
      await stale.close();
    }
    expect(archiver.acceptedPosts()).toBe(0);
  });

  it('refuses an archiver that is still configured, saying why, and moves nothing', async () => {
    const r = await runPsq(['retry-failed', '--from', `${archiver.url}/`], env(), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`--from ${archiver.url}: this archiver is still in ARCHIVE_URLS`);
    expect(r.stderr).toContain('plain `psq retry-failed`');
    const bad = await runPsq(['retry-failed', '--from', 'not a url'], env(), { cwd: testDir() });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--from not a url: expected an absolute http:// or https:// URL');
  });
});
