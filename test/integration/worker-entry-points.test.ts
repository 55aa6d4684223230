// workers/*.ts, compiled to dist/workers/*.js: one process per role, the same code as `psq start ROLE`.
// Each is started as a real process (plain node, no tsx), must report its role started, and must
// leave with exit code 0 on SIGTERM.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ensureBuilt, REPO } from '../helpers/build.js';
import { freePort } from '../helpers/ports.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

ensureBuilt();



describe('worker entry points (dist/workers/*.js)', () => {
  it.each(['scheduler', 'measure', 'archive', 'dashboard', 'responder'])('node dist/workers/%s.js starts that role alone and exits 0 on SIGTERM', async (role) => {
    const entry = join(REPO, 'dist/workers', `${role}.js`);
    expect(existsSync(entry), entry).toBe(true);
    const env = {
      PATH: process.env['PATH'],
      BACKEND: 'direct',
      HOSTS: '127.0.0.1@loopback',
      TESTS: 'rtt',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: testPrefix(),
      TESTPOINT: `tp-entry-${role}`,
      DATA_DIR: join(testDir(), 'data'),
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: String(await freePort()),
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'pw-entry-31',
      IPERF3_PORT: String(await freePort()),
      RESPONDER_BIND: '127.0.0.1',
      LOG_FORMAT: 'json',
    };
    // Plain node: the entry point must run without tsx or the compiler.
    const child = execa(process.execPath, [entry], { env, extendEnv: false, reject: false, cwd: testDir() });
    const lines: Record<string, unknown>[] = [];
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const complete = out.split('\n');
      out = complete.pop()!;
      for (const l of complete.filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
    });
    try {
      await eventually(() => lines.some((l) => l['msg'] === 'psq started') || child.exitCode !== null, { timeoutMs: 30_000, what: () => JSON.stringify(lines.map((l) => l['msg'])) });
      const started = lines.find((l) => l['msg'] === 'psq started');
      expect(started, `no "psq started" line; got ${JSON.stringify(lines)}`).toBeDefined();
      // This role and no other: the entry point is `psq start ROLE`, not the default role set.
      expect(started!['roles']).toEqual([role]);
    } finally {
      child.kill('SIGTERM');
    }
    const r = await child;
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(lines.some((l) => l['msg'] === 'shutdown complete')).toBe(true);
  });
});
