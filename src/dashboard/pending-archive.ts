// Undelivered archive jobs per archiver, and the measurement time of the oldest, read at scrape time.
// A backlog can be large (a ship offline for a week holds thousands of results, each with its raw
// pScheduler JSON), so each job's archiver and ts are read once, from the head of its data only,
// and cached by job id; a scrape then costs the id lists plus whatever jobs are new since the last.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** States of a job the archiver has not accepted yet and that a worker will still try (BullMQ 6 keeps paused jobs in wait). */
const PENDING_STATES = ['wait', 'prioritized', 'delayed', 'active'] as const;
/** Bytes of job data read per job: url and body.ts come before body.raw in what the measure worker writes. */
const HEAD_BYTES = 2048;
const BATCH = 500;
/** New jobs read per scrape; the rest are read by the next scrapes (and counted as unknown meanwhile). */
const MAX_NEW_PER_SCRAPE = 5000;

const HEAD_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local data = redis.call('HGET', key, 'data')
  if data then out[i] = string.sub(data, 1, tonumber(ARGV[1])) else out[i] = '' end
end
return out`;

export interface PendingJobInfo {
  /** Archiver URL as written in the job (labelled later). */
  readonly url: string | null;
  /** body.ts in ms, null when missing or unparseable. */
  readonly tsMs: number | null;
}

export interface ArchiverBacklog {
  count: number;
  /** Oldest body.ts among the pending jobs, ms; null when none had one. */
  oldestTsMs: number | null;
}

function jsonString(head: string, key: string): string | null {
  const m = new RegExp(`"${key}"\\s*:\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(head);
  if (!m) return null;
  try {
    return JSON.parse(`"${m[1]}"`) as string;
  } catch {
    return null;
  }
}

/** url and body.ts from the first bytes of an archive job's JSON data; pure. */
export function readJobHead(head: string): PendingJobInfo {
  try {
    // Short data arrives whole: parse it properly.
    const data = JSON.parse(head) as { url?: unknown; body?: { ts?: unknown } };
    const ts = typeof data.body?.ts === 'string' ? Date.parse(data.body.ts) : NaN;
    return { url: typeof data.url === 'string' ? data.url : null, tsMs: Number.isFinite(ts) ? ts : null };
  } catch {
    const ts = jsonString(head, 'ts');
    const tsMs = ts === null ? NaN : Date.parse(ts);
    return { url: jsonString(head, 'url'), tsMs: Number.isFinite(tsMs) ? tsMs : null };
  }
}

export class PendingArchiveScanner {
  private readonly cache = new Map<string, PendingJobInfo>();

  constructor(private readonly control: Redis) {}

  /** Backlog per archiver label; `label` folds URLs to bounded label values. */
  async scan(queue: Queue, label: (url: string | null) => string): Promise<Map<string, ArchiverBacklog>> {
    const ids = await queue.getRanges([...PENDING_STATES], 0, -1);
    const pending = new Set(ids);
    for (const id of this.cache.keys()) if (!pending.has(id)) this.cache.delete(id);
    const missing = [...pending].filter((id) => !this.cache.has(id)).slice(0, MAX_NEW_PER_SCRAPE);
    for (let i = 0; i < missing.length; i += BATCH) {
      const batch = missing.slice(i, i + BATCH);
      const heads = (await this.control.eval(HEAD_SCRIPT, batch.length, ...batch.map((id) => queue.toKey(id)), HEAD_BYTES)) as string[];
      batch.forEach((id, j) => {
        // An id without data (removed meanwhile) is not cached, so it is looked at again if still listed.
        if (heads[j]) this.cache.set(id, readJobHead(heads[j]!));
      });
    }
    const backlog = new Map<string, ArchiverBacklog>();
    for (const id of pending) {
      const info = this.cache.get(id);
      const key = label(info?.url ?? null);
      const entry = backlog.get(key) ?? { count: 0, oldestTsMs: null };
      entry.count += 1;
      const ts = info?.tsMs ?? null;
      if (ts !== null && (entry.oldestTsMs === null || ts < entry.oldestTsMs)) entry.oldestTsMs = ts;
      backlog.set(key, entry);
    }
    return backlog;
  }
}
