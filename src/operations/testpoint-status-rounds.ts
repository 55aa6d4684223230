// The measure worker's record of its rounds, for `psq status`: per category and round slot, when the
// first measurement started, when the last one finished, and how many ended which way.
//
// Recorded by the worker rather than derived from BullMQ's finished jobs: those are kept by count
// (20,000 completed per queue) and age, so reading "the last rounds" back would mean fetching
// thousands of job hashes per status call for a large plan, and a queue's kept jobs mix rounds and
// categories. Here the jobs that finish within a moment cost one small script call per round and
// outcome (the worker sums them: heartbeat.ts), and memory is bounded: at most ROUNDS_KEPT rounds
// per category and testpoint (older round hashes are deleted as new ones come), every key expiring
// ROUND_TTL_MS after its last write.
import type { Redis } from 'ioredis';
import type { MeasureOutcome } from '../measure/measure-processor.js';
import type { Category } from '../plan/categories.js';
import type { RoundOutcome } from './testpoint-status.js';
import { testpointKeys } from './testpoint-status-keys.js';

/** Rounds kept per category: "success over the last rounds" looks this far back. */
export const ROUNDS_KEPT = 10;
/** A testpoint that stopped measuring loses its round records after this (they describe the past). */
export const ROUND_TTL_MS = 8 * 86_400_000;

/** How a finished job counts (callers pass a failed job only once it will not be retried). Pure. */
export function roundOutcome(finished: { state: 'completed'; returnvalue: unknown } | { state: 'failed' }): RoundOutcome {
  if (finished.state === 'failed') return 'failed';
  const rv = finished.returnvalue as Partial<MeasureOutcome> | null | undefined;
  if (rv && typeof rv === 'object') {
    if (rv.dropped === true) return 'dropped';
    if (typeof rv.skipped === 'string') return 'skipped';
    if (rv.succeeded === true) return 'succeeded';
  }
  return 'failed';
}

export interface RoundRecord {
  readonly category: Category;
  readonly slotMs: number;
  readonly outcome: RoundOutcome;
  /** When the measurement's last attempt started and when it finished (ms); only measured outcomes set the round's span. */
  readonly startMs: number | null;
  readonly endMs: number | null;
  /** How many measurements of this round ended this way (the worker sums them before writing); default 1. */
  readonly count?: number;
}

/** `rec` added to what is pending for its round and outcome: counts add up, the span widens. Pure. */
export function addRecord(sum: (RoundRecord & { readonly count: number }) | undefined, rec: RoundRecord): RoundRecord & { readonly count: number } {
  if (sum === undefined) return { ...rec, count: rec.count ?? 1 };
  const widen = (a: number | null, b: number | null, pick: (x: number, y: number) => number) => (a === null ? b : b === null ? a : pick(a, b));
  return { ...sum, count: sum.count + (rec.count ?? 1), startMs: widen(sum.startMs, rec.startMs, Math.min), endMs: widen(sum.endMs, rec.endMs, Math.max) };
}

// KEYS: rounds index (sorted set of slots), this round's hash. ARGV: slot, outcome, start, end
// ('' = none), rounds kept, ttl ms, the key base that a slot completes into a round hash key, count.
const RECORD_SCRIPT = `
redis.call('HINCRBY', KEYS[2], ARGV[2], tonumber(ARGV[8]))
local start = tonumber(redis.call('HGET', KEYS[2], 'start'))
if ARGV[3] ~= '' and (start == nil or tonumber(ARGV[3]) < start) then redis.call('HSET', KEYS[2], 'start', ARGV[3]) end
local finish = tonumber(redis.call('HGET', KEYS[2], 'end'))
if ARGV[4] ~= '' and (finish == nil or tonumber(ARGV[4]) > finish) then redis.call('HSET', KEYS[2], 'end', ARGV[4]) end
redis.call('PEXPIRE', KEYS[2], ARGV[6])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
local keep = tonumber(ARGV[5])
local old = redis.call('ZRANGE', KEYS[1], 0, -(keep + 1))
for _, slot in ipairs(old) do redis.call('DEL', ARGV[7] .. slot) end
if #old > 0 then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(keep + 1)) end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return #old
`;

export async function recordRound(client: Redis, prefix: string, testpoint: string, rec: RoundRecord): Promise<void> {
  const keys = testpointKeys(prefix, testpoint);
  const measured = rec.outcome === 'succeeded' || rec.outcome === 'failed';
  const ms = (v: number | null) => (measured && v !== null && Number.isSafeInteger(v) && v > 0 ? String(v) : '');
  await client.eval(
    RECORD_SCRIPT,
    2,
    keys.rounds(rec.category),
    keys.round(rec.category, rec.slotMs),
    String(rec.slotMs),
    rec.outcome,
    ms(rec.startMs),
    ms(rec.endMs),
    String(ROUNDS_KEPT),
    String(ROUND_TTL_MS),
    keys.roundKeyBase(rec.category),
    String(rec.count ?? 1),
  );
}
