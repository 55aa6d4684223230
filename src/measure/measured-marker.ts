// "This attempt of this job was measured, and here is its result": a small marker per measure job,
// so a re-run of the same attempt reuses the kept result instead of measuring again.
//
// Why: when Redis is unreachable for longer than the job lock, BullMQ's stalled-job check hands the
// job out again once Redis is back, although the first run measured (and may still be measuring).
// Measuring again would deliver the same measurement twice under two `ts` = two archiver records.
// Reusing the kept result re-enqueues the archive jobs with the same run_id and ts, whose
// deterministic ids BullMQ deduplicates (and the archiver upserts by run_id + ts anyway).
//
// Layout: DATA_DIR/.measured/<YYYY-MM-DD of the job's slot>/<sha256(job id)>.json. The slot comes
// from the job id, so the lookup is one stat with no directory scan, and old days go as a whole.
// Replay and the cron runner's globs only look at DATA_DIR/<category>/, so this directory is invisible
// to them; it is disposable (losing it only means a re-run measures again, as before).
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { ResultMeta } from '../keep/result-meta.js';
import { metaPath } from '../keep/result-path.js';
import { writeFileAtomic } from '../keep/write-atomic.js';

export const MEASURED_DIR = '.measured';
/** Measure jobs live 7 days in Redis (removeOnComplete); a marker is of no use after its job is gone. */
export const MARKER_KEEP_DAYS = 8;
const UNSLOTTED = 'unslotted';
const DAY_MS = 86_400_000;

export interface MeasuredMarker {
  readonly measureJobId: string;
  /** job.attemptsMade of the run that measured: a lost-lock re-run has the same, a retry a higher one. */
  readonly attemptsMade: number;
  /** The kept result, relative to DATA_DIR. */
  readonly resultFile: string;
  /** Why the measurement failed (null when it succeeded), to end the re-run with the same message. */
  readonly failure: string | null;
}

export interface EarlierRun {
  readonly file: string;
  readonly meta: ResultMeta;
  readonly raw: Record<string, unknown>;
  readonly failure: string | null;
}

/** The day (UTC) of the slot a measure job id ends with (`…__<slotMs>`), or "unslotted". Pure. */
export function slotDay(jobId: string): string {
  const m = /__(\d{10,16})$/.exec(jobId);
  if (!m) return UNSLOTTED;
  const at = new Date(Number(m[1]));
  return Number.isNaN(at.getTime()) ? UNSLOTTED : at.toISOString().slice(0, 10);
}

/** Where the marker of `jobId` lives. Pure. */
export function markerPath(dataDir: string, jobId: string): string {
  const name = createHash('sha256').update(jobId).digest('hex');
  return join(dataDir, MEASURED_DIR, slotDay(jobId), `${name}.json`);
}

/** Day directories (YYYY-MM-DD) older than `keepDays` before `nowMs`. Pure. */
export function expiredDays(days: readonly string[], nowMs: number, keepDays: number): string[] {
  const cutoff = new Date(nowMs - keepDays * DAY_MS).toISOString().slice(0, 10);
  return days.filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && d < cutoff);
}

/**
 * Record that `resultFile` is the result of this attempt: once the result has its name (its .meta is
 * named alongside; a marker read before that, or left by a keep that failed, finds no .meta and reads
 * as "not measured"), and before any archive job.
 */
export async function recordMeasured(dataDir: string, jobId: string, attemptsMade: number, resultFile: string, failure: string | null): Promise<void> {
  const marker: MeasuredMarker = {
    measureJobId: jobId,
    attemptsMade,
    resultFile: relative(dataDir, resultFile),
    failure,
  };
  // Not fsynced: a marker lost to a power failure only means the re-run measures again (see above),
  // and the rename still shows a reader the whole marker or none.
  await writeFileAtomic(markerPath(dataDir, jobId), `${JSON.stringify(marker)}\n`, { sync: false });
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8')) as unknown;
}

/**
 * The result this very attempt already produced, or null when there is none (never measured, a
 * retry — a higher attemptsMade — or the files are gone). A marker that points at something
 * unreadable counts as none: measuring again is the safe answer.
 */
export async function findEarlierRun(dataDir: string, jobId: string, attemptsMade: number): Promise<EarlierRun | null> {
  let marker: Partial<MeasuredMarker>;
  try {
    marker = (await readJson(markerPath(dataDir, jobId))) as Partial<MeasuredMarker>;
  } catch {
    return null;
  }
  if (marker.measureJobId !== jobId || marker.attemptsMade !== attemptsMade || typeof marker.resultFile !== 'string') return null;
  const file = join(dataDir, marker.resultFile);
  try {
    const meta = (await readJson(metaPath(file))) as ResultMeta;
    const raw = await readJson(file);
    if (meta.measureJobId !== jobId || typeof meta.ts !== 'string' || typeof meta.run_id !== 'string') return null;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return null;
    return { file, meta, raw: raw as Record<string, unknown>, failure: typeof marker.failure === 'string' ? marker.failure : null };
  } catch {
    return null;
  }
}

/** Remove markers of days older than `keepDays` (and unslotted ones by age). Returns how many days went. */
export async function pruneMeasuredMarkers(dataDir: string, nowMs: number, keepDays = MARKER_KEEP_DAYS): Promise<number> {
  const root = join(dataDir, MEASURED_DIR);
  let days: string[];
  try {
    days = await readdir(root);
  } catch {
    return 0;
  }
  const expired = expiredDays(days, nowMs, keepDays);
  for (const d of expired) await rm(join(root, d), { recursive: true, force: true });
  if (days.includes(UNSLOTTED)) {
    const dir = join(root, UNSLOTTED);
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const s = await stat(join(dir, name)).catch(() => null);
      if (s && s.mtimeMs < nowMs - keepDays * DAY_MS) await rm(join(dir, name), { force: true });
    }
  }
  return expired.length;
}
