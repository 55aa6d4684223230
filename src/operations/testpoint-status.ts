// Which testpoints are alive and how their rounds went, computed from raw Redis readings
// (testpoint-status-reader.ts) and a clock. Pure: the same readings and `now` give the same status.
import { CATEGORIES, type Category } from '../plan/categories.js';

/** How long a worker may stay silent before it counts as down: two heartbeats and a little slack. */
export function downAfterMs(intervalMs: number): number {
  return 2 * intervalMs + Math.min(1000, Math.floor(intervalMs / 4));
}

/** What a measure worker says about itself in each heartbeat (heartbeat.ts writes it). */
export interface WorkerInfo {
  readonly testpoint: string;
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly backend: string;
  readonly startedAtMs: number;
  readonly intervalMs: number;
  /** `stopped`: its last beat, written as it shut down (down at once, not after two intervals). */
  readonly state: 'running' | 'stopped';
}

const text = (v: unknown, max: number): string | null =>
  typeof v === 'string' && v !== '' ? v.replace(/[\x00-\x1f\x7f]/g, '?').slice(0, max) : null;
const count = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null);

/** A heartbeat's description as read back from Redis (anyone with write access could have put it there): null when malformed. */
export function parseWorkerInfo(raw: string | null | undefined): WorkerInfo | null {
  if (typeof raw !== 'string' || raw.length > 4096) return null;
  let v: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    v = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const testpoint = text(v['testpoint'], 64);
  const host = text(v['host'], 253);
  const pid = count(v['pid']);
  const startedAtMs = count(v['startedAtMs']);
  const intervalMs = count(v['intervalMs']);
  const state = v['state'];
  if (testpoint === null || host === null || pid === null || startedAtMs === null || intervalMs === null || intervalMs === 0) return null;
  if (state !== 'running' && state !== 'stopped') return null;
  return { testpoint, host, pid, version: text(v['version'], 64) ?? 'unknown', backend: text(v['backend'], 32) ?? 'unknown', startedAtMs, intervalMs, state };
}

/** One worker as Redis holds it: its member in the workers set, last beat (Redis time, ms), raw info. */
export interface RawWorker {
  readonly member: string;
  readonly lastSeenMs: number;
  readonly info: string | null;
}

/** One recorded round of one category (testpoint-rounds.ts): the hash's fields as strings. */
export interface RawRound {
  readonly slotMs: number;
  readonly fields: Readonly<Record<string, string>>;
}

export interface RawQueue {
  readonly name: string;
  readonly waiting: number;
  readonly prioritized: number;
  readonly active: number;
  readonly delayed: number;
  /** The job hash fields of the job at the head of the wait list (the next to run, waiting longest); null when empty. */
  readonly oldestWaiting: { readonly timestamp: string | null; readonly delay: string | null } | null;
}

export interface RawTestpoint {
  readonly testpoint: string;
  /** In this process's configuration (counts for the exit status), not only found in Redis. */
  readonly configured: boolean;
  readonly workers: readonly RawWorker[];
  readonly rounds: Readonly<Partial<Record<Category, readonly RawRound[]>>>;
  readonly queues: readonly RawQueue[];
}

export interface RawStatus {
  /** Redis' clock (TIME), ms: heartbeats are stamped with it too, so testpoint clocks cannot skew ages. */
  readonly nowMs: number;
  readonly testpoints: readonly RawTestpoint[];
}

export type WorkerState = 'up' | 'down' | 'stopped';

export interface WorkerStatus {
  readonly host: string;
  readonly pid: number;
  readonly version: string;
  readonly backend: string;
  readonly startedAt: string;
  readonly lastHeartbeat: string;
  readonly heartbeatAgeS: number;
  readonly intervalS: number;
  readonly state: WorkerState;
}

