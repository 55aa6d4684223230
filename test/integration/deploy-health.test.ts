// The compose files' commands, run for real outside Docker: redis-server with exactly the compose
// arguments (with and without REDIS_PASSWORD), and each service's health check against real processes
// (redis-server, and the real dashboard role for /healthz).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { redisAnswers } from '../../src/queues/embedded-redis.js';
import { freePort } from '../helpers/ports.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { deletePrefix, uniquePrefix } from '../helpers/redis.js';
import { loadCompose, repoPath, services } from '../unit/deploy/compose-model.js';
import { eventually } from '../helpers/eventually.js';

const ENV = { HOSTS: '127.0.0.1@localhost', TESTPOINT: 'tp-deploy-test' };
const dirs: string[] = [];
const children: ResultPromise[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.catch(() => undefined);
  }
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** redis-server with the compose service's command, on a private port and directory. */
async function composeRedis(password: string | undefined): Promise<{ port: number; command: string[]; env: Record<string, string> }> {
  const svc = services(loadCompose(['docker-compose-redis.yml'], { ...ENV, REDIS_PASSWORD: password }))['redis']!;
  const [bin, ...args] = svc.command!;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'psq-compose-redis-'));
  dirs.push(dir);
  // The container's Redis listens on 6379 in its own /data; here a free port and a temp dir.
  const child = execa(bin!, [...args, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], { reject: false, stdin: 'ignore' });
  children.push(child);
  const auth = password === undefined ? {} : { password };
  await eventually(() => redisAnswers({ host: '127.0.0.1', port, ...auth }, 200), { timeoutMs: 10_000, what: `the compose redis-server on ${port} to answer` });
  return { port, command: svc.command!, env: svc.environment! };
}

async function redisCli(port: number, env: Record<string, string>, ...args: string[]) {
  const r = await execa('redis-cli', ['-p', String(port), ...args], { env, reject: false });
  return String(r.stdout).trim();
}

/** The compose health check of `service`, run here; for redis-cli, pointed at the test port. */
async function healthcheck(service: string, env: Record<string, string>, redisPort?: number): Promise<number | undefined> {
  const svc = services(loadCompose(['docker-compose-redis.yml'], { ...ENV, REDIS_PASSWORD: env['REDIS_PASSWORD'] }))[service]!;
  const [kind, ...test] = svc.healthcheck!.test;
  // The container's environment: its .env (here ENV) plus what the test passes.
  const full = { PATH: process.env['PATH'] ?? '', ...ENV, ...env };
  const r =
    kind === 'CMD-SHELL'
      ? await execa('sh', ['-c', test[0]!.replace('redis-cli ping', `redis-cli -p ${redisPort} ping`)], { env, reject: false, timeout: 15_000 })
      : await execa(test[0]!, test.slice(1), { env: full, extendEnv: false, reject: false, cwd: repoPath(''), timeout: 15_000 });
  return r.exitCode;
}

describe('compose Redis, for real', () => {
  it('without REDIS_PASSWORD: no password, AOF everysec, noeviction; the health check passes', async () => {
    const { port, env } = await composeRedis(undefined);
    expect(await redisCli(port, {}, 'ping')).toBe('PONG');
    expect(await redisCli(port, {}, 'config', 'get', 'appendonly')).toBe('appendonly\nyes');
    expect(await redisCli(port, {}, 'config', 'get', 'appendfsync')).toBe('appendfsync\neverysec');
    expect(await redisCli(port, {}, 'config', 'get', 'maxmemory-policy')).toBe('maxmemory-policy\nnoeviction');
    expect(await redisCli(port, {}, 'config', 'get', 'requirepass')).toBe('requirepass');
    expect(await healthcheck('redis', env, port)).toBe(0);
  });

  it('with REDIS_PASSWORD: refuses clients without it; the health check authenticates', async () => {
    const { port, env } = await composeRedis('c0ffee42');
    expect(await redisCli(port, {}, 'ping')).toMatch(/NOAUTH/);
    expect(await redisCli(port, { REDISCLI_AUTH: 'c0ffee42' }, 'ping')).toBe('PONG');
    expect(await healthcheck('redis', env, port)).toBe(0);
    expect(await healthcheck('redis', { REDISCLI_AUTH: 'wrong' }, port)).not.toBe(0);
    expect(await healthcheck('redis', { REDISCLI_AUTH: '' }, port)).not.toBe(0);
  });

  it('the redis health check fails when nothing answers', async () => {
    expect(await healthcheck('redis', { REDISCLI_AUTH: '' }, await freePort())).not.toBe(0);
  });
});

