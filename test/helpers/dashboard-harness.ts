// Starts the dashboard role for integration tests: a private prefix on the real Redis, captured
// log lines, authenticated GETs, real BullMQ workers; everything closed after the test (test-context.ts).
import { request as httpRequest } from 'node:http';
import { Writable } from 'node:stream';
import { Worker, type RedisOptions } from 'bullmq';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { createLogger } from '../../src/logger.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { connectionFor } from '../../src/queues/connection-kinds.js';
import { startDashboardRole } from '../../src/roles/dashboard-role.js';
import { testConfig } from './config.js';
import { parsePromText, type Sample } from './prom-text.js';
import { testRedisOptions } from './redis.js';
import { newTestPrefix, onCleanup } from './test-context.js';

export const TOKEN = 'tok-Dash-9f3k-never-show';
export const USER = 'ops';
export const PASSWORD = 'pw-Dash-5521';
export const AUTH = { authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };

export { freePort } from './ports.js';

export async function startDashboard(env: Record<string, string> = {}, connection: RedisOptions = testRedisOptions()) {
  const prefix = newTestPrefix();
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const config = testConfig({ DASHBOARD_PORT: '0', AUTH_TOKEN: TOKEN, ...env });
  const queues = new QueueRegistry(connection, prefix, logger);
  onCleanup(() => queues.close());
  const role = await startDashboardRole({ config, queues, logger, roles: () => ['dashboard'], discoveryIntervalMs: 200 });
  onCleanup(() => role.close());
  const get = (path: string, headers: Record<string, string> = AUTH) => fetch(`${role.url}${path}`, { headers });
  const metrics = async (): Promise<Sample[]> => parsePromText(await (await get('/metrics')).text());
  const worker = (name: string, processor: ConstructorParameters<typeof Worker>[1]) => {
    const w = new Worker(name, processor, { connection: connectionFor('worker', testRedisOptions()), prefix, stalledInterval: 1000 });
    w.on('error', () => undefined);
    onCleanup(() => w.close());
    return w;
  };
  return { prefix, config, queues, role, lines, logger, get, metrics, worker };
}

/**
 * One HTTP request with exactly these headers, Host included (fetch sets Host itself): what a
 * browser sends after DNS rebinding, or a client that reaches the dashboard under another name.
 */
export function rawRequest(url: string, method: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, headers, timeout: 10_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** An archive job's data as the measure worker writes it. */
export function archiveData(url: string, ts: string, extra: Record<string, unknown> = {}): ArchiveJobData {
  return {
    url,
    category: 'rtt',
    body: { src: { ip: '198.51.100.1', name: 'tp1' }, dst: { ip: '192.0.2.10', name: 'site-a' }, direction: 'forward', ts, run_id: `run-${ts}`, raw: { schema: 1, succeeded: true } },
    resultFile: '/data/rtt/x.json',
    testpoint: 'tp1',
    measurementSucceeded: true,
    ...extra,
  } as ArchiveJobData;
}

/** A latency measurement spec of testpoint tp1. */
export const spec = (name: string, ip: string) => ({ testpoint: 'tp1', category: 'latency', tool: null, dest: { ip, name }, source: null, direction: 'forward', args: [] });
