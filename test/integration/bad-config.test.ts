// Issue 10.9: a .env with several bad values → the real psq exits 2 naming every one of them at once,
// no stack trace, nothing enqueued; the checks against this machine (DATA_DIR, ARCHIVE_CA_FILE, the
// dashboard's port) are part of that report.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataDirProblem } from '../../src/cli/preflight.js';
import { runPsq } from '../helpers/psq.js';
import { keysWithPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { pathWithStandin } from '../helpers/standin.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

const STACK_LINE = /^\s+at .+[(:]\d+/m;


function baseEnv(over: Record<string, string> = {}): Record<string, string> {
  return { PATH: pathWithStandin(), HOME: testDir(), REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: testPrefix(), TESTPOINT: 'tp-badcfg', ...over };
}

describe('bad configuration', () => {
  it('a .env with many bad values: exit 2, every one named at once, no stack trace, nothing enqueued', async () => {
    // A file where DATA_DIR's parent should be: not even root can create the directory.
    writeFileSync(join(testDir(), 'blocker'), '');
    const longName = 'n'.repeat(240);
    writeFileSync(
      join(testDir(), '.env'),
      [
        `HOSTS=192.0.2.10@alpha 192.0.2.11@${longName}`,
        'THROUGHPUT_ARGS=-t -5 -P 999',
        'RTT_ARGS=--count -1',
        'IPERF3_ARGS=-P 0',
        'HOST_IP=not-an-address',
        `HOST_NAME=${'h'.repeat(300)}`,
        `DATA_DIR=${join(testDir(), 'blocker', 'data')}`,
        'ARCHIVE_URLS=http://127.0.0.1:9/ps',
        `ARCHIVE_CA_FILE=${join(testDir(), 'no-such-ca.pem')}`,
        'REDIS_URL=redis://127.0.0.1:6379?password=SECRET-IN-QUERY',
      ].join('\n'),
    );
    const env = baseEnv();
    delete env['REDIS_URL'];
    const r = await runPsq(['run-once'], env, { cwd: testDir(), timeoutMs: 60_000 });
    expect(r.exitCode, r.stderr).toBe(2);
    for (const expected of [
      'HOSTS[1]=',
      'shorten it by',
      '-t -5: expected test duration',
      '-P 999: expected parallel streams, a whole number from 1 to 128',
      '--count -1: expected packets to send',
      'IPERF3_ARGS="-P 0"',
      'HOST_IP="not-an-address"',
      'HOST_NAME=',
      'DATA_DIR=',
      'is not a directory (ENOTDIR)',
      'ARCHIVE_CA_FILE=',
      'ENOENT',
      'REDIS_URL=',
    ]) {
      expect(r.stderr).toContain(expected);
    }
    expect(r.stderr).toMatch(/invalid configuration \(9 problems\)/);
    expect(r.stderr).not.toContain('SECRET-IN-QUERY');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(await keysWithPrefix(testPrefix())).toEqual([]);
  });

  it('REDIS_URL whose password does not decode: exit 2 naming REDIS_URL, not a URIError stack trace', async () => {
    const r = await runPsq(['retry-failed'], baseEnv({ REDIS_URL: 'redis://:pa%zzword@127.0.0.1:6379', ARCHIVE_URLS: 'http://127.0.0.1:9/ps' }), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('REDIS_URL=');
    expect(r.stderr).not.toContain('URIError');
    expect(r.stderr).not.toContain('pa%zzword');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('-P 999 is refused before anything is measured (it used to fail every run with iperf3 usage text)', async () => {
    const r = await runPsq(['run-once'], baseEnv({ HOSTS: '127.0.0.1@lo', TESTS: 'throughput', THROUGHPUT_ARGS: '-P 999', DATA_DIR: join(testDir(), 'data') }), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('THROUGHPUT_ARGS="-P 999"');
    expect(await keysWithPrefix(testPrefix())).toEqual([]);
  });

  describe('the dashboard port is taken', () => {
    let holder: Server;
    let port: number;
    beforeEach(async () => {
      holder = createServer();
      await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
      port = (holder.address() as { port: number }).port;
    });
    afterEach(async () => {
      await new Promise((r) => holder.close(r));
    });

    it('psq start dashboard: exit 2 with one line naming DASHBOARD_PORT, no stack trace', async () => {
      const r = await runPsq(['start', 'dashboard'], baseEnv({ DASHBOARD_PORT: String(port) }), { cwd: testDir(), timeoutMs: 60_000 });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`DASHBOARD_PORT="${port}": expected a port free on 127.0.0.1 for the dashboard (EADDRINUSE`);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK_LINE);
    });
  });

  it('a missing ARCHIVE_CA_FILE: psq start archive exits 2 naming it, no stack trace', async () => {
    const r = await runPsq(['start', 'archive'], baseEnv({ ARCHIVE_URLS: 'https://127.0.0.1:9/ps', ARCHIVE_CA_FILE: join(testDir(), 'missing.pem') }), { cwd: testDir(), timeoutMs: 60_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('ARCHIVE_CA_FILE=');
    expect(r.stderr).toContain('cannot read the file (ENOENT)');
    expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK_LINE);
  });
});

describe('dataDirProblem (the DATA_DIR check against the real filesystem)', () => {
  it('a writable directory, or a missing one under a writable parent, is fine, and nothing is created or left', async () => {
    expect(await dataDirProblem(testDir())).toBeNull();
    expect(readdirSync(testDir())).toEqual([]);
    expect(await dataDirProblem(join(testDir(), 'a', 'b'))).toBeNull();
    expect(existsSync(join(testDir(), 'a'))).toBe(false);
  });

  it('under a file, or a file itself: named with the errno', async () => {
    writeFileSync(join(testDir(), 'f'), '');
    expect(await dataDirProblem(join(testDir(), 'f', 'data'))).toBe(`cannot create it: ${join(testDir(), 'f')} is not a directory (ENOTDIR)`);
    expect(await dataDirProblem(join(testDir(), 'f'))).toBe('it is not a directory (ENOTDIR)');
  });
});