export interface CategoryStatus {
  readonly category: Category;
  /** Rounds recorded for this category (the newest ROUNDS_KEPT at most). */
  readonly rounds: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Not measurable with the testpoint's backend. */
  readonly skipped: number;
  /** Not started before the next round (stale-round.ts). */
  readonly dropped: number;
  /** succeeded / (succeeded + failed); null when nothing was measured. Skipped and dropped do not count. */
  readonly successRatio: number | null;
}

export interface RoundStatus {
  /** The round's scheduled slot. */
  readonly slot: string;
  /** When its first measurement started and its last one (so far) finished. */
  readonly start: string | null;
  readonly end: string | null;
  /** Measurements of the round finished so far, every outcome. */
  readonly finished: number;
}

export interface QueueStatus {
  /** Jobs that could run now (waiting + prioritized), not yet taken. */
  readonly waiting: number;
  readonly active: number;
  /** Jobs whose start is still ahead (a round's offset or slip, a retry's delay). */
  readonly delayed: number;
  /** Since when the longest-waiting job could run; null when none waits. */
  readonly oldestWaitingSince: string | null;
  readonly oldestWaitingAgeS: number | null;
}

export interface TestpointStatus {
  readonly testpoint: string;
  readonly configured: boolean;
  /** At least one measure worker heartbeats. */
  readonly up: boolean;
  readonly lastHeartbeat: string | null;
  readonly heartbeatAgeS: number | null;
  readonly workers: readonly WorkerStatus[];
  readonly lastRound: RoundStatus | null;
  readonly categories: readonly CategoryStatus[];
  readonly queue: QueueStatus;
}

export interface StatusReport {
  readonly now: string;
  /** Every configured testpoint is up (what `psq status` exits 0 on). */
  readonly ok: boolean;
  readonly testpoints: readonly TestpointStatus[];
}

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (ms: number) => Math.max(0, Math.round(ms / 100) / 10);
const field = (fields: Readonly<Record<string, string>>, name: string): number | null => {
  const raw = fields[name];
  if (raw === undefined || !/^\d{1,16}$/.test(raw)) return null;
  return Number(raw);
};

/** How a measurement of a round ended, as the measure worker records it (testpoint-status-rounds.ts). */
export const OUTCOMES = ['succeeded', 'failed', 'skipped', 'dropped'] as const;
export type RoundOutcome = (typeof OUTCOMES)[number];

export function workerStatus(raw: RawWorker, nowMs: number): WorkerStatus | null {
  const info = parseWorkerInfo(raw.info);
  if (info === null || !Number.isFinite(raw.lastSeenMs)) return null;
  const age = nowMs - raw.lastSeenMs;
  const state: WorkerState = info.state === 'stopped' ? 'stopped' : age <= downAfterMs(info.intervalMs) ? 'up' : 'down';
  return {
    host: info.host,
    pid: info.pid,
    version: info.version,
    backend: info.backend,
    startedAt: iso(info.startedAtMs),
    lastHeartbeat: iso(raw.lastSeenMs),
    heartbeatAgeS: seconds(age),
    intervalS: info.intervalMs / 1000,
    state,
  };
}

function categoryStatus(category: Category, rounds: readonly RawRound[]): CategoryStatus {
  const sum = (o: RoundOutcome) => rounds.reduce((n, r) => n + (field(r.fields, o) ?? 0), 0);
  const [succeeded, failed, skipped, dropped] = OUTCOMES.map(sum) as [number, number, number, number];
  const measured = succeeded + failed;
  return { category, rounds: rounds.length, succeeded, failed, skipped, dropped, successRatio: measured === 0 ? null : succeeded / measured };
}

