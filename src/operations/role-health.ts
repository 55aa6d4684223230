// `psq health ROLE…`: is each role of this deployment alive? Queue roles count the workers that
// Redis sees connected to their queues (BullMQ names its worker connections; one CLIENT LIST counts
// them for every role, without loading bullmq or ioredis), the responder must
// accept a TCP connection, the dashboard must answer /healthz. Bounded: never hangs a health check.
import { connect } from 'node:net';
import type { Config } from '../config/config.js';
import type { RedisReply } from '../queues/redis-wire.js';
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

/**
 * The name BullMQ gives a queue's worker connections (CLIENT SETNAME): `PREFIX:base64(queue)`, with
 * `:w:WORKERNAME` after it for a named worker (bullmq's QueueGetters.getWorkers). Pure.
 */
export function workerClientName(prefix: string, queue: string): string {
  return `${prefix}:${Buffer.from(queue).toString('base64')}`;
}

/**
 * Pure: how many connections in CLIENT LIST's text are workers of each queue, counted as bullmq's
 * Queue.getWorkersCount counts them.
 */
export function countWorkers(clientList: string, names: readonly string[], prefix: string): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  const wanted = new Map(names.map((n) => [workerClientName(prefix, n), n]));
  for (const line of clientList.split(/\r?\n/)) {
    const name = /(?:^| )name=(\S*)/.exec(line)?.[1];
    if (!name) continue;
    for (const [base, queue] of wanted) if (name === base || name.startsWith(`${base}:w:`)) out[queue]! += 1;
  }
  return out;
}

/** Servers without CLIENT (some managed Redis): bullmq then reports one worker it cannot see. */
const NO_CLIENT_COMMAND = /ERR unknown command ['`]\s*client\s*['`]/;

/** Workers per queue from one CLIENT LIST reply; throws the server's refusal (e.g. NOPERM). */
export function workersFromReply(reply: RedisReply | undefined, names: readonly string[], prefix: string): Record<string, number> {
  if (reply instanceof Error) {
    if (NO_CLIENT_COMMAND.test(reply.message)) return Object.fromEntries(names.map((n) => [n, 1]));
    throw reply;
  }
  return countWorkers(typeof reply === 'string' ? reply : '', names, prefix);
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

/**
 * `clientList`: CLIENT LIST's reply, asked once for every role of one `psq health` (null when Redis
 * did not answer). Only the queue roles use it.
 */
export async function checkRoleHealth(
  role: string,
  config: Pick<Config, 'testpoint' | 'archiveUrls' | 'queuePrefix' | 'responderBind' | 'iperf3Port' | 'dashboardHost' | 'dashboardPort'>,
  clientList: RedisReply | undefined | null,
): Promise<RoleHealth> {
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
  if (clientList === null) return { role, ok: false, detail: 'Redis does not answer' };
  if (names.length === 0) return { role, ok: true, detail: 'no archivers configured: nothing to serve' };
  try {
    const counts = workersFromReply(clientList, names, config.queuePrefix);
    const idle = names.filter((n) => (counts[n] ?? 0) === 0);
    const detail = names.map((n) => `${n}: ${counts[n] ?? 0} worker(s)`).join(', ');
    return { role, ok: idle.length === 0, detail };
  } catch (err) {
    return { role, ok: false, detail: (err as Error).message };
  }
}
