// The responder keeps a real iperf3 server answering on loopback, restarts it when it dies, stops it on close.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { createLogger } from '../../src/logger.js';
import { startResponderRole } from '../../src/roles/responder-role.js';
import { eventually } from '../helpers/eventually.js';

const logger = createLogger({ level: 'silent' });


async function throughputTo(port: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const r = await execa('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', '1', '-J'], { reject: false, timeout: 15_000 });
    const json = JSON.parse(String(r.stdout) || '{}');
    if (!json.error && json.end?.sum_received?.bits_per_second) return json.end.sum_received.bits_per_second as number;
    await new Promise((res) => setTimeout(res, 100)); // the server may still be binding
  }
  throw new Error('iperf3 server never answered');
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('responder role (real iperf3 on loopback)', () => {
  it('answers throughput tests, comes back after being killed, and is gone after close', async () => {
    const port = await freePort();
    const role = await startResponderRole({ port, bind: '127.0.0.1', logger, processEnv: process.env, restartDelayMs: 100 });
    try {
      expect(await throughputTo(port)).toBeGreaterThan(1e6);
      const firstPid = role.pid()!;
      process.kill(firstPid, 'SIGKILL');
      await eventually(() => role.starts() >= 2 && role.pid() !== undefined, { timeoutMs: 5000, what: 'the responder to restart iperf3' });
      expect(role.starts()).toBe(2);
      expect(role.pid()).not.toBe(firstPid);
      expect(await throughputTo(port)).toBeGreaterThan(1e6);
    } finally {
      const pid = role.pid();
      await role.close();
      if (pid) expect(alive(pid)).toBe(false);
    }
  });

  it('a missing iperf3 is a clear start-up error', async () => {
    await expect(startResponderRole({ port: 5999, bind: null, logger, processEnv: process.env, iperf3Bin: '/nonexistent/iperf3' })).rejects.toThrow(/not found: the responder role needs iperf3/);
  });
});
