// `psq replay` and `psq retry-failed` end to end: stand-in pscheduler results on disk, a real
// archiver on loopback, real Redis.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { psqEnv, runPsq } from '../helpers/psq.js';
import { onCleanup, testDir } from '../helpers/test-context.js';

const TOKEN = 'replay-token-1f3a';
let archiver: ArchiverServer;

beforeEach(async () => {
  archiver = await startArchiverServer({ token: TOKEN });
  onCleanup(() => archiver.close());
});

const env = (over: Record<string, string> = {}) => psqEnv({
  HOSTS: '192.0.2.10@alpha 192.0.2.20@beta',
  TESTS: 'rtt mtu',
  ARCHIVE_URLS: archiver.url,
  AUTH_TOKEN: TOKEN,
  TESTPOINT: 'tp-replay',
  ARCHIVE_BACKOFF_MS: '100',
  ...over,
});

describe('psq replay', { timeout: 150_000 }, () => {
  it('stand-in: replaying twice over the same files leaves exactly one record per result, with the original run_id and ts', async () => {
    const round = await runPsq(['run-once'], env(), { cwd: testDir() });
    expect(round.exitCode, round.stdout).toBe(0);
    expect(archiver.distinctRecords()).toBe(4);
    const original = new Set(archiver.requests.map((r) => JSON.stringify([(r.body as { run_id: string }).run_id, (r.body as { ts: string }).ts])));

    for (let i = 0; i < 2; i++) {
      const r = await runPsq(['replay', '--since', '1h'], env(), { cwd: testDir() });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('4 results × 1 archivers');
      expect(r.stdout).toContain(`${archiver.url}  4 / 0 / 0`);
    }
    expect(archiver.acceptedPosts()).toBe(12);
    expect(archiver.distinctRecords()).toBe(4);
    const replayed = new Set(archiver.requests.map((r) => JSON.stringify([(r.body as { run_id: string }).run_id, (r.body as { ts: string }).ts])));
    expect(replayed).toEqual(original);
  });

  it('filters by time window and category, and can target a newly added archiver only', async () => {
    const round = await runPsq(['run-once'], env(), { cwd: testDir() });
    expect(round.exitCode).toBe(0);
    const other = await startArchiverServer({ token: TOKEN });
    try {
      // The new archiver is added to ARCHIVE_URLS first: psq sends only to configured archivers.
      const both = env({ ARCHIVE_URLS: `${archiver.url} ${other.url}` });
      const r = await runPsq(['replay', '--since', '1h', '--category', 'mtu', '--archiver', other.url], both, { cwd: testDir() });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
      expect(other.distinctRecords()).toBe(2);
      expect(archiver.acceptedPosts()).toBe(4); // the round's only
      expect(other.requests.every((q) => q.path.endsWith('/measurements/mtu'))).toBe(true);
      const none = await runPsq(['replay', '--since', '2001-01-01', '--until', '2001-01-02'], env(), { cwd: testDir() });
      expect(none.stdout).toContain('0 results');
    } finally {
      await other.close();
    }
  });

  it('cron-runner files without .meta are replayed (with --legacy) with a run_id derived from the file, stable across replays', async () => {
    const mtuDir = join(testDir(), 'data', 'mtu');
    mkdirSync(mtuDir, { recursive: true });
    const name = 'site-a@192.0.2.30_auto_20261125-100000Z_forward.json';
    writeFileSync(join(mtuDir, name), '{"schema":1,"succeeded":true,"mtu":1500}\n');
    for (let i = 0; i < 2; i++) {
      const r = await runPsq(['replay', '--since', '2026-11-25', '--legacy'], env(), { cwd: testDir() });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
    expect(archiver.acceptedPosts()).toBe(2);
    expect(archiver.distinctRecords()).toBe(1);
    const body = archiver.requests[0]!.body as { ts: string; dst: { name: string; ip: string } };
    expect(body.ts).toBe('2026-11-25T10:00:00Z');
    expect(body.dst).toEqual({ ip: '192.0.2.30', name: 'site-a' });
    // Derived from the name each time: replay writes nothing into DATA_DIR.
    expect(readdirSync(mtuDir)).toEqual([name]);
  });

  it('bad arguments: exit 2 naming each one', async () => {
    const r = await runPsq(['replay', '--since', 'last tuesday', '--category', 'speed'], env(), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--since "last tuesday": expected an RFC 3339 time');
    expect(r.stderr).toContain('--category "speed": expected one of latency');
  });
});

describe('psq retry-failed', { timeout: 150_000 }, () => {
  it('stand-in: deliveries refused with 401 wait in the failed set; after the token is fixed, retry-failed delivers them', async () => {
    const round = await runPsq(['run-once'], env({ AUTH_TOKEN: 'wrong-token' }), { cwd: testDir() });
    expect(round.exitCode).toBe(1);
    expect(round.stdout).toContain(`${archiver.url}  0 / 4 / 0`);
    expect(round.stdout).toContain('401');
    expect(archiver.requests).toHaveLength(4); // no retries of a 401
    expect(round.stderr).not.toContain('wrong-token');

    const onlyMtu = await runPsq(['retry-failed', '--category', 'mtu'], env(), { cwd: testDir() });
    expect(onlyMtu.exitCode, onlyMtu.stdout + onlyMtu.stderr).toBe(0);
    expect(onlyMtu.stdout).toContain(`${archiver.url}  2 / 0 / 0`);
    const rest = await runPsq(['retry-failed'], env(), { cwd: testDir() });
    expect(rest.exitCode).toBe(0);
    expect(rest.stdout).toContain(`${archiver.url}  2 / 0 / 0`);
    expect(archiver.distinctRecords()).toBe(4);
    const nothing = await runPsq(['retry-failed'], env(), { cwd: testDir() });
    expect(nothing.stdout).toContain('0 deliveries enqueued');
  });

  it('--enqueue-only hands the jobs over without delivering', async () => {
    await runPsq(['run-once'], env({ AUTH_TOKEN: 'wrong-token', TESTS: 'mtu' }), { cwd: testDir() });
    const r = await runPsq(['retry-failed', '--enqueue-only'], env(), { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('2 deliveries enqueued for the running archive workers');
    expect(archiver.acceptedPosts()).toBe(0);
    expect(JSON.parse(readFileSync(join(testDir(), 'data', 'mtu', readdirSync(join(testDir(), 'data', 'mtu')).find((f) => f.endsWith('.meta'))!), 'utf8')).archived).toBe(true);
  });
});
