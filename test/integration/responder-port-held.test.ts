// An iperf3 server already holding the responder's port (an orphan of an earlier responder, or
// anything else) is reported with its pid, not looped on while claiming "iperf3 server started";
// and a SIGKILLed responder does not leave its own iperf3 server behind.
import { Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { holdsListeningPort } from '../../src/roles/port-holder.js';
import { startResponderRole } from '../../src/roles/responder-role.js';
import { freePort } from '../helpers/archive-harness.js';
import { isAlive, pidsWithArgs } from '../helpers/procs.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { eventually } from '../helpers/eventually.js';

const started: ResultPromise[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.pid !== undefined && isAlive(p.pid)) p.kill('SIGKILL');
    await p.catch(() => undefined);
  }
});

function capturingLogger() {
  const lines: { msg: string; [k: string]: unknown }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** A real iperf3 server on loopback holding `port` (started by the test, killed after it). */
async function holdPort(port: number): Promise<{ pid: number; kill: () => Promise<unknown> }> {
  const holder = execa('iperf3', ['-s', '-B', '127.0.0.1', '-p', String(port)], { reject: false });
  started.push(holder);
  await eventually(() => holdsListeningPort(holder.pid!, port), { timeoutMs: 5000, what: 'the holder to listen' });
  // Not the ResultPromise itself: returning a thenable from an async function would wait for it to end.
  return { pid: holder.pid!, kill: () => (holder.kill('SIGKILL'), holder) };
}

describe('responder and a port already in use (real iperf3)', () => {
  it('at start-up: a clear error naming the port and the pid holding it; no "iperf3 server started"', async () => {
    const port = await freePort();
    const holder = await holdPort(port);
    const { logger, lines } = capturingLogger();
    const attempt = startResponderRole({ port, bind: '127.0.0.1', logger, processEnv: process.env, restartDelayMs: 50, maxRestartDelayMs: 100 });
    await expect(attempt).rejects.toThrow(
      new RegExp(`port ${port} is already in use by pid ${holder.pid} \\(iperf3 -s -B 127\\.0\\.0\\.1 -p ${port}\\); stop it \\(kill ${holder.pid}\\)`),
    );
    await new Promise((r) => setTimeout(r, 500)); // would be several restarts with the old loop
    expect(lines.filter((l) => l.msg === 'iperf3 server started')).toEqual([]);
    expect(pidsWithArgs('iperf3', '-s', '-p', String(port)).filter((p) => p !== holder.pid)).toEqual([]);
  });

  it('`psq start responder` with its port held: exit 2 and one line naming port and pid, no stack trace', async () => {
    const port = await freePort();
    const holder = await holdPort(port);
    const r = await execa(process.execPath, [PSQ_BIN, 'start', 'responder'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', IPERF3_PORT: String(port), RESPONDER_BIND: '127.0.0.1', BACKEND: 'direct', REDIS_URL: 'redis://127.0.0.1:6379' },
      extendEnv: false,
      reject: false,
      timeout: 30_000,
    });
    expect(r.exitCode).toBe(2);
    expect(String(r.stderr)).toContain(`psq: iperf3 server cannot listen: port ${port} is already in use by pid ${holder.pid}`);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/iperf3 server started|    at /);
  });

  it('later: a port taken while the server was down is reported (with the pid) and retried slowly, then served again', async () => {
    const port = await freePort();
    const { logger, lines } = capturingLogger();
    const role = await startResponderRole({ port, bind: '127.0.0.1', logger, processEnv: process.env, restartDelayMs: 400, maxRestartDelayMs: 800 });
    try {
      expect(lines.filter((l) => l.msg === 'iperf3 server started')).toHaveLength(1);
      process.kill(role.pid()!, 'SIGKILL');
      const holder = await holdPort(port); // within the 400 ms restart delay
      await eventually(() => lines.some((l) => l.level === 50 && String(l.msg).includes(`port ${port} is already in use by pid ${holder.pid}`)), { timeoutMs: 5000, what: 'the error' });
      await new Promise((r) => setTimeout(r, 1000));
      const startsWhileHeld = role.starts();
      expect(startsWhileHeld).toBeLessThanOrEqual(4); // 800 ms apart, not a tight loop
      expect(lines.filter((l) => l.msg === 'iperf3 server started')).toHaveLength(1);
      await holder.kill();
      await eventually(() => lines.filter((l) => l.msg === 'iperf3 server started').length === 2, { timeoutMs: 5000, what: 'the server to come back' });
    } finally {
      await role.close();
    }
  });

  it('a SIGKILLed `psq start responder` takes its iperf3 server with it', async () => {
    const port = await freePort();
    const psq = execa(process.execPath, [PSQ_BIN, 'start', 'responder'], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', IPERF3_PORT: String(port), RESPONDER_BIND: '127.0.0.1', BACKEND: 'direct', REDIS_URL: 'redis://127.0.0.1:6379' },
      extendEnv: false,
      reject: false,
    });
    started.push(psq);
    const server = () => pidsWithArgs('iperf3', '-s', '-p', String(port));
    await eventually(() => server().length === 1, { timeoutMs: 15_000, what: 'the responder\'s iperf3 server' });
    psq.kill('SIGKILL');
    await psq;
    try {
      await eventually(() => server().length === 0, { timeoutMs: 3000, what: 'the iperf3 server to die with its responder' });
    } finally {
      for (const pid of server()) process.kill(pid, 'SIGKILL'); // only this test's port
    }
  });
});
