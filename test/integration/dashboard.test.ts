// The dashboard role over real HTTP on loopback, against the real Redis with a private prefix:
// auth on and off, /healthz with and without Redis, /metrics moved by real BullMQ workers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { archiveJobOptions } from '../../src/jobs/archive-job.js';
import { archiverLabel, exportedMetricNames } from '../../src/dashboard/metrics.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import { startArchiverServer } from '../helpers/archiver-server.js';
import { archiveData, freePort, PASSWORD, spec, startDashboard as start, TOKEN, USER } from '../helpers/dashboard-harness.js';
import { sampleValue } from '../helpers/prom-text.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup } from '../helpers/test-context.js';

describe('dashboard access', () => {
  it('with credentials: 401 without or with wrong ones, 200 with them; /healthz stays open (detail with them)', async () => {
    const d = await start({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD });
    const wrong = { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` };
    for (const headers of [{}, wrong] as Record<string, string>[]) {
      for (const path of ['/admin/queues', '/admin/queues/api/queues', '/metrics']) {
        const res = await d.get(path, headers);
        expect(res.status, path).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
      }
    }
    expect((await d.get('/admin/queues')).status).toBe(200);
    const health = await d.get('/healthz', {});
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', redis: 'ok', queues: 1, workersConnected: 0, waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 });
    expect(await (await d.get('/healthz')).json()).toEqual({
      status: 'ok',
      redis: 'ok',
      roles: ['dashboard'],
      queues: { schedule: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0, workers: 0 } },
    });
  });

  it('without credentials: open, bound to loopback, and says so in the log', async () => {
    const d = await start();
    expect(d.role.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await d.get('/admin/queues/api/queues', {})).status).toBe(200);
    expect(d.lines.join('')).toMatch(/no authentication.*listens on 127\.0\.0\.1 only/);
  });

  it('answers /healthz 503 within 2 s when Redis is not there, and closes promptly', async () => {
    const d = await start({}, { host: '127.0.0.1', port: await freePort() });
    const t0 = Date.now();
    const res = await d.get('/healthz', {});
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'error', redis: 'unreachable' });
    const samples = await d.metrics();
    expect(sampleValue(samples, 'psq_redis_up')).toBe(0);
    const t1 = Date.now();
    await d.role.close();
    await d.role.close();
    expect(Date.now() - t1).toBeLessThan(8000);
  });
});

describe('dashboard metrics', () => {
  it('counts measurements, rounds and deliveries that real workers finish', async () => {
    const archiver = await startArchiverServer({ token: TOKEN });
    onCleanup(() => archiver.close());
    const d = await start({ ARCHIVE_URLS: archiver.url, ARCHIVE_ATTEMPTS: '3', ARCHIVE_BACKOFF_MS: '20', ARCHIVE_BACKOFF_MAX_MS: '50' });
    const label = archiverLabel(archiver.url);
    const archiveQueue = d.queues.get<ArchiveJobData>(archiveQueueName(archiver.url));

    // Measurements: one completes, one fails on its only attempt.
    d.worker('measure-tp1', async (job) => {
      if ((job.data as { spec?: { dest: { name: string } } }).spec?.dest.name === 'site-b') throw new Error('no route to host');
      await new Promise((r) => setTimeout(r, 30));
      return { resultFile: '/data/latency/x.json', runId: 'r1', ts: new Date().toISOString(), succeeded: true, archived: false, archiveJobs: [], skipped: null };
    });
    const slotMs = Date.UTC(2026, 10, 25, 10, 0, 0);
    await d.queues.get('measure-tp1').add('latency a', { spec: spec('site-a', '192.0.2.10'), slotMs }, { jobId: 'tp1__latency__auto__192.0.2.10__forward__1' });
    await d.queues.get('measure-tp1').add('latency b', { spec: spec('site-b', '192.0.2.11'), slotMs }, { jobId: 'tp1__latency__auto__192.0.2.11__forward__1' });
    // A compact job (fan-out.ts): no spec in its data; its id and name tell the labels.
    await d.queues.get('measure-tp1').add('latency auto → site-c (2001:db8::c) forward', { slotMs }, { jobId: 'tp1__latency__auto__2001_db8__c__forward__1' });
    // A round tick, as the scheduler's worker completes it.
    d.worker('schedule', async () => ({ slotMs, measurements: 2 }));
    await d.queues.get('schedule').add('tick', { testpoint: 'tp1', specs: [] });

    // Deliveries through the real archive role: one rejected (400), one retried (503) then delivered.
    const archive = await startArchiveRole({ config: d.config, queues: d.queues, logger: d.logger, shutdownGraceMs: 2000 });
    onCleanup(() => archive.close());
    archiver.enqueue({ status: 400, body: { detail: 'bad' } });
    await archiveQueue.add('rtt a', archiveData(archiver.url, '2026-11-25T10:00:00Z'), { ...archiveJobOptions(d.config), jobId: 'a1' });
    await eventually(async () => (await archiveQueue.getJobState('a1')) === 'failed', { what: 'rejected delivery' });
    archiver.enqueue({ status: 503 });
    await archiveQueue.add('rtt b', archiveData(archiver.url, new Date(Date.now() - 5000).toISOString()), { ...archiveJobOptions(d.config), jobId: 'a2' });
    await eventually(async () => (await archiveQueue.getJobState('a2')) === 'completed', { what: 'delivery after a retry' });

    // An archiver nobody serves: its result waits, an hour old.
    const other = 'https://other.example.org/ps';
    await d.queues.get(archiveQueueName(other)).add('rtt c', archiveData(other, new Date(Date.now() - 3600_000).toISOString()), { jobId: 'c1' });

    const tp = { testpoint: 'tp1', category: 'latency' };
    const s = await eventually(async () => {
      const samples = await d.metrics();
      const ready =
        sampleValue(samples, 'psq_measurements_total', { ...tp, outcome: 'completed' }) === 2 &&
        sampleValue(samples, 'psq_measurements_total', { ...tp, outcome: 'failed' }) === 1 &&
        sampleValue(samples, 'psq_archive_deliveries_total', { archiver: label, outcome: 'delivered' }) === 1 &&
        sampleValue(samples, 'psq_archive_undelivered_jobs', { archiver: other }) === 1 &&
        sampleValue(samples, 'psq_round_last_success_timestamp_seconds', { testpoint: 'tp1' }) !== undefined;
      return ready && samples;
    }, { what: 'metrics to catch up' });
    expect(sampleValue(s, 'psq_redis_up')).toBe(1);
    expect(sampleValue(s, 'psq_archive_deliveries_total', { archiver: label, outcome: 'rejected' })).toBe(1);
    expect(sampleValue(s, 'psq_archive_deliveries_total', { archiver: label, outcome: 'retry' })).toBe(1);
    expect(sampleValue(s, 'psq_archive_consecutive_failures', { archiver: label })).toBe(0);
    expect(sampleValue(s, 'psq_archive_delivery_lag_seconds_count', { archiver: label })).toBe(1);
    expect(sampleValue(s, 'psq_archive_delivery_lag_seconds_sum', { archiver: label })).toBeGreaterThanOrEqual(5);
    expect(sampleValue(s, 'psq_archive_undelivered_jobs', { archiver: label })).toBe(0);
    expect(sampleValue(s, 'psq_archive_oldest_undelivered_age_seconds', { archiver: other })).toBeCloseTo(3600, -2);
    expect(sampleValue(s, 'psq_measurement_duration_seconds_count', { category: 'latency' })).toBe(2);
    const lastSuccess = sampleValue(s, 'psq_measurement_last_success_timestamp_seconds', { ...tp, dest: 'site-a', dest_ip: '192.0.2.10' });
    expect(Math.abs(lastSuccess! - Date.now() / 1000)).toBeLessThan(60);
    expect(sampleValue(s, 'psq_measurement_last_success_timestamp_seconds', { ...tp, dest: 'site-b' })).toBeUndefined();
    expect(sampleValue(s, 'psq_measurement_last_success_timestamp_seconds', { ...tp, dest: 'site-c', dest_ip: '2001:db8::c' })).toBeGreaterThan(0);
    expect(sampleValue(s, 'psq_round_last_success_timestamp_seconds', { testpoint: 'tp1' })).toBe(slotMs / 1000);
    expect(sampleValue(s, 'psq_queue_jobs', { queue: 'measure-tp1', state: 'failed' })).toBe(1);
    expect(sampleValue(s, 'psq_queue_jobs', { queue: archiveQueueName(archiver.url), state: 'failed' })).toBe(1);

    // Every metric the Grafana dashboard queries is exported by this very endpoint.
    const text = await (await d.get('/metrics')).text();
    const grafana = readFileSync(new URL('../../deploy/grafana/perfsonar-queue.json', import.meta.url), 'utf8');
    const used = new Set([...grafana.matchAll(/\bpsq_[a-z0-9_]+/g)].map((m) => m[0]));
    const exported = exportedMetricNames(text);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });
});

