// `psq replay --legacy`: cron-runner files (no .meta) are sent only when asked for. The cron runner
// sent no run_id or ts, so an archiver that received them then made its own: replaying them there
// would add a second row. Real Redis, a real loopback archiver, the stand-in pscheduler.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { psqEnv, runPsq } from '../helpers/psq.js';
import { onCleanup, testDir } from '../helpers/test-context.js';

const TOKEN = 'legacy-token-0b7e';
const CRON_FILE = 'site-a@192.0.2.30_auto_20261125-100000Z_forward.json';
let archiver: ArchiverServer;

beforeEach(async () => {
  archiver = await startArchiverServer({ token: TOKEN });
  onCleanup(() => archiver.close());
});

const env = () => psqEnv({
  HOSTS: '192.0.2.10@alpha',
  TESTS: 'mtu',
  ARCHIVE_URLS: archiver.url,
  AUTH_TOKEN: TOKEN,
  TESTPOINT: 'tp-legacy',
  ARCHIVE_BACKOFF_MS: '100',
});

describe('psq replay --legacy', { timeout: 150_000 }, () => {
  it('stand-in: a psq result (+.meta) and a cron-runner file: without --legacy 1 is sent and the other reported, with --legacy 2', async () => {
    const round = await runPsq(['run-once'], env(), { cwd: testDir() });
    expect(round.exitCode, round.stdout + round.stderr).toBe(0);
    const mtuDir = join(testDir(), 'data', 'mtu');
    expect(readdirSync(mtuDir).filter((f) => f.endsWith('.json.meta'))).toHaveLength(1);
    writeFileSync(join(mtuDir, CRON_FILE), '{"schema":1,"succeeded":true,"mtu":1500}\n');
    const afterRound = archiver.acceptedPosts();
    expect(afterRound).toBe(1);

    const plain = await runPsq(['replay', '--since', '2026-11-01'], env(), { cwd: testDir() });
    expect(plain.exitCode, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain('1 results × 1 archivers');
    expect(plain.stdout).toContain('1 cron-runner files without .meta skipped; add --legacy to send them — only to an archiver that never received them');
    expect(archiver.acceptedPosts()).toBe(afterRound + 1);
    expect(archiver.requests.some((r) => (r.body as { dst: { name: string } }).dst.name === 'site-a')).toBe(false);
    expect(readdirSync(mtuDir)).not.toContain(`${CRON_FILE}.meta`);

    const legacy = await runPsq(['replay', '--since', '2026-11-01', '--legacy'], env(), { cwd: testDir() });
    expect(legacy.exitCode, legacy.stdout + legacy.stderr).toBe(0);
    expect(legacy.stdout).toContain('2 results × 1 archivers');
    expect(legacy.stdout).not.toContain('skipped');
    expect(archiver.acceptedPosts()).toBe(afterRound + 1 + 2);
    expect(archiver.requests.filter((r) => (r.body as { dst: { name: string } }).dst.name === 'site-a')).toHaveLength(1);
  });

  it('a .meta that an earlier replay derived from the file name still counts as a cron-runner file', async () => {
    const mtuDir = join(testDir(), 'data', 'mtu');
    mkdirSync(mtuDir, { recursive: true });
    writeFileSync(join(mtuDir, CRON_FILE), '{"schema":1,"succeeded":true,"mtu":1500}\n');
    // As earlier versions of replay wrote it beside the file.
    const derived = {
      run_id: '3f0c2b6e-1d2a-5c3b-8a4f-0123456789ab',
      ts: '2026-11-25T10:00:00Z',
      measureJobId: `legacy__mtu__${CRON_FILE}`,
      testpoint: 'tp-legacy',
      category: 'mtu',
      tool: null,
      direction: 'forward',
      src: { ip: '192.0.2.1', name: 'tp' },
      dst: { ip: '192.0.2.30', name: 'site-a' },
      succeeded: true,
      archived: true,
    };
    writeFileSync(join(mtuDir, `${CRON_FILE}.meta`), `${JSON.stringify(derived)}\n`);
    const plain = await runPsq(['replay', '--since', '2026-11-01'], env(), { cwd: testDir() });
    expect(plain.exitCode, plain.stdout + plain.stderr).toBe(0);
    expect(plain.stdout).toContain('0 results');
    expect(plain.stdout).toContain('1 cron-runner files without .meta skipped');
    expect(archiver.requests).toHaveLength(0);
    const legacy = await runPsq(['replay', '--since', '2026-11-01', '--legacy'], env(), { cwd: testDir() });
    expect(legacy.exitCode, legacy.stdout + legacy.stderr).toBe(0);
    expect(archiver.acceptedPosts()).toBe(1);
    expect((archiver.requests[0]!.body as { run_id: string }).run_id).toBe(derived.run_id);
  });
});
