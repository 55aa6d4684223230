// Bull Board through the dashboard role: secrets masked in every answer, retry and clean from the
// API, read-only mode, cross-site writes refused, and queues discovered after start.
import { Queue, UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { archiveData, PASSWORD, spec, startDashboard as start, TOKEN, USER } from '../helpers/dashboard-harness.js';
import { testRedisOptions } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup } from '../helpers/test-context.js';

describe('dashboard discovery', () => {
  it('shows a testpoint that starts after the dashboard', async () => {
    const d = await start();
    await d.queues.get('throughput-late').add('x', { spec: {} });
    await eventually(async () => {
      const body = (await (await d.get('/admin/queues/api/queues')).json()) as { queues: { name: string }[] };
      return body.queues.some((q) => q.name === 'throughput-late');
    }, { timeoutMs: 5000, what: 'new queue on the board' });
  });
});

describe('dashboard secrets', () => {
  it('never shows the token in job data, errors, names or metrics', async () => {
    const d = await start({ DASHBOARD_USER: USER, DASHBOARD_PASSWORD: PASSWORD });
    await d.queues.get('measure-tp9').add(
      `latency ${TOKEN}`,
      { spec: spec('site-a', '192.0.2.10'), slotMs: 1, token: TOKEN, nested: { deep: { password: 'hunter22', note: `the token is ${TOKEN}` } }, headers: { authorization: `Bearer ${TOKEN}` } },
      { jobId: 'secret1' },
    );
    d.worker('throughput-tp9', async () => {
      throw new UnrecoverableError(`archiver said: invalid token ${TOKEN}`);
    });
    await d.queues.get('throughput-tp9').add('t', { spec: {} }, { jobId: 'secret2' });
    const leaky = `https://user:${TOKEN}@h.example.org/ps`;
    await d.queues.get(archiveQueueName(leaky)).add('rtt', archiveData(leaky, new Date().toISOString()), { jobId: 'secret3' });
    await eventually(async () => (await d.queues.get('throughput-tp9').getJobState('secret2')) === 'failed', { what: 'failed job' });

    const bodies = await eventually(async () => {
      const texts: string[] = [];
      for (const path of [
        '/admin/queues/api/queues?activeQueue=measure-tp9&status=latest',
        '/admin/queues/api/queues/measure-tp9/secret1',
        '/admin/queues/api/queues?activeQueue=throughput-tp9&status=failed',
        '/admin/queues/api/queues/throughput-tp9/secret2',
        `/admin/queues/api/queues/${archiveQueueName(leaky)}/secret3`,
        '/metrics',
      ]) {
        const res = await d.get(path);
        if (res.status !== 200) return false;
        texts.push(await res.text());
      }
      return texts[0]!.includes('secret1') && texts;
    }, { timeoutMs: 5000, what: 'queues listed' });
    for (const text of bodies) expect(text).not.toContain(TOKEN);
    expect(bodies[1]).toContain('[REDACTED]');
    expect(bodies[1]).not.toContain('hunter22');
    expect(bodies[1]).toContain('site-a');
    expect(bodies[3]).toContain('archiver said: invalid token [REDACTED]');
    expect(bodies[5]).toContain('archiver="https://h.example.org/ps"');
    expect(d.lines.join('')).not.toContain(TOKEN);
  });
});

describe('dashboard actions', () => {
  it('retries and cleans failed jobs from the API; read-only mode answers 405', async () => {
    const d = await start();
    let attempts = 0;
    d.worker('measure-tp1', async () => {
      attempts++;
      if (attempts === 1) throw new UnrecoverableError('first time fails');
      return { succeeded: true, skipped: null };
    });
    const q = d.queues.get('measure-tp1');
    await q.add('a', { spec: {} }, { jobId: 'r1' });
    await q.add('b', { spec: {} }, { jobId: 'r2' });
    await eventually(async () => (await q.getJobCountByTypes('failed')) === 1 && (await q.getJobCountByTypes('completed')) === 1, { what: 'one failed job' });
    const failed = (await q.getFailed())[0]!;
    await eventually(async () => (await d.get(`/admin/queues/api/queues/measure-tp1/${failed.id}`, {})).status === 200, { timeoutMs: 5000, what: 'queue on the board' });
    const retry = await fetch(`${d.role.url}/admin/queues/api/queues/measure-tp1/${failed.id}/retry`, { method: 'PUT' });
    expect(retry.status).toBeLessThan(300);
    await eventually(async () => (await q.getJobState(failed.id!)) === 'completed', { what: 'retried job completes' });

    // "Clean all" spares jobs younger than 5 s (bull-board's grace time); one job's Clean removes it now.
    const other = failed.id === 'r1' ? 'r2' : 'r1';
    const clean = await fetch(`${d.role.url}/admin/queues/api/queues/measure-tp1/${other}/clean`, { method: 'PUT' });
    expect(clean.status).toBeLessThan(300);
    expect(await q.getJob(other)).toBeUndefined();

    const cross = await fetch(`${d.role.url}/admin/queues/api/queues/measure-tp1/clean/failed`, { method: 'PUT', headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);

    const ro = await start({ DASHBOARD_READ_ONLY: 'true' });
    const roQueue = new Queue('measure-tp1', { connection: testRedisOptions(), prefix: ro.prefix });
    onCleanup(() => roQueue.close());
    await roQueue.add('c', { spec: {} }, { jobId: 'ro1' });
    await eventually(async () => (await ro.get('/admin/queues/api/queues/measure-tp1/ro1', {})).status === 200, { timeoutMs: 5000, what: 'queue on the read-only board' });
    const denied = await fetch(`${ro.role.url}/admin/queues/api/queues/measure-tp1/clean/waiting`, { method: 'PUT' });
    expect(denied.status).toBe(405);
    expect(await roQueue.getJobState('ro1')).toBe('waiting');
  });
});
