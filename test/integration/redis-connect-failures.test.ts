// Issue 10.7: a wrong Redis password or an unreachable Redis. Every command gives up within 10 s
// with one line saying what to fix (exit 2: the password or URL must change; exit 1: out of reach);
// `psq start` keeps trying, one line per attempt with a growing delay, and connects once Redis is up.
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisAnswers } from '../../src/queues/embedded-redis.js';
import { freePort } from '../helpers/ports.js';
import { privateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { PSQ_BIN, runPsq } from '../helpers/psq.js';
import { pathWithStandin } from '../helpers/standin.js';
import { eventually } from '../helpers/eventually.js';
import { testDir } from '../helpers/test-context.js';

const PASSWORD = 'right-pass-5e1c';
const WRONG = 'wrong-pass-77aa';
// A V8 stack frame as pino or Node print it: "    at fn (file:line:col)".
const STACK_LINE = /^\s+at .+[(:]\d+/m;

let redis: PrivateRedis;
/**
 * Seconds `psq list-tests` takes here: starting node and compiling the sources (the same module graph)
 * on a busy 2-core machine. The 10 s bound is on what psq does after that.
 */
let startupS = 0;

beforeAll(async () => {
  redis = await privateRedis({ requirepass: PASSWORD });
  const t = Date.now();
  await runPsq(['list-tests'], { PATH: process.env['PATH'] ?? '' });
  startupS = (Date.now() - t) / 1000;
});
afterAll(async () => {
  await redis?.destroy();
});

function env(redisUrl: string): Record<string, string> {
  return {
    PATH: pathWithStandin(),
    HOME: testDir(),
    BACKEND: 'pscheduler',
    HOSTS: '192.0.2.10@alpha',
    TESTS: 'rtt',
    ARCHIVE_URLS: 'http://127.0.0.1:9/ps',
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: 'psq-connect-fail',
    TESTPOINT: 'tp-connect',
    DATA_DIR: join(testDir(), 'data'),
  };
}

const COMMANDS: string[][] = [['run-once'], ['replay', '--since', '1d'], ['retry-failed'], ['health', 'scheduler'], ['start', 'measure']];

describe('Redis refuses the password in REDIS_URL', () => {
  for (const argv of COMMANDS) {
    it(`psq ${argv.join(' ')} exits 2 within 10 s with one line naming the password problem, no stack trace`, async () => {
      const started = Date.now();
      const r = await runPsq(argv, env(`redis://:${WRONG}@127.0.0.1:${redis.port}`), { cwd: testDir(), timeoutMs: 30_000 });
      const seconds = (Date.now() - started) / 1000;
      expect(r.exitCode, r.stderr).toBe(2);
      expect(seconds - startupS).toBeLessThan(10);
      const all = `${r.stdout}\n${r.stderr}`;
      const lines = all.split('\n').filter((l) => l.includes('refused the password in REDIS_URL'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`127.0.0.1:${redis.port}`);
      expect(all).not.toMatch(STACK_LINE);
      expect(all).not.toContain(WRONG);
      expect(all).not.toContain(PASSWORD);
    });
  }

  it('no password at all: exit 2 saying REDIS_URL needs one', async () => {
    const r = await runPsq(['run-once'], env(`redis://127.0.0.1:${redis.port}`), { cwd: testDir(), timeoutMs: 30_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('requires a password and REDIS_URL has none');
    expect(r.stderr).not.toMatch(STACK_LINE);
  });

  it('a database number Redis refuses: exit 2 naming it, instead of carrying on in database 0', async () => {
    const r = await runPsq(['run-once'], env(`redis://:${PASSWORD}@127.0.0.1:${redis.port}/999`), { cwd: testDir(), timeoutMs: 30_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('refused the database number in REDIS_URL');
    expect(r.stderr).not.toMatch(STACK_LINE);
    expect(r.stderr).not.toContain(PASSWORD);
  });
});

describe('nothing listens on REDIS_URL', () => {
  for (const argv of [['run-once'], ['retry-failed'], ['health', 'measure']]) {
    it(`psq ${argv.join(' ')} exits 1 within 10 s with one line saying Redis is not reachable`, async () => {
      const port = await freePort();
      const started = Date.now();
      const r = await runPsq(argv, env(`redis://127.0.0.1:${port}`), { cwd: testDir(), timeoutMs: 30_000 });
      expect(r.exitCode, r.stderr).toBe(1);
      expect((Date.now() - started) / 1000 - startupS).toBeLessThan(10);
      const lines = r.stderr.split('\n').filter((l) => l.includes('is not reachable'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`127.0.0.1:${port}`);
      expect(lines[0]).toContain('ECONNREFUSED');
      expect(`${r.stdout}${r.stderr}`).not.toMatch(STACK_LINE);
    });
  }

  it('psq start measure waits: one line per attempt with a growing delay, no stack; connects once redis-server appears', async () => {
    const port = await freePort();
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'measure'], {
      env: env(`redis://127.0.0.1:${port}`),
      extendEnv: false,
      reject: false,
      cwd: testDir(),
      all: true,
    });
    const out: string[] = [];
    child.all!.on('data', (b: Buffer) => out.push(b.toString()));
    const text = () => out.join('');
    const waitingLines = () => text().split('\n').filter((l) => l.includes('is not reachable'));
    let server: ResultPromise | null = null;
    try {
      await eventually(() => waitingLines().length >= 3, { timeoutMs: 30_000 });
      server = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore',
      });
      await eventually(() => redisAnswers({ host: '127.0.0.1', port }, 200), { timeoutMs: 10_000 });
      await eventually(() => text().includes('measure role started'), { timeoutMs: 60_000 });
      const attempts = waitingLines().map((l) => JSON.parse(l) as { attempt: number; retryInMs: number; cause: string });
      expect(attempts.map((a) => a.attempt)).toEqual(attempts.map((_, i) => i + 1));
      for (let i = 1; i < attempts.length; i++) expect(attempts[i]!.retryInMs).toBeGreaterThanOrEqual(attempts[i - 1]!.retryInMs);
      expect(attempts[2]!.retryInMs).toBeGreaterThan(attempts[0]!.retryInMs);
      expect(attempts.every((a) => a.cause === 'ECONNREFUSED')).toBe(true);
      expect(text()).toContain('Redis answers now');
      expect(text()).not.toMatch(STACK_LINE);
      child.kill('SIGTERM');
      const r = await child;
      expect(r.exitCode, `${r.signal} ${text().slice(-3000)}`).toBe(0);
    } finally {
      child.kill('SIGKILL');
      server?.kill('SIGKILL');
      await server;
    }
  });
});

describe('psq start while Redis is out of reach', () => {
  it('Redis goes away under a running worker: short "reconnecting" lines, no stack trace', async () => {
    const port = await freePort();
    const server = execa('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore',
    });
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: env(`redis://127.0.0.1:${port}`), extendEnv: false, reject: false, cwd: testDir(), all: true });
    let text = '';
    child.all!.on('data', (b: Buffer) => {
      text += b.toString();
    });
    try {
      await eventually(() => text.includes('measure role started'), { timeoutMs: 60_000 });
      const before = text.length;
      server.kill('SIGKILL');
      await server;
      await eventually(() => text.slice(before).includes('reconnecting'), { timeoutMs: 30_000 });
      // Give BullMQ a few reconnect attempts (one per second at first).
      await new Promise((r) => setTimeout(r, 4000));
      const during = text.slice(before);
      expect(during).toMatch(/worker error: Redis at REDIS_URL is not reachable \(ECONNREFUSED/);
      expect(during).not.toMatch(STACK_LINE);
      // One line per source and cause (the dropped connection, then the refused reconnects), not one
      // per reconnect attempt.
      const lines = during.split('\n').filter((l) => l.includes('reconnecting'));
      const perSource = new Set(
        lines.map((l) => {
          const record = JSON.parse(l) as { queue: string; msg: string; cause: string };
          return `${record.queue}|${record.msg.split(':')[0]}|${record.cause}`;
        }),
      );
      expect(lines.length, lines.join("\n")).toBe(perSource.size);
    } finally {
      child.kill('SIGKILL');
      server.kill('SIGKILL');
      await child;
    }
  });

  it('SIGTERM while waiting for Redis exits 0 at once', async () => {
    const port = await freePort();
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'measure'], { env: env(`redis://127.0.0.1:${port}`), extendEnv: false, reject: false, cwd: testDir(), all: true });
    let text = '';
    child.all!.on('data', (b: Buffer) => {
      text += b.toString();
    });
    try {
      await eventually(() => text.includes('is not reachable'), { timeoutMs: 30_000 });
      child.kill('SIGTERM');
      const r = await child;
      expect(r.exitCode).toBe(0);
      expect(text).toContain('stopped while waiting for Redis');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
