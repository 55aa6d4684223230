// `psq start responder` alone uses no Redis (preflight.ts usesRedis says so too): it serves iperf3
// while Redis is down, and loads neither the queue nor the measurement modules.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../helpers/ports.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { testDir } from '../helpers/test-context.js';

describe('psq start responder', () => {
  it('starts and serves with nothing listening at REDIS_URL, and stops cleanly', async () => {
    const port = await freePort();
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'responder'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', IPERF3_PORT: String(port), RESPONDER_BIND: '127.0.0.1', REDIS_URL: `redis://127.0.0.1:${await freePort()}`, LOG_FORMAT: 'json' },
      extendEnv: false,
      reject: false,
      cwd: testDir(),
    });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    try {
      await eventually(() => out.includes('psq started') || child.exitCode !== null, { timeoutMs: 20_000, what: 'psq start responder to start' });
      expect(out).toContain('iperf3 server started');
      expect(out).not.toMatch(/Redis/);
    } finally {
      child.kill('SIGTERM');
    }
    const r = await child;
    expect(r.exitCode, out).toBe(0);
  });
});
