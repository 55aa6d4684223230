// `psq start` as a long-running process: roles come up, a round flows through, SIGTERM exits 0.
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { plan } from '../../src/plan/plan.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { archiveQueueName, SCHEDULE_QUEUE } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { schedulerIdFor } from '../../src/schedule/scheduler-sync.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { privateRedis } from '../helpers/private-redis.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { pathWithStandin } from '../helpers/standin.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
let archiver: ArchiverServer;
let queues: QueueRegistry;

beforeEach(async () => {
  archiver = await startArchiverServer({ token: 'tok-start' });
  onCleanup(() => archiver.close());
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
});

describe('psq start', () => {
  it('stand-in: runs scheduler, measure and archive roles; a round is measured and delivered; SIGTERM exits 0', async () => {
    const env = {
      PATH: pathWithStandin(),
      BACKEND: 'pscheduler',
      HOSTS: '192.0.2.10@alpha',
      TESTS: 'rtt mtu',
      ARCHIVE_URLS: archiver.url,
      AUTH_TOKEN: 'tok-start',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: testPrefix(),
      TESTPOINT: 'tp-start',
      DATA_DIR: join(testDir(), 'data'),
      CRON_EXPRESSION: '*/5 * * * *',
      TZ: 'Europe/Oslo',
      DASHBOARD_PORT: '0',
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_USER: 'ops',
      DASHBOARD_PASSWORD: 'pw-start-77',
    };
    const auth = { authorization: `Basic ${Buffer.from('ops:pw-start-77').toString('base64')}` };
    const child = execa(process.execPath, [PSQ_BIN, 'start'], { env, extendEnv: false, reject: false, cwd: testDir() });
    const lines: Record<string, unknown>[] = [];
    child.stdout!.on('data', (chunk: Buffer) => {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l));
    });
    await eventually(() => lines.some((l) => l['msg'] === 'psq started'), { timeoutMs: 20_000 });

    // Right after start, before any job exists: the dashboard lists this stack's own queues, which
    // are in its configuration (not found by a discovery pass up to 30 s later).
    const dash = lines.find((l) => typeof l['url'] === 'string' && String(l['url']).endsWith('/admin/queues'));
    const healthz = String(dash!['url']).replace('/admin/queues', '/healthz');
    const first = (await (await fetch(healthz, { headers: auth })).json()) as { queues: Record<string, unknown> };
    expect(Object.keys(first.queues)).toEqual(['schedule', 'measure-tp-start', 'throughput-tp-start', archiveQueueName(archiver.url)]);

    const cfg = testConfig({ ...env, PATH: '' });
    const schedulers = await queues.get(SCHEDULE_QUEUE).getJobSchedulers(0, -1);
    expect(schedulers.map((s) => [s.key, s.pattern, s.tz])).toEqual([[schedulerIdFor({ testpoint: 'tp-start', pattern: '*/5 * * * *', tz: 'Europe/Oslo' }), '*/5 * * * *', 'Europe/Oslo']]);

    // What a tick does, without waiting for the next 5-minute boundary.
    await fanOut(plan(cfg).specs, Date.now(), (n) => queues.get<MeasureJobData>(n), measureJobOptions(cfg));
    await eventually(() => archiver.distinctRecords() === 2, { timeoutMs: 20_000 });

    // The dashboard (default role set) reports Redis and the workers connected to each queue.
    const health = await fetch(healthz, { headers: auth });
    expect(health.status).toBe(200);
    const body = (await health.json()) as { redis: string; roles: string[]; queues: Record<string, { workers: number; completed: number }> };
    expect(body.redis).toBe('ok');
    expect(body.roles).toEqual(['scheduler', 'measure', 'archive', 'dashboard']);
    expect(body.queues['measure-tp-start']).toMatchObject({ workers: 1, completed: 2 });

    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode).toBe(0);
    expect(lines.map((l) => l['msg'])).toEqual(expect.arrayContaining(['measure role started', 'archive role started', 'job scheduler upserted', 'shutdown complete']));
    expect(JSON.stringify(lines)).not.toContain('tok-start');
    expect(JSON.stringify(lines)).not.toContain('pw-start-77');
    expect(lines.every((l) => typeof l['time'] === 'string' && typeof l['level'] === 'number')).toBe(true);
  });
});

describe('psq start, partial role sets', () => {
  it('archive role alone, no HOSTS and no ARCHIVE_URLS: stays up idle, SIGTERM exits 0', async () => {
    const env = { PATH: process.env['PATH'] ?? '', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: testPrefix(), DATA_DIR: join(testDir(), 'data') };
    const child = execa(process.execPath, [PSQ_BIN, 'start', 'archive'], { env, extendEnv: false, reject: false, cwd: testDir() });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    await eventually(() => out.includes('psq started'), { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    expect(child.exitCode).toBeNull(); // still running
    expect(out).toContain('nothing to deliver; it stays idle');
    child.kill('SIGTERM');
    expect((await child).exitCode).toBe(0);
  });

  it('SIGTERM while Redis is gone: the process still ends (exit 1, said in the log) within SHUTDOWN_TIMEOUT_S + 5 s', async () => {
    const redis = await privateRedis();
    try {
      const env = { PATH: process.env['PATH'] ?? '', REDIS_URL: redis.url, ARCHIVE_URLS: archiver.url, DATA_DIR: join(testDir(), 'data'), SHUTDOWN_TIMEOUT_S: '1' };
      // No SIGKILL from execa 5 s after our SIGTERM: the test is about what psq does by itself.
      const child = execa(process.execPath, [PSQ_BIN, 'start', 'archive'], { env, extendEnv: false, reject: false, cwd: testDir(), forceKillAfterDelay: false });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      await eventually(() => out.includes('psq started'), { timeoutMs: 20_000 });
      await redis.kill();
      const t = Date.now();
      child.kill('SIGTERM');
      const r = await child;
      expect(Date.now() - t).toBeLessThan(10_000);
      expect(r.exitCode, `signal ${r.signal}`).toBe(1);
      expect(out).toContain('shutdown did not finish in time (Redis unreachable?); exiting anyway');
    } finally {
      await redis.destroy();
    }
  });
});
