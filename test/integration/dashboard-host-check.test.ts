// DNS rebinding against the real dashboard role over HTTP: a page on rebind.evil.example whose name
// now points at the dashboard sends `Host: rebind.evil.example` and a matching Origin, so the
// same-origin check alone lets its writes through. The Host check refuses them; the queue state in
// Redis proves nothing happened.
import { describe, expect, it } from 'vitest';
import { checkRoleHealth } from '../../src/operations/role-health.js';
import { AUTH, PASSWORD, rawRequest, startDashboard as start, USER } from '../helpers/dashboard-harness.js';
import { eventually } from '../helpers/eventually.js';

type Dash = Awaited<ReturnType<typeof start>>;

/** Creates measure-tp1 in Redis and waits until the board lists it (so a pause would find it). */
async function boardWithQueue(d: Dash, auth: Record<string, string> = {}) {
  const q = d.queues.get('measure-tp1');
  await q.add('a', { spec: {} }, { jobId: 'j1' });
  await eventually(async () => (await d.get('/admin/queues/api/queues/measure-tp1/j1', auth)).status === 200, { timeoutMs: 5000, what: 'queue on the board' });
  return q;
}

const port = (d: Dash) => new URL(d.role.url).port;
/** The pause button's request as the given site's page sends it: its own Host and Origin. */
const pauseFrom = (d: Dash, host: string, extra: Record<string, string> = {}) =>
  rawRequest(`${d.role.url}/admin/queues/api/queues/measure-tp1/pause`, 'PUT', { host, origin: `http://${host}`, ...extra });

describe('dashboard Host check (DNS rebinding)', () => {
  it('without credentials: a rebound page cannot pause a queue (421, not paused in Redis); loopback names work', async () => {
    const d = await start();
    const q = await boardWithQueue(d);
    const evil = `rebind.evil.example:${port(d)}`;

    const refused = await pauseFrom(d, evil);
    expect(refused.status).toBe(421);
    expect(refused.text).toContain('DASHBOARD_ALLOWED_HOSTS');
    expect(await q.isPaused()).toBe(false);
    // Reads too: job data, metrics and the board page are not for a rebound page either.
    for (const path of ['/admin/queues/api/queues', '/metrics', '/status', '/status.json', '/admin/queues', '/']) {
      expect((await rawRequest(`${d.role.url}${path}`, 'GET', { host: evil })).status, path).toBe(421);
    }
    for (const host of ['rebind.evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '192.0.2.1', '[2001:db8::1]']) {
      expect((await rawRequest(`${d.role.url}/admin/queues/api/queues`, 'GET', { host })).status, host).toBe(421);
    }
    expect(d.lines.join('')).toMatch(/refused a request for a Host name it does not serve/);
    expect(d.lines.join('')).toContain('"hostNames":["localhost","127.0.0.1","[::1]"]');

    for (const host of [`127.0.0.1:${port(d)}`, '127.0.0.1', `localhost:${port(d)}`, `LocalHost.:${port(d)}`, `[::1]:${port(d)}`, '[0:0:0:0:0:0:0:1]']) {
      expect((await rawRequest(`${d.role.url}/admin/queues/api/queues`, 'GET', { host })).status, host).toBe(200);
    }
    // The same request under the dashboard's own name does pause: the refusal above was the Host check.
    const own = await pauseFrom(d, `127.0.0.1:${port(d)}`);
    expect(own.status).toBe(200);
    expect(await q.isPaused()).toBe(true);
  });

  it('with credentials and DASHBOARD_ALLOWED_HOSTS=psq.example.net: that name works, other names are refused', async () => {
    const d = await start({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_HOST: '127.0.0.1', DASHBOARD_ALLOWED_HOSTS: 'psq.example.net' });
    const q = await boardWithQueue(d, AUTH);

    for (const host of ['rebind.evil.example', `rebind.evil.example:${port(d)}`, 'psq.example.net.evil.example', 'evil-psq.example.net', '192.0.2.1']) {
      expect((await rawRequest(`${d.role.url}/admin/queues/api/queues`, 'GET', { host, ...AUTH })).status, host).toBe(421);
      expect((await pauseFrom(d, host, AUTH)).status, host).toBe(421);
    }
    // Refused before auth: a page under a foreign name learns nothing, not even that auth is there.
    expect((await rawRequest(`${d.role.url}/metrics`, 'GET', { host: 'rebind.evil.example' })).status).toBe(421);
    expect(await q.isPaused()).toBe(false);

    for (const host of ['psq.example.net', `psq.example.net:${port(d)}`, 'PSQ.Example.NET.', `localhost:${port(d)}`]) {
      expect((await rawRequest(`${d.role.url}/admin/queues/api/queues`, 'GET', { host, ...AUTH })).status, host).toBe(200);
    }
    expect((await rawRequest(`${d.role.url}/admin/queues/api/queues`, 'GET', { host: 'psq.example.net' })).status).toBe(401);
    expect((await pauseFrom(d, 'psq.example.net', AUTH)).status).toBe(200);
    expect(await q.isPaused()).toBe(true);
  });

  it('with credentials and no DASHBOARD_ALLOWED_HOSTS: any name is answered (the password protects it)', async () => {
    const d = await start({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_HOST: '127.0.0.1' });
    for (const host of ['psq.example.net', '192.0.2.1:8080', 'anything.example']) {
      expect((await rawRequest(`${d.role.url}/admin/queues/api/queues`, 'GET', { host, ...AUTH })).status, host).toBe(200);
    }
  });

  it('/healthz answers under any Host (probes send an address), and `psq health dashboard` still passes', async () => {
    const d = await start({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD, DASHBOARD_HOST: '127.0.0.1', DASHBOARD_ALLOWED_HOSTS: 'psq.example.net' });
    for (const host of ['10.1.2.3:3000', 'rebind.evil.example', `127.0.0.1:${port(d)}`]) {
      expect((await rawRequest(`${d.role.url}/healthz`, 'GET', { host })).status, host).toBe(200);
    }
    const health = await checkRoleHealth('dashboard', { ...d.config, dashboardPort: Number(port(d)) }, null);
    expect(health).toMatchObject({ role: 'dashboard', ok: true });
  });
});
