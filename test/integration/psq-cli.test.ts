// `psq` end to end, as a user runs it: stand-in pscheduler → files on disk → real archiver server.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { execaSync } from 'execa';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { psqEnv, runPsq } from '../helpers/psq.js';
import { keysWithPrefix } from '../helpers/redis.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const TOKEN = 'cli-test-token-8d1f';
let archiver: ArchiverServer;

beforeEach(async () => {
  archiver = await startArchiverServer({ token: TOKEN });
  onCleanup(() => archiver.close());
});

function env(over: Record<string, string> = {}): Record<string, string> {
  return psqEnv({
    HOSTS: '192.0.2.10@alpha beta.example.org',
    ARCHIVE_URLS: archiver.url,
    AUTH_TOKEN: TOKEN,
    TESTPOINT: 'tp-cli',
    MEASURE_RETRY_DELAY_MS: '50',
    ARCHIVE_BACKOFF_MS: '100',
    PSQ_STANDIN_LOG: join(testDir(), 'standin.log'),
    ...over,
  });
}

describe('psq CLI', () => {
  it('plan prints one JSON object per planned measurement, and says why latency has no reverse run', async () => {
    const r = await runPsq(['plan'], env({ TOOL_MODE: 'all', TESTS: 'latency,throughput' }), { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    // 2 hosts × (owping, twping fwd+rev, halfping, iperf3 fwd+rev)
    expect(lines).toHaveLength(12);
    expect(Object.keys(lines[0])).toEqual(['testpoint', 'category', 'tool', 'dest', 'source', 'direction', 'args']);
    expect(lines[0]).toEqual({ testpoint: 'tp-cli', category: 'latency', tool: 'owping', dest: { ip: '192.0.2.10', name: 'alpha' }, source: null, direction: 'forward', args: [] });
    expect(r.stderr).toContain('note: latency/owping: no reverse run: owping ignores --reverse');
    expect(await keysWithPrefix(testPrefix())).toEqual([]);
  });

  it('plan shows the backend, and marks what the direct backend cannot measure as skipped', async () => {
    const r = await runPsq(['plan'], env({ BACKEND: 'direct', TESTS: 'rtt clock', HOSTS: '192.0.2.10@alpha' }), { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('backend: direct (BACKEND=direct)');
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.category, l.skipped ?? null])).toEqual([
      ['rtt', null],
      ['clock', expect.stringContaining('clock needs pScheduler')],
    ]);
  });

  it('direct backend without iperf3 installed: the round still measures the rest and names the missing tool', async () => {
    const bin = join(testDir(), 'bin-without-iperf3');
    mkdirSync(bin);
    for (const b of ['node', 'tracepath']) symlinkSync(execaSync('sh', ['-c', `command -v ${b}`]).stdout.trim(), join(bin, b));
    const r = await runPsq(['run-once'], env({ PATH: bin, BACKEND: 'direct', HOSTS: '127.0.0.1@localhost', TESTS: 'mtu throughput', REVERSE: 'false', ARCHIVE_URLS: '' }), { cwd: testDir() });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/mtu\s+1 \/ 0 \/ 0/);
    expect(r.stdout).toContain('iperf3 is not installed (Debian/Ubuntu package: iperf3)');
    expect(r.stderr).toContain('no iperf3 responder for this round');
  });

  it('list-tests names every category and its tools', async () => {
    const r = await runPsq(['list-tests'], { PATH: process.env['PATH'] });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^latency\s+tools: owping, twping, halfping/m);
    expect(r.stdout).toMatch(/^clock\s+tools: psclock/m);
  });

  it('bad configuration: exit 2, every bad variable named with its value and what is expected, nothing enqueued', async () => {
    const r = await runPsq(['run-once'], env({ HOSTS: '192.0.2.1@ok $(id)', TZ: 'Mars/Olympus', CRON_EXPRESSION: '* * *', TESTS: 'rtt,speedtest', AUTH_TOKEN: 'tok' }), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('4 problems');
    expect(r.stderr).toMatch(/HOSTS\[1\]="\$\(id\)": expected/);
    expect(r.stderr).toMatch(/TZ="Mars\/Olympus": expected/);
    expect(r.stderr).toMatch(/CRON_EXPRESSION="\* \* \*": expected/);
    expect(r.stderr).toMatch(/TESTS="rtt,speedtest": expected/);
    expect(r.stdout).toBe('');
    expect(await keysWithPrefix(testPrefix())).toEqual([]);
    expect(existsSync(join(testDir(), 'data'))).toBe(false);
  });

  it('stand-in run-once: every measurement on disk, every result delivered, exit 0 and a summary', async () => {
    const r = await runPsq(['run-once'], env(), { cwd: testDir() });
    expect(r.stderr).not.toContain(TOKEN);
    expect(r.stdout).not.toContain(TOKEN);
    expect(r.exitCode, r.stdout + r.stderr.slice(-3000)).toBe(0);
    // auto mode: latency, rtt, throughput fwd+rev, trace, mtu, clock = 7 per host
    expect(r.stdout).toContain('round ');
    expect(r.stdout).toContain('14 measurements');
    expect(r.stdout).toMatch(/throughput\s+4 \/ 0/);
    expect(r.stdout).toContain(`${archiver.url}  14 / 0 / 0`);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('OK');
    expect(archiver.distinctRecords()).toBe(14);
    expect(archiver.acceptedPosts()).toBe(14);
    const post = archiver.requests[0]!;
    expect(post.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(post.path).toMatch(/^\/ps\/measurements\/(latency|rtt|throughput|trace|mtu|clock)$/);
    expect(post.query).toContain('upsert=true');
    const files = ['latency', 'rtt', 'throughput', 'trace', 'mtu', 'clock'].flatMap((c) => readdirSync(join(testDir(), 'data', c)).filter((f) => f.endsWith('.json')));
    expect(files).toHaveLength(14);
    // Logs are JSON lines (on stderr for run-once, so stdout stays the summary).
    const logLines = r.stderr.trim().split('\n').map((l) => JSON.parse(l));
    expect(logLines.some((l) => l.msg === 'measurement succeeded' && l.jobId && l.category && l.targetHost)).toBe(true);
  });

  it('stand-in run-once with the archiver answering 400: exit 1, the failure named in the summary', async () => {
    archiver.setDefaultMode({ status: 400, body: { detail: 'schema says no' } });
    const r = await runPsq(['run-once'], env({ TESTS: 'mtu', HOSTS: '192.0.2.10@alpha' }), { cwd: testDir() });
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain(`${archiver.url}  0 / 1 / 0`);
    expect(r.stdout).toContain('400');
    expect(r.stdout).toContain('schema says no');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('FAILED');
    expect(archiver.requests).toHaveLength(1);
  });

  it('stand-in run-once with one archiver 503 once: retried and delivered, exit 0', async () => {
    archiver.failNext(1, { status: 503 });
    const r = await runPsq(['run-once'], env({ TESTS: 'rtt', HOSTS: '192.0.2.10@alpha' }), { cwd: testDir() });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(archiver.requests.map((q) => q.status)).toEqual([503, 200]);
    const [a, b] = archiver.requests.map((q) => q.body as { run_id: string; ts: string });
    expect(b!.run_id).toBe(a!.run_id);
    expect(b!.ts).toBe(a!.ts);
  });

  it('reads .env from the working directory; the process environment wins over it', async () => {
    writeFileSync(join(testDir(), '.env'), 'HOSTS=203.0.113.5@from-file\nTESTS=mtu\nTESTPOINT=from-file\n');
    const e = env();
    delete e['HOSTS'];
    delete e['TESTPOINT'];
    const r = await runPsq(['plan'], { ...e, TESTS: 'clock' }, { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ testpoint: 'from-file', category: 'clock', dest: { ip: '203.0.113.5', name: 'from-file' } })]);
  });
});