function lastRound(rounds: RawTestpoint['rounds']): RoundStatus | null {
  const all = CATEGORIES.flatMap((c) => rounds[c] ?? []);
  if (all.length === 0) return null;
  const slotMs = Math.max(...all.map((r) => r.slotMs));
  const same = all.filter((r) => r.slotMs === slotMs);
  const starts = same.map((r) => field(r.fields, 'start')).filter((v): v is number => v !== null);
  const ends = same.map((r) => field(r.fields, 'end')).filter((v): v is number => v !== null);
  const finished = same.reduce((n, r) => n + OUTCOMES.reduce((m, o) => m + (field(r.fields, o) ?? 0), 0), 0);
  return {
    slot: iso(slotMs),
    start: starts.length > 0 ? iso(Math.min(...starts)) : null,
    end: ends.length > 0 ? iso(Math.max(...ends)) : null,
    finished,
  };
}

function queueStatus(queues: readonly RawQueue[], nowMs: number): QueueStatus {
  let since: number | null = null;
  for (const q of queues) {
    const ts = q.oldestWaiting?.timestamp != null ? Number(q.oldestWaiting.timestamp) : NaN;
    if (!Number.isFinite(ts)) continue;
    const delay = Number(q.oldestWaiting?.delay ?? 0);
    // A delayed job could run only once its delay was over: it has waited since then, not since its add.
    const runnableAt = ts + (Number.isFinite(delay) && delay > 0 ? delay : 0);
    if (since === null || runnableAt < since) since = runnableAt;
  }
  const total = (k: 'waiting' | 'prioritized' | 'active' | 'delayed') => queues.reduce((n, q) => n + q[k], 0);
  return {
    waiting: total('waiting') + total('prioritized'),
    active: total('active'),
    delayed: total('delayed'),
    oldestWaitingSince: since === null ? null : iso(since),
    oldestWaitingAgeS: since === null ? null : seconds(nowMs - since),
  };
}

export function testpointStatus(raw: RawTestpoint, nowMs: number): TestpointStatus {
  const workers = raw.workers
    .map((w) => workerStatus(w, nowMs))
    .filter((w): w is WorkerStatus => w !== null)
    .sort((a, b) => Date.parse(b.lastHeartbeat) - Date.parse(a.lastHeartbeat) || a.host.localeCompare(b.host) || a.pid - b.pid);
  const newest = raw.workers.filter((w) => Number.isFinite(w.lastSeenMs)).reduce<number | null>((m, w) => (m === null || w.lastSeenMs > m ? w.lastSeenMs : m), null);
  return {
    testpoint: raw.testpoint,
    configured: raw.configured,
    up: workers.some((w) => w.state === 'up'),
    lastHeartbeat: newest === null ? null : iso(newest),
    heartbeatAgeS: newest === null ? null : seconds(nowMs - newest),
    workers,
    lastRound: lastRound(raw.rounds),
    categories: CATEGORIES.filter((c) => (raw.rounds[c]?.length ?? 0) > 0).map((c) => categoryStatus(c, raw.rounds[c] ?? [])),
    queue: queueStatus(raw.queues, nowMs),
  };
}

export function statusReport(raw: RawStatus): StatusReport {
  const testpoints = [...raw.testpoints].sort((a, b) => a.testpoint.localeCompare(b.testpoint)).map((t) => testpointStatus(t, raw.nowMs));
  return { now: iso(raw.nowMs), ok: testpoints.every((t) => !t.configured || t.up), testpoints };
}

/** Testpoints to show: the configured ones, then those whose queues exist in Redis, each once. */
export function testpointsToShow(configured: readonly string[], queueNames: readonly string[]): { testpoint: string; configured: boolean }[] {
  const found = queueNames.map((n) => /^(?:measure|throughput)-([A-Za-z0-9._-]{1,64})$/.exec(n)?.[1]).filter((t): t is string => t !== undefined);
  const seen = new Set<string>();
  const out: { testpoint: string; configured: boolean }[] = [];
  for (const [list, isConfigured] of [[configured, true], [found, false]] as const) {
    for (const testpoint of list) {
      if (seen.has(testpoint)) continue;
      seen.add(testpoint);
      out.push({ testpoint, configured: isConfigured });
    }
  }
  return out;
}
