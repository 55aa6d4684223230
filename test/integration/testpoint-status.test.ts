// Testpoint liveness end to end: real measure worker processes heartbeat into real Redis; `psq
// status`, the dashboard's /status(.json) and /metrics read them. A SIGKILLed worker's testpoint is
// down within two heartbeat intervals (plus the slack downAfterMs names), the other stays up; a
// cleanly stopped one is down at once. In-process: a Redis outage costs the heartbeat one log line.
import { readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { execa, type ResultPromise } from 'execa';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { readStatusReport } from '../../src/operations/testpoint-status-reader.js';
import { downAfterMs, type StatusReport, type TestpointStatus } from '../../src/operations/testpoint-status.js';
import { testpointKeys, workerMember } from '../../src/operations/testpoint-status-keys.js';
import { plan } from '../../src/plan/plan.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startLiveness, WORKERS_KEPT } from '../../src/roles/heartbeat.js';
import { recordRound, ROUND_TTL_MS, ROUNDS_KEPT } from '../../src/operations/testpoint-status-rounds.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { testConfig } from '../helpers/config.js';
import { eventually } from '../helpers/eventually.js';
import { privateRedis } from '../helpers/private-redis.js';
import { parsePromText, sampleValue } from '../helpers/prom-text.js';
import { PSQ_BIN, runPsq } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { pathWithStandin } from '../helpers/standin.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const INTERVAL_MS = 500;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const silent = createLogger({ level: 'silent' });

function baseEnv(prefix: string, testpoint: string): Record<string, string> {
  return {
    PATH: pathWithStandin(),
    BACKEND: 'pscheduler',
    HOSTS: '192.0.2.10@alpha',
    TESTS: 'rtt',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    TESTPOINT: testpoint,
    DATA_DIR: join(testDir(), `data-${testpoint}`),
    HEARTBEAT_INTERVAL_MS: String(INTERVAL_MS),
    SHUTDOWN_TIMEOUT_S: '5',
  };
}

/** A long-running `psq start ROLES…`; stopped (SIGKILL) after the test whatever happened. */
function startPsq(roles: string[], env: Record<string, string>): { child: ResultPromise; lines: Record<string, unknown>[] } {
  const child = execa(process.execPath, [PSQ_BIN, 'start', ...roles], { env, extendEnv: false, reject: false, cwd: testDir() });
  const lines: Record<string, unknown>[] = [];
  let partial = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts.filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
  });
  onCleanup(async () => {
    child.kill('SIGKILL');
    await child;
  });
  return { child, lines };
}

async function status(env: Record<string, string>): Promise<{ exitCode: number | undefined; report: StatusReport }> {
  const r = await runPsq(['status', '--json'], env, { cwd: testDir(), timeoutMs: 20_000 });
  if (r.stdout.trim() === '') throw new Error(`psq status printed nothing (exit ${r.exitCode}): ${r.stderr}`);
  return { exitCode: r.exitCode, report: JSON.parse(r.stdout) as StatusReport };
}

const find = (report: StatusReport, testpoint: string): TestpointStatus | undefined => report.testpoints.find((t) => t.testpoint === testpoint);

