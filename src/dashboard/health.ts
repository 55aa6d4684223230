// /healthz: is Redis reachable, which roles run here, and how full each queue is (the detail for
// authenticated requests; everyone else gets the summary). Answers within ~2 s whatever Redis does
// (orchestrators kill a process whose health check hangs).
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTimeout } from '../async.js';
import { pingRedis } from './scrape.js';

export const HEALTH_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
/** Job counts by state, and how many workers (on any machine) are connected to the queue. */
export type HealthCounts = Record<(typeof HEALTH_STATES)[number] | 'workers', number>;

export interface HealthBody {
  readonly status: 'ok' | 'error';
  readonly redis: 'ok' | 'unreachable';
  readonly roles: readonly string[];
  readonly queues: Readonly<Record<string, HealthCounts>>;
}

/**
 * What /healthz tells a client without valid credentials: up or down, and totals. Queue names carry
 * testpoint ids and archiver host names, and roles say what runs where; those stay behind auth (and
 * in /metrics, which is behind auth when credentials are set).
 */
export type HealthSummary =
  | { readonly status: 'error'; readonly redis: 'unreachable' }
  | ({
      readonly status: 'ok';
      readonly redis: 'ok';
      /** How many queues the dashboard watches. */
      readonly queues: number;
      /** Worker connections summed over the queues (a worker process serving two queues counts twice). */
      readonly workersConnected: number;
    } & Readonly<Record<(typeof HEALTH_STATES)[number], number>>);

/** The full report reduced to counts, for unauthenticated requests. */
export function summarizeHealth(body: HealthBody): HealthSummary {
  if (body.status === 'error') return { status: 'error', redis: 'unreachable' };
  const all = Object.values(body.queues);
  const sum = (key: keyof HealthCounts) => all.reduce((n, c) => n + c[key], 0);
  return {
    status: 'ok',
    redis: 'ok',
    queues: all.length,
    workersConnected: sum('workers'),
    ...(Object.fromEntries(HEALTH_STATES.map((s) => [s, sum(s)])) as Record<(typeof HEALTH_STATES)[number], number>),
  };
}

export interface HealthReport {
  readonly httpStatus: 200 | 503;
  readonly body: HealthBody;
}

export interface HealthDeps {
  readonly control: Redis;
  readonly queues: () => readonly Queue[];
  readonly roles: () => readonly string[];
  /** Whole-check budget; the ping gets at most half of it. Default 1500 ms. */
  readonly timeoutMs?: number;
}

export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const budget = deps.timeoutMs ?? 1500;
  const roles = [...deps.roles()];
  if (!(await pingRedis(deps.control, Math.floor(budget / 2)))) {
    return { httpStatus: 503, body: { status: 'error', redis: 'unreachable', roles, queues: {} } };
  }
  const list = deps.queues();
  try {
    // Workers are counted from Redis' client list, so a testpoint whose measure worker is gone
    // shows `workers: 0` on its queue here, wherever the dashboard runs.
    const [counts, workers] = await withTimeout(
      Promise.all([Promise.all(list.map((q) => q.getJobCounts(...HEALTH_STATES))), workersPerQueue(deps.control, list)]),
      Math.ceil(budget / 2),
      'queue counts',
    );
    const queues = Object.fromEntries(
      list.map((q, i) => [
        q.name,
        { ...Object.fromEntries(HEALTH_STATES.map((s) => [s, counts[i]?.[s] ?? 0])), workers: workers[i] ?? 0 } as HealthCounts,
      ]),
    );
    return { httpStatus: 200, body: { status: 'ok', redis: 'ok', roles, queues } };
  } catch {
    // PING answered but the counts did not come in time: Redis is not usable for the workers either.
    return { httpStatus: 503, body: { status: 'error', redis: 'unreachable', roles, queues: {} } };
  }
}

/**
 * How many workers each queue has, from one CLIENT LIST: Queue.getWorkersCount asks for the whole
 * list once per queue, and a fleet's dashboard watches a hundred queues with hundreds of clients.
 * BullMQ names a worker's connection `<prefix>:<base64 of the queue name>`, with `:w:<name>` after it
 * for a named worker (its protected Queue.clientName; test/integration/dashboard-workers.test.ts
 * holds the two counts side by side).
 */
export async function workersPerQueue(control: Redis, queues: readonly Pick<Queue, 'name' | 'opts'>[]): Promise<number[]> {
  const index = new Map(queues.map((q, i) => [`${q.opts.prefix ?? 'bull'}:${Buffer.from(q.name).toString('base64')}`, i]));
  const counts = queues.map(() => 0);
  const list = String(await control.client('LIST'));
  for (const line of list.split(/\r?\n/)) {
    const name = / name=(\S*)/.exec(line)?.[1];
    if (!name) continue;
    const cut = name.indexOf(':w:');
    const i = index.get(cut === -1 ? name : name.slice(0, cut));
    if (i !== undefined) counts[i]!++;
  }
  return counts;
}
