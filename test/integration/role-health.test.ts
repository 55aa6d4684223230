// `psq health ROLE…` against real processes: alive only while a worker of that role is connected.
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { PSQ_BIN, runPsq } from '../helpers/psq.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { pathWithStandin } from '../helpers/standin.js';
import { eventually } from '../helpers/eventually.js';
import { testDir, testPrefix } from '../helpers/test-context.js';


const parse = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as { role: string; ok: boolean; detail: string });

describe('psq health', () => {
  it('queue roles are healthy only while their workers are connected; the responder only while its port accepts', async () => {
    const iperfPort = await freePort();
    const env = {
      PATH: pathWithStandin(),
      BACKEND: 'pscheduler',
      HOSTS: '192.0.2.1@x',
      TESTPOINT: 'tp-health',
      ARCHIVE_URLS: 'http://127.0.0.1:9/ps',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: testPrefix(),
      DATA_DIR: join(testDir(), 'data'),
      IPERF3_PORT: String(iperfPort),
      RESPONDER_BIND: '127.0.0.1',
    };
    const roles = ['scheduler', 'measure', 'archive', 'responder'];
    const before = await runPsq(['health', ...roles], env, { cwd: testDir() });
    expect(before.exitCode).toBe(1);
    expect(parse(before.stdout).map((r) => [r.role, r.ok])).toEqual(roles.map((r) => [r, false]));
    expect(parse(before.stdout)[1]!.detail).toBe('measure-tp-health: 0 worker(s), throughput-tp-health: 0 worker(s)');

    const child = execa(process.execPath, [PSQ_BIN, 'start', ...roles], { env, extendEnv: false, reject: false, cwd: testDir() });
    try {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      await eventually(() => out.includes('psq started'), { timeoutMs: 20_000, what: 'psq to start' });
      const during = await runPsq(['health', ...roles], env, { cwd: testDir() });
      expect(during.exitCode, during.stdout).toBe(0);
      expect(parse(during.stdout).every((r) => r.ok)).toBe(true);
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    const after = await runPsq(['health', 'archive', 'responder'], env, { cwd: testDir() });
    expect(after.exitCode).toBe(1);
  });

  it('Redis not answering: unhealthy at once, without starting an embedded Redis', async () => {
    const t = Date.now();
    const r = await runPsq(['health', 'archive'], { PATH: process.env['PATH'] ?? '', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, ARCHIVE_URLS: 'http://127.0.0.1:9/ps' }, { cwd: testDir() });
    expect(r.exitCode).toBe(1);
    expect(parse(r.stdout)).toEqual([{ role: 'archive', ok: false, detail: 'Redis does not answer' }]);
    expect(Date.now() - t).toBeLessThan(10_000);
  });

  it('needs the roles to check', async () => {
    const r = await runPsq(['health'], { PATH: process.env['PATH'] ?? '' }, { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('health needs the roles to check');
  });
});