describe('testpoint liveness', () => {
  it('two measure workers are up with host, pid, backend and version; SIGKILL one: down within two heartbeats, the other stays up; a clean stop is down at once', async () => {
    const prefix = testPrefix();
    const a = startPsq(['measure'], baseEnv(prefix, 'tp-a'));
    const b = startPsq(['measure'], baseEnv(prefix, 'tp-b'));
    const { HOSTS: _hosts, ...statusEnv } = baseEnv(prefix, 'tp-b');

    // Both up, found as they are: tp-b from the configuration, tp-a from its queues in Redis.
    const both = await eventually(
      async () => {
        const s = await status(statusEnv);
        return find(s.report, 'tp-a')?.up && find(s.report, 'tp-b')?.up ? s : null;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'both testpoints up in psq status' },
    );
    expect(both.exitCode).toBe(0);
    expect(both.report.ok).toBe(true);
    for (const [tp, proc] of [['tp-a', a], ['tp-b', b]] as const) {
      const t = find(both.report, tp)!;
      expect(t.configured).toBe(tp === 'tp-b');
      expect(t.workers).toHaveLength(1);
      expect(t.workers[0]).toMatchObject({ host: hostname(), pid: proc.child.pid, backend: 'pscheduler', version: VERSION, state: 'up', intervalS: INTERVAL_MS / 1000 });
      expect(t.heartbeatAgeS).toBeLessThanOrEqual(downAfterMs(INTERVAL_MS) / 1000);
    }

    // A round on tp-a: its worker records it; status shows the round and rtt's success.
    const queues = new QueueRegistry(testRedisOptions(), prefix, silent);
    onCleanup(() => queues.close());
    const cfg = testConfig({ ...baseEnv(prefix, 'tp-a'), PATH: '' });
    const slotMs = Date.now() - 1000;
    await fanOut(plan(cfg).specs, slotMs, (n) => queues.get<MeasureJobData>(n), measureJobOptions(cfg));
    const measured = await eventually(
      async () => {
        const t = find((await status(statusEnv)).report, 'tp-a');
        return t?.categories.some((c) => c.category === 'rtt' && c.succeeded === 1) ? t : null;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'the round on tp-a in psq status' },
    );
    expect(measured.categories).toEqual([{ category: 'rtt', rounds: 1, succeeded: 1, failed: 0, skipped: 0, dropped: 0, successRatio: 1 }]);
    expect(measured.lastRound).toMatchObject({ slot: new Date(slotMs).toISOString(), finished: 1 });
    expect(Date.parse(measured.lastRound!.start!)).toBeGreaterThanOrEqual(slotMs);
    expect(Date.parse(measured.lastRound!.end!)).toBeGreaterThanOrEqual(Date.parse(measured.lastRound!.start!));
    expect(measured.queue).toMatchObject({ waiting: 0, oldestWaitingSince: null });

    // The dashboard (its own process, no testpoint of its own) shows the same.
    const dash = startPsq(['dashboard'], { ...statusEnv, TESTPOINT: 'central', DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'pw-status-1' });
    const listening = await eventually(() => dash.lines.find((l) => l['msg'] === 'dashboard listening'), { timeoutMs: 20_000, what: 'the dashboard listening' });
    const base = String(listening['url']).replace(/\/admin\/queues$/, '');
    const auth = { authorization: `Basic ${Buffer.from('ops:pw-status-1').toString('base64')}` };
    expect((await fetch(`${base}/status.json`)).status).toBe(401);
    const dashUp = await eventually(async () => {
      const r = (await (await fetch(`${base}/status.json`, { headers: auth })).json()) as StatusReport;
      return find(r, 'tp-a')?.up && find(r, 'tp-b')?.up ? r : null;
    }, { what: 'both up on /status.json' });
    expect(dashUp.testpoints.map((t) => [t.testpoint, t.configured])).toEqual([['tp-a', false], ['tp-b', false]]);

    // SIGKILL tp-b's worker: no clean-up, no last beat.
    const killedAt = Date.now();
    b.child.kill('SIGKILL');
    await b.child;
    const seen: { at: number; up: boolean; exitCode: number | undefined }[] = [];
    const down = await eventually(
      async () => {
        const s = await status(statusEnv);
        const t = find(s.report, 'tp-b')!;
        seen.push({ at: Date.parse(s.report.now), up: t.up, exitCode: s.exitCode });
        return t.up ? null : s;
      },
      { timeoutMs: 20_000, intervalMs: 100, what: () => `tp-b down (seen: ${JSON.stringify(seen)})` },
    );
    // No report later than two intervals (+ slack) after the kill still said up; Redis' clock is this machine's.
    for (const r of seen.filter((x) => x.up)) expect(r.at - killedAt).toBeLessThanOrEqual(downAfterMs(INTERVAL_MS));
    expect(find(down.report, 'tp-b')!.workers[0]).toMatchObject({ pid: b.child.pid, state: 'down' });
    expect(find(down.report, 'tp-a')!.up).toBe(true);
    // tp-b is this configuration's testpoint: status fails.
    expect(down.exitCode).toBe(1);
    expect(down.report.ok).toBe(false);
    // The table says the same.
    const table = await runPsq(['status'], statusEnv, { cwd: testDir() });
    expect(table.exitCode).toBe(1);
    expect(table.stdout).toMatch(/^tp-a\*\s+up\s/m);
    expect(table.stdout).toMatch(/^tp-b\s+down\s/m);

    // Dashboard: /status.json, /status and /metrics agree.
    const dashDown = (await (await fetch(`${base}/status.json`, { headers: auth })).json()) as StatusReport;
    expect([find(dashDown, 'tp-a')?.up, find(dashDown, 'tp-b')?.up]).toEqual([true, false]);
    const page = await fetch(`${base}/status`, { headers: auth });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toMatch(/<td>tp-a \*<\/td><td class="up">up<\/td>/);
    expect(html).toMatch(/<td>tp-b \*<\/td><td class="down">down<\/td>/);
    const samples = parsePromText(await (await fetch(`${base}/metrics`, { headers: auth })).text());
    expect(sampleValue(samples, 'psq_testpoint_up', { testpoint: 'tp-a' })).toBe(1);
    expect(sampleValue(samples, 'psq_testpoint_up', { testpoint: 'tp-b' })).toBe(0);
    expect(sampleValue(samples, 'psq_testpoint_heartbeat_age_seconds', { testpoint: 'tp-a' })).toBeLessThanOrEqual(downAfterMs(INTERVAL_MS) / 1000);
    expect(sampleValue(samples, 'psq_testpoint_heartbeat_age_seconds', { testpoint: 'tp-b' })).toBeGreaterThan(downAfterMs(INTERVAL_MS) / 1000);

    // SIGTERM tp-a: its last beat says stopped, so it is down at once (a killed worker would read 'down' only after two intervals).
    a.child.kill('SIGTERM');
    expect((await a.child).exitCode).toBe(0);
    const after = await status(statusEnv);
    expect(find(after.report, 'tp-a')).toMatchObject({ up: false, workers: [{ pid: a.child.pid, state: 'stopped' }] });
  });

  it('a Redis outage: the heartbeat logs one line when it starts and one when it ends, and beats again after', async () => {
    const redis = await privateRedis();
    onCleanup(() => redis.destroy());
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination: sink });
    const connection = { host: '127.0.0.1', port: redis.port };
    const liveness = startLiveness({ connection, prefix: 'hb', testpoint: 'tp-x', backend: 'direct', intervalMs: 100, logger, workers: [] });
    onCleanup(() => liveness.close());
    const client = new Redis({ ...connection, lazyConnect: true, retryStrategy: () => 200 });
    client.on('error', () => undefined);
    onCleanup(() => client.disconnect());
    const keys = testpointKeys('hb', 'tp-x');
    const lastBeat = async () => Number(await client.zscore(keys.workers, workerMember(hostname(), process.pid)));
    await eventually(async () => (await lastBeat()) > 0, { what: 'the first beat' });

    await redis.kill();
    await new Promise((r) => setTimeout(r, 1500)); // 15 intervals without Redis
    await redis.start();
    const before = Date.now();
    await eventually(async () => (await lastBeat()) >= before - 50, { timeoutMs: 15_000, what: 'a beat after the outage' });

    const warned = lines.filter((l) => String(l['msg']).startsWith('heartbeat cannot reach Redis'));
    expect(warned).toHaveLength(1);
    expect(lines.filter((l) => l['msg'] === 'heartbeat reaches Redis again')).toHaveLength(1);
    expect(lines.filter((l) => (l['level'] as number) >= 50)).toEqual([]);
    const info = JSON.parse((await client.hget(keys.workerInfo, workerMember(hostname(), process.pid)))!) as Record<string, unknown>;
    expect(info).toMatchObject({ testpoint: 'tp-x', host: hostname(), pid: process.pid, backend: 'direct', version: VERSION, intervalMs: 100, state: 'running' });
  });

  it('readStatusReport answers within its budget when Redis is gone', async () => {
    const redis = await privateRedis();
    onCleanup(() => redis.destroy());
    const client = new Redis({ host: '127.0.0.1', port: redis.port, enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
    client.on('error', () => undefined);
    onCleanup(() => client.disconnect());
    await client.connect();
    await redis.kill();
    const t = Date.now();
    await expect(readStatusReport(client, { prefix: 'x', configured: ['tp'], timeoutMs: 1000 })).rejects.toThrow();
    expect(Date.now() - t).toBeLessThan(2000);
  });

  it('Redis memory stays bounded: the newest ROUNDS_KEPT rounds per category, the newest WORKERS_KEPT workers, every key expiring', async () => {
    const prefix = testPrefix();
    const client = new Redis(TEST_REDIS_URL);
    onCleanup(() => client.disconnect());
    const keys = testpointKeys(prefix, 'tp-m');
    const t0 = Date.parse('2026-12-01T00:00:00Z');
    const slots = Array.from({ length: ROUNDS_KEPT + 3 }, (_, i) => t0 + i * 300_000);
    for (const slotMs of slots) {
      await recordRound(client, prefix, 'tp-m', { category: 'rtt', slotMs, outcome: 'succeeded', startMs: slotMs + 2_000, endMs: slotMs + 9_000 });
      await recordRound(client, prefix, 'tp-m', { category: 'rtt', slotMs, outcome: 'failed', startMs: slotMs + 1_000, endMs: slotMs + 5_000 });
      // Skipped and dropped count, but do not stretch the round's span.
      await recordRound(client, prefix, 'tp-m', { category: 'rtt', slotMs, outcome: 'dropped', startMs: slotMs + 500, endMs: slotMs + 99_000 });
    }
    // A late record for a round already trimmed away does not bring it back.
    await recordRound(client, prefix, 'tp-m', { category: 'rtt', slotMs: slots[0]!, outcome: 'failed', startMs: null, endMs: null });
    const kept = slots.slice(-ROUNDS_KEPT);
    expect((await client.zrange(keys.rounds('rtt'), 0, -1)).map(Number)).toEqual(kept);
    for (const slotMs of slots.slice(0, -ROUNDS_KEPT)) expect(await client.exists(keys.round('rtt', slotMs))).toBe(0);
    const last = kept.at(-1)!;
    expect(await client.hgetall(keys.round('rtt', last))).toEqual({ succeeded: '1', failed: '1', dropped: '1', start: String(last + 1_000), end: String(last + 9_000) });
    for (const key of [keys.rounds('rtt'), keys.round('rtt', last)]) {
      const ttl = await client.pttl(key);
      expect(ttl).toBeGreaterThan(ROUND_TTL_MS - 60_000);
      expect(ttl).toBeLessThanOrEqual(ROUND_TTL_MS);
    }
    const report = await readStatusReport(client, { prefix, configured: ['tp-m'] });
    expect(report.testpoints[0]!.categories).toEqual([{ category: 'rtt', rounds: ROUNDS_KEPT, succeeded: ROUNDS_KEPT, failed: ROUNDS_KEPT, skipped: 0, dropped: ROUNDS_KEPT, successRatio: 0.5 }]);

    // Restarts make new pids: only the most recently seen WORKERS_KEPT stay.
    for (let pid = 1; pid <= WORKERS_KEPT + 2; pid++) {
      const l = startLiveness({ connection: testRedisOptions(), prefix, testpoint: 'tp-m', backend: 'direct', intervalMs: 60_000, logger: silent, workers: [], host: 'h', pid });
      await eventually(async () => (await client.zscore(keys.workers, workerMember('h', pid))) !== null, { what: `worker ${pid}'s beat` });
      await l.close();
    }
    const members = await client.zrange(keys.workers, 0, -1);
    expect(members).toHaveLength(WORKERS_KEPT);
    expect(members).not.toContain(workerMember('h', 1));
    expect(members).toContain(workerMember('h', WORKERS_KEPT + 2));
    expect(await client.hlen(keys.workerInfo)).toBe(WORKERS_KEPT);
    expect(await client.pttl(keys.workers)).toBeGreaterThan(0);
  });

  it("with FLEET_FILE the fleet's testpoints are the configured ones; a broken fleet file exits 2", async () => {
    const prefix = testPrefix();
    const fleet = join(testDir(), 'fleet.yaml');
    writeFileSync(fleet, 'defaults:\n  tests: [rtt]\n  schedule: "*/5 * * * *"\ntestpoints:\n  - id: ship-1\n    hosts: "192.0.2.10@a"\n  - id: ship-2\n    hosts: "192.0.2.11@b"\n');
    const env = { PATH: process.env['PATH'] ?? '', REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, FLEET_FILE: fleet, DATA_DIR: join(testDir(), 'data') };
    const { exitCode, report } = await status(env);
    expect(exitCode).toBe(1);
    expect(report.testpoints.map((t) => [t.testpoint, t.configured, t.up, t.lastHeartbeat])).toEqual([['ship-1', true, false, null], ['ship-2', true, false, null]]);

    writeFileSync(fleet, 'testpoints:\n  - id: "bad id"\n');
    const broken = await runPsq(['status'], env, { cwd: testDir() });
    expect(broken.exitCode).toBe(2);
    expect(broken.stderr).toContain(fleet);
    expect(broken.stdout).toBe('');
  });
});
