// Reads what `psq status`, the dashboard's status page and its /metrics need from Redis: each
// testpoint's heartbeats and round records (its own keys, testpoint-status-keys.ts) and the depth of
// its two queues. Two pipelined round trips whatever the number of testpoints; no SCAN except the
// queue discovery that finds testpoints missing from the configuration.
import type { Redis } from 'ioredis';
import { withTimeout } from '../async.js';
import { discoverQueueNames } from '../dashboard/queue-discovery.js';
import { CATEGORIES, type Category } from '../plan/categories.js';
import { measureQueueName, throughputQueueName } from '../queues/queue-names.js';
import { testpointKeys } from './testpoint-status-keys.js';
import { statusReport, testpointsToShow, type RawQueue, type RawRound, type RawStatus, type RawTestpoint, type RawWorker, type StatusReport } from './testpoint-status.js';

export interface StatusReadOptions {
  readonly prefix: string;
  /** Testpoints of this deployment's configuration (TESTPOINT today, the fleet file's ids soon). */
  readonly configured: readonly string[];
  /**
   * Queue names already known (the dashboard's discovery): testpoints are taken from them instead of
   * a SCAN. Without them the queues are discovered here (one SCAN of the prefix).
   */
  readonly queueNames?: readonly string[];
  /** Whole-read budget, ms. Default 5000. */
  readonly timeoutMs?: number;
}

type Reply = [Error | null, unknown];

function result(replies: readonly Reply[] | null, i: number): unknown {
  const r = replies?.[i];
  if (!r) throw new Error('Redis returned fewer replies than commands');
  if (r[0]) throw r[0];
  return r[1];
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v) || 0);

async function readRaw(client: Redis, options: StatusReadOptions): Promise<RawStatus> {
  const { prefix } = options;
  const names = options.queueNames ?? (await discoverQueueNames(client, prefix, []));
  const shown = testpointsToShow(options.configured, names);
  const [secs, micros] = await client.time();
  const nowMs = Number(secs) * 1000 + Math.floor(Number(micros) / 1000);

  const first = client.pipeline();
  for (const { testpoint } of shown) {
    const keys = testpointKeys(prefix, testpoint);
    first.zrange(keys.workers, 0, -1, 'WITHSCORES');
    first.hgetall(keys.workerInfo);
    for (const c of CATEGORIES) first.zrange(keys.rounds(c), 0, -1);
    for (const q of [measureQueueName(testpoint), throughputQueueName(testpoint)]) {
      first.llen(`${prefix}:${q}:wait`);
      first.zcard(`${prefix}:${q}:prioritized`);
      first.llen(`${prefix}:${q}:active`);
      first.zcard(`${prefix}:${q}:delayed`);
      // Workers take from the right end: the job there has waited longest.
      first.lindex(`${prefix}:${q}:wait`, -1);
    }
  }
  const replies = (await first.exec()) as Reply[] | null;

  const perTestpoint = 2 + CATEGORIES.length + 2 * 5;
  const second = client.pipeline();
  const later: Array<() => void> = [];
  const out: RawTestpoint[] = shown.map(({ testpoint, configured }, t) => {
    const base = t * perTestpoint;
    const keys = testpointKeys(prefix, testpoint);
    const scored = strings(result(replies, base));
    const info = (result(replies, base + 1) ?? {}) as Record<string, string>;
    const workers: RawWorker[] = [];
    for (let i = 0; i + 1 < scored.length; i += 2) workers.push({ member: scored[i]!, lastSeenMs: Number(scored[i + 1]), info: info[scored[i]!] ?? null });
    const rounds: Partial<Record<Category, RawRound[]>> = {};
    CATEGORIES.forEach((c, ci) => {
      const slots = strings(result(replies, base + 2 + ci)).map(Number).filter(Number.isSafeInteger);
      if (slots.length === 0) return;
      const list: RawRound[] = [];
      rounds[c] = list;
      for (const slotMs of slots) {
        second.hgetall(keys.round(c, slotMs));
        const at = later.length;
        later.push(() => list.push({ slotMs, fields: (result(secondReplies, at) ?? {}) as Record<string, string> }));
      }
    });
    const queues: RawQueue[] = [];
    [measureQueueName(testpoint), throughputQueueName(testpoint)].forEach((name, qi) => {
      const q = base + 2 + CATEGORIES.length + qi * 5;
      const entry: { -readonly [K in keyof RawQueue]: RawQueue[K] } = {
        name,
        waiting: num(result(replies, q)),
        prioritized: num(result(replies, q + 1)),
        active: num(result(replies, q + 2)),
        delayed: num(result(replies, q + 3)),
        oldestWaiting: null,
      };
      queues.push(entry);
      const oldest = result(replies, q + 4);
      if (typeof oldest === 'string' && oldest !== '') {
        second.hmget(`${prefix}:${name}:${oldest}`, 'timestamp', 'delay');
        const at = later.length;
        later.push(() => {
          const [timestamp, delay] = (result(secondReplies, at) ?? []) as (string | null)[];
          entry.oldestWaiting = { timestamp: timestamp ?? null, delay: delay ?? null };
        });
      }
    });
    return { testpoint, configured, workers, rounds, queues };
  });
  let secondReplies: Reply[] | null = null;
  if (later.length > 0) {
    secondReplies = (await second.exec()) as Reply[] | null;
    for (const apply of later) apply();
  }
  return { nowMs, testpoints: out };
}

/** The testpoints' status as Redis has it now; rejects when Redis does not answer within the budget. */
export async function readStatusReport(client: Redis, options: StatusReadOptions): Promise<StatusReport> {
  return statusReport(await withTimeout(readRaw(client, options), options.timeoutMs ?? 5000, 'testpoint status'));
}
