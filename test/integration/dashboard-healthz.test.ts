// /healthz of the real dashboard role over HTTP: without valid credentials up/down and totals only
// (queue names carry testpoint ids and archiver hosts); with them, the per-queue detail.
import { describe, expect, it } from 'vitest';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { AUTH, PASSWORD, rawRequest, startDashboard as start, USER } from '../helpers/dashboard-harness.js';
import { eventually } from '../helpers/eventually.js';

const ARCHIVER = 'https://arch-7q.secret-host.example:8443/ps';
const TESTPOINT = 'tp-hidden-42';

/** A deployment with one testpoint queue holding a failed and a waiting job, and one archiver. */
async function deployment(env: Record<string, string>) {
  const d = await start({ ARCHIVE_URLS: ARCHIVER, ...env });
  const measure = d.queues.get(`measure-${TESTPOINT}`);
  await measure.add('a', { spec: {} }, { jobId: 'w1' });
  d.worker(`throughput-${TESTPOINT}`, async () => {
    throw new Error('no route');
  });
  await d.queues.get(`throughput-${TESTPOINT}`).add('t', { spec: {} }, { jobId: 'f1', attempts: 1 });
  await eventually(async () => (await d.queues.get(`throughput-${TESTPOINT}`).getJobState('f1')) === 'failed', { what: 'failed job' });
  // Until discovery has found both testpoint queues (it runs every 200 ms in the harness).
  await eventually(async () => {
    const r = await rawRequest(`${d.role.url}/healthz`, 'GET', { host: '127.0.0.1', ...(env['DASHBOARD_USER'] ? AUTH : {}) });
    const body = JSON.parse(r.text) as { queues: number | Record<string, unknown> };
    const n = typeof body.queues === 'number' ? body.queues : Object.keys(body.queues).length;
    return n === 4;
  }, { timeoutMs: 10_000, what: 'queues discovered' });
  return d;
}

/** Nothing that names a queue, a testpoint, an archiver or a role. */
function expectNoNames(text: string) {
  for (const secret of [TESTPOINT, 'secret-host', 'arch-7q', archiveQueueName(ARCHIVER), 'measure-', 'throughput-', 'archive', 'schedule', 'dashboard']) {
    expect(text, secret).not.toContain(secret);
  }
}

describe('/healthz detail needs credentials', () => {
  it('with credentials set: unauthenticated or wrong credentials get up/down and totals only; valid credentials the detail', async () => {
    const d = await deployment({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_HOST: '127.0.0.1' });
    const wrong = { authorization: `Basic ${Buffer.from(`${USER}:nope`).toString('base64')}` };
    for (const headers of [{}, wrong] as Record<string, string>[]) {
      const res = await d.get('/healthz', headers);
      expect(res.status).toBe(200);
      const text = await res.text();
      expectNoNames(text);
      expect(JSON.parse(text)).toEqual({ status: 'ok', redis: 'ok', queues: 4, workersConnected: 1, waiting: 1, active: 0, delayed: 0, failed: 1, completed: 0 });
    }

    const full = await d.get('/healthz', AUTH);
    expect(full.status).toBe(200);
    const body = (await full.json()) as { roles: string[]; queues: Record<string, { waiting: number; failed: number; workers: number }> };
    expect(body.roles).toEqual(['dashboard']);
    expect(Object.keys(body.queues)).toEqual(['schedule', `measure-${TESTPOINT}`, `throughput-${TESTPOINT}`, archiveQueueName(ARCHIVER)]);
    expect(body.queues[`measure-${TESTPOINT}`]).toMatchObject({ waiting: 1, failed: 0 });
    expect(body.queues[`throughput-${TESTPOINT}`]).toMatchObject({ failed: 1, workers: 1 });
    expect(JSON.stringify(body)).toContain('secret-host');
  });

  it('with valid credentials but a Host the dashboard does not serve: totals only', async () => {
    const d = await deployment({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_HOST: '127.0.0.1', DASHBOARD_ALLOWED_HOSTS: 'psq.example.net' });
    const res = await rawRequest(`${d.role.url}/healthz`, 'GET', { host: 'rebind.evil.example', ...AUTH });
    expect(res.status).toBe(200);
    expectNoNames(res.text);
    const ok = await rawRequest(`${d.role.url}/healthz`, 'GET', { host: 'psq.example.net', ...AUTH });
    expect(ok.text).toContain(`measure-${TESTPOINT}`);
  });

  it('without credentials: totals only on /healthz; the names are on the (loopback-only) board and /metrics', async () => {
    const d = await deployment({});
    const text = await (await d.get('/healthz', {})).text();
    expectNoNames(text);
    expect(JSON.parse(text)).toMatchObject({ status: 'ok', redis: 'ok', queues: 4, failed: 1 });
    expect(await (await d.get('/metrics', {})).text()).toContain(`queue="measure-${TESTPOINT}"`);
  });
});
