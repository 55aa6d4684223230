// `psq replay`: re-enqueue deliveries from the result files on disk, with the run_id and ts each
// file was first sent with, so a replay upserts instead of adding rows.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobsOptions } from 'bullmq';
import { runIdFor } from '../plan/job-id.js';
import { CATEGORIES, type Category } from '../plan/categories.js';
import type { ResultMeta } from '../keep/result-meta.js';
import { measurementTs, metaPath } from '../keep/result-path.js';
import type { ArchiveJobData } from '../jobs/archive-job.js';
import { archiveQueueName } from '../queues/queue-names.js';
import { parseResultFileName } from '../keep/result-file-name.js';

export interface ReplayFilter {
  readonly since: Date;
  readonly until: Date | null;
  readonly category: Category | null;
  /**
   * Also replay cron-runner files (no .meta written by psq). The cron runner sent no run_id or ts,
   * so the archiver made its own: replaying them to an archiver that holds them adds a second row.
   */
  readonly legacy: boolean;
}

export interface ReplayItem {
  readonly file: string;
  readonly category: Category;
  readonly meta: ResultMeta;
  readonly raw: unknown;
}

export interface ReplayScan {
  readonly items: ReplayItem[];
  /** Files that could not be replayed, with why (unreadable JSON, unknown name pattern). */
  readonly problems: { file: string; reason: string }[];
  /** Results that were never meant for the archivers (a failed attempt that was retried). */
  readonly notArchived: number;
  /** Cron-runner files in the window left out because --legacy was not given. */
  readonly legacySkipped: number;
}

export function inWindow(ts: string, f: ReplayFilter): boolean {
  const t = Date.parse(ts);
  return t >= f.since.getTime() && (f.until === null || t <= f.until.getTime());
}

const LEGACY_JOB_PREFIX = 'legacy__';

/**
 * Meta for a file that has none (written by the cron runner): derived from its name only, so every
 * replay of the file sends the same run_id and ts without writing anything into DATA_DIR.
 */
function metaFromName(category: Category, fileName: string, testpoint: string, src: { ip: string; name: string }): ResultMeta | null {
  const parsed = parseResultFileName(fileName);
  if (!parsed) return null;
  const id = `${LEGACY_JOB_PREFIX}${category}__${fileName}`;
  return {
    run_id: runIdFor(id),
    ts: measurementTs(parsed.startedAt),
    measureJobId: id,
    testpoint,
    category,
    tool: parsed.tool === 'auto' ? null : parsed.tool,
    direction: parsed.direction,
    src,
    dst: { ip: parsed.dest, name: parsed.name },
    succeeded: true,
    archived: true,
  };
}

function isLegacyMeta(meta: ResultMeta): boolean {
  return typeof meta.measureJobId === 'string' && meta.measureJobId.startsWith(LEGACY_JOB_PREFIX);
}

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, 'utf8'));
}

export async function scanResults(
  dataDir: string,
  filter: ReplayFilter,
  identity: { testpoint: string; src: { ip: string; name: string } },
): Promise<ReplayScan> {
  const items: ReplayItem[] = [];
  const problems: { file: string; reason: string }[] = [];
  let notArchived = 0;
  let legacySkipped = 0;
  for (const category of filter.category ? [filter.category] : CATEGORIES) {
    const dir = join(dataDir, category);
    let names: string[];
    try {
      names = (await readdir(dir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort();
    } catch {
      continue; // no results of this category
    }
    for (const name of names) {
      const file = join(dir, name);
      let meta: ResultMeta | null;
      try {
        meta = (await readJson(metaPath(file))) as ResultMeta;
      } catch {
        meta = metaFromName(category, name, identity.testpoint, identity.src);
        if (!meta) {
          problems.push({ file, reason: 'no .meta beside it and the name does not follow <name>@<dest>_<tool>_<time>_<direction>.json' });
          continue;
        }
      }
      if (typeof meta !== 'object' || meta === null || typeof meta.ts !== 'string') {
        problems.push({ file, reason: `${metaPath(file)} is not a psq .meta (no ts)` });
        continue;
      }
      if (!inWindow(meta.ts, filter)) continue;
      // A .meta derived from the name (written by earlier versions of replay) is a cron-runner file too.
      if (!filter.legacy && isLegacyMeta(meta)) {
        legacySkipped += 1;
        continue;
      }
      if (!meta.archived) {
        notArchived += 1;
        continue;
      }
      try {
        items.push({ file, category, meta, raw: await readJson(file) });
      } catch (err) {
        problems.push({ file, reason: `not readable as JSON: ${(err as Error).message}` });
      }
    }
  }
  return { items, problems, notArchived, legacySkipped };
}

export function replayJobId(item: ReplayItem, url: string, replayMs: number): string {
  const urlKey = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return `replay__${item.meta.run_id}__${urlKey}__${replayMs}`;
}

/** One archive job per item and archiver. Pure. */
export function replayJobs(items: readonly ReplayItem[], urls: readonly string[], replayMs: number, options: JobsOptions) {
  return items.flatMap((item) =>
    urls.map((url) => {
      const data: ArchiveJobData = {
        url,
        category: item.category,
        body: { src: item.meta.src, dst: item.meta.dst, direction: item.meta.direction, ts: item.meta.ts, run_id: item.meta.run_id, raw: item.raw },
        resultFile: item.file,
        testpoint: item.meta.testpoint,
        measurementSucceeded: item.meta.succeeded,
      };
      return {
        queue: archiveQueueName(url),
        name: `replay ${item.category} ${item.meta.dst.name}`,
        data,
        opts: { ...options, jobId: replayJobId(item, url, replayMs) },
      };
    }),
  );
}
