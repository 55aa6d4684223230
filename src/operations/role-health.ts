// `psq health ROLE…`: is each role of this deployment alive? Queue roles count the workers that
// Redis sees connected to their queues (BullMQ names its worker connections), the responder must
// accept a TCP connection, the dashboard must answer /healthz. Bounded: never hangs a health check.
import { connect } from 'node:net';
import { Queue, type RedisOptions } from 'bullmq';
import { withTimeout } from '../async.js';
import type { Config } from '../config/config.js';
import { connectionFor } from '../queues/connection-kinds.js';
import { redisAnswers } from '../queues/redis-answers.js';
import { archiveQueueName, measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../queues/queue-names.js';

export interface RoleHealth {
  readonly role: string;
  readonly ok: boolean;
  readonly detail: string;
}

export function queuesOfRole(role: string, config: Pick<Config, 'testpoint' | 'archiveUrls'>): string[] | null {
  if (role === 'scheduler') return [SCHEDULE_QUEUE];
  if (role === 'measure') return [measureQueueName(config.testpoint), throughputQueueName(config.testpoint)];
  if (role === 'archive') return config.archiveUrls.map(archiveQueueName);
  return null;
}

async function workersOn(names: readonly string[], connection: RedisOptions, prefix: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const q = new Queue(name, { connection: connectionFor('control', connection), prefix });
    q.on('error', () => undefined);
    try {
      out[name] = await withTimeout(q.getWorkersCount(), 3000, 'Redis', { keepAlive: true, error: (ms) => new Error(`Redis did not answer within ${ms} ms`) });
    } finally {
      await q.close().catch(() => undefined);
    }
  }
  return out;
}

function tcpAccepts(host: string, port: number, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(ms, () => done(false));
    socket.once('connect', () => done(true));
    socket.on('error', () => done(false));
  });
}

const local = (host: string | null) => (host === null || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host);

export async function checkRoleHealth(role: string, config: Config, connection: RedisOptions): Promise<RoleHealth> {
  if (role === 'responder') {
    const host = local(config.responderBind);
    const ok = await tcpAccepts(host, config.iperf3Port, 2000);
    return { role, ok, detail: ok ? `iperf3 server accepts on ${host}:${config.iperf3Port}` : `nothing accepts on ${host}:${config.iperf3Port}` };
  }
  if (role === 'dashboard') {
    const url = `http://${local(config.dashboardHost)}:${config.dashboardPort}/healthz`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      return { role, ok: res.status === 200, detail: `${url} answered ${res.status}` };
    } catch (err) {
      return { role, ok: false, detail: `${url}: ${(err as Error).message}` };
    }
  }
  const names = queuesOfRole(role, config);
  if (names === null) return { role, ok: false, detail: `unknown role ${role}` };
  if (!(await redisAnswers(connection, 2000))) return { role, ok: false, detail: 'Redis does not answer' };
  if (names.length === 0) return { role, ok: true, detail: 'no archivers configured: nothing to serve' };
  try {
    const counts = await workersOn(names, connection, config.queuePrefix);
    const idle = names.filter((n) => (counts[n] ?? 0) === 0);
    const detail = names.map((n) => `${n}: ${counts[n] ?? 0} worker(s)`).join(', ');
    return { role, ok: idle.length === 0, detail };
  } catch (err) {
    return { role, ok: false, detail: (err as Error).message };
  }
}