describe('scheduler and archive health check (psq health ROLE with the service REDIS_URL)', () => {
  it.each([undefined, 'c0ffee42'])('password %s: passes while the role runs, fails before, with a wrong password or no Redis', async (password) => {
    const { port } = await composeRedis(password);
    // The URL as compose writes it for the stack (redis://:<password>@redis:6379), pointed here.
    const url = `redis://:${password ?? ''}@127.0.0.1:${port}`;
    const prefix = uniquePrefix();
    const env = { REDIS_URL: url, REDIS_PASSWORD: password ?? '', QUEUE_PREFIX: prefix, ARCHIVE_URLS: 'http://127.0.0.1:9/ps' };
    for (const service of ['scheduler', 'archive']) expect(await healthcheck(service, env), `${service} before start`).toBe(1);
    const roles = execa(process.execPath, [PSQ_BIN, 'start', 'scheduler', 'archive'], {
      env: { PATH: process.env['PATH'], ...ENV, ...env, LOG_LEVEL: 'warn' },
      extendEnv: false,
      reject: false,
      cwd: repoPath(''),
    });
    children.push(roles);
    for (const service of ['scheduler', 'archive']) {
      let code: number | undefined = 1;
      for (let i = 0; i < 60 && code !== 0; i++) {
        code = await healthcheck(service, env);
        if (code !== 0) await new Promise((r) => setTimeout(r, 250));
      }
      expect(code, service).toBe(0);
      // (A password sent to a Redis without one is accepted: ioredis only warns.) A refused password is
      // a configuration error: exit 2 with one line (issue 10.7); Docker counts any non-zero as unhealthy.
      if (password !== undefined) expect(await healthcheck(service, { ...env, REDIS_URL: `redis://:nope@127.0.0.1:${port}` }), service).toBe(2);
      expect(await healthcheck(service, { ...env, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }), service).toBe(1);
    }
    await deletePrefix(prefix).catch(() => undefined);
  });
});

describe('dashboard health check (/healthz of the real dashboard role)', () => {
  it('passes while the dashboard reaches Redis, fails when Redis is gone', async () => {
    const { port } = await composeRedis('c0ffee42');
    const dashPort = await freePort();
    const prefix = uniquePrefix();
    const env = {
      PATH: process.env['PATH'],
      HOSTS: ENV.HOSTS,
      REDIS_URL: `redis://:c0ffee42@127.0.0.1:${port}`,
      QUEUE_PREFIX: prefix,
      DASHBOARD_PORT: String(dashPort),
      LOG_LEVEL: 'warn',
    };
    const dashboard = execa(process.execPath, [PSQ_BIN, 'start', 'dashboard'], { env, extendEnv: false, reject: false, cwd: repoPath('') });
    children.push(dashboard);
    let code: number | undefined = 1;
    for (let i = 0; i < 60 && code !== 0; i++) {
      code = await healthcheck('dashboard', { DASHBOARD_PORT: String(dashPort) });
      if (code !== 0) await new Promise((r) => setTimeout(r, 250));
    }
    expect(code).toBe(0);
    await redisCli(port, { REDISCLI_AUTH: 'c0ffee42' }, 'shutdown', 'nosave');
    expect(await healthcheck('dashboard', { DASHBOARD_PORT: String(dashPort) })).toBe(1);
    dashboard.kill('SIGTERM');
    await dashboard;
    expect(await healthcheck('dashboard', { DASHBOARD_PORT: String(dashPort) })).toBe(1);
    await deletePrefix(prefix).catch(() => undefined);
  });
});
