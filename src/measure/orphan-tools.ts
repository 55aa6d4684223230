// Tools left running by a dead measure worker. Belt and braces for parent-death.ts: every running
// tool is recorded as DATA_DIR/.running/<pid>.json (its process group, and the start times of it and
// its worker, so a reused pid is never mistaken for it); a measure role starting up kills the groups
// whose worker is gone before it takes jobs, so a re-run never competes with the run it replaces.
import { hostname } from 'node:os';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../logger.js';
import type { ToolTracker } from './run-tool.js';
import { makeDirectory } from '../keep/write-atomic.js';

export const RUNNING_DIR = '.running';

export interface RunningToolRecord {
  /** Records from another machine sharing DATA_DIR (NFS) are never judged here: pids are per host. */
  readonly host: string;
  readonly pid: number;
  readonly pgid: number;
  /** /proc/<pid>/stat starttime (clock ticks since boot): a pid reused later has another one. */
  readonly startTime: string;
  readonly workerPid: number;
  readonly workerStartTime: string;
  readonly command: string;
  readonly startedAt: string;
}

export interface ProcStat {
  readonly pgrp: number;
  readonly startTime: string;
}

/** The process group and start time from a /proc/<pid>/stat line; null when it does not read. Pure. */
export function parseProcStat(text: string): ProcStat | null {
  // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const fields = text.slice(close + 2).trim().split(/\s+/); // fields[0] is field 3 (state)
  const pgrp = Number(fields[2]);
  const startTime = fields[19];
  if (!Number.isSafeInteger(pgrp) || startTime === undefined || !/^\d+$/.test(startTime)) return null;
  return { pgrp, startTime };
}

/** The record, when the text is one; null for anything else (a torn or foreign file). Pure. */
export function parseRunningToolRecord(text: string): RunningToolRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null) return null;
  const r = v as Record<string, unknown>;
  const positive = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x > 1;
  const ticks = (x: unknown) => typeof x === 'string' && /^\d+$/.test(x);
  if (typeof r['host'] !== 'string' || !positive(r['pid']) || !positive(r['pgid']) || !positive(r['workerPid'])) return null;
  if (!ticks(r['startTime']) || !ticks(r['workerStartTime'])) return null;
  return r as unknown as RunningToolRecord;
}

export type OrphanVerdict =
  /** Its worker is alive: the tool is in use. */
  | 'in-use'
  /** Its worker is gone and the very same tool process still runs: kill its group. */
  | 'kill'
  /** Worker and tool are both gone: only the record is left. */
  | 'stale'
  /** Recorded on another host. */
  | 'foreign';

/**
 * What to do about one record, given what /proc says now about its worker and tool pids (null:
 * no such process). A pid counts as the same process only with the same start time. Pure.
 */
export function orphanVerdict(record: RunningToolRecord, thisHost: string, worker: ProcStat | null, tool: ProcStat | null): OrphanVerdict {
  if (record.host !== thisHost) return 'foreign';
  if (worker !== null && worker.startTime === record.workerStartTime) return 'in-use';
  if (tool !== null && tool.startTime === record.startTime && tool.pgrp === record.pgid) return 'kill';
  return 'stale';
}

export async function readProcStat(pid: number): Promise<ProcStat | null> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return null;
  }
}

/** A tracker that keeps the records under DATA_DIR; when it cannot write there it only logs (once). */
export function createToolTracker(dataDir: string, logger: Logger): ToolTracker {
  const dir = join(dataDir, RUNNING_DIR);
  const host = hostname();
  let worker: Promise<ProcStat | null> | undefined;
  let warned = false;
  return {
    async started(pid, command) {
      worker ??= readProcStat(process.pid);
      const [self, tool] = await Promise.all([worker, readProcStat(pid)]);
      if (!self || !tool) return; // the tool already ended, or no /proc: nothing to record
      const record: RunningToolRecord = {
        host,
        pid,
        pgid: tool.pgrp,
        startTime: tool.startTime,
        workerPid: process.pid,
        workerStartTime: self.startTime,
        command,
        startedAt: new Date().toISOString(),
      };
      try {
        await makeDirectory(dir);
        await writeFile(join(dir, `${pid}.json`), `${JSON.stringify(record)}\n`);
      } catch (err) {
        if (!warned) logger.warn({ dir, errno: (err as NodeJS.ErrnoException).code }, 'cannot record running tools (orphans of a crashed worker are then only stopped by the parent-death signal)');
        warned = true;
      }
    },
    async finished(pid) {
      await rm(join(dir, `${pid}.json`), { force: true }).catch(() => undefined);
    },
  };
}

/**
 * Kills the process groups of tools whose worker died (SIGKILL: nothing in them is worth a grace
 * period, and a lingering iperf3 keeps its destination busy) and removes every record that is no
 * longer in use. Returns how many groups were killed.
 */
export async function killOrphanedTools(dataDir: string, logger: Logger): Promise<number> {
  const dir = join(dataDir, RUNNING_DIR);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^\d+\.json$/.test(n));
  } catch {
    return 0; // no records (or no DATA_DIR yet)
  }
  const host = hostname();
  let killed = 0;
  for (const name of names) {
    const file = join(dir, name);
    const record = parseRunningToolRecord(await readFile(file, 'utf8').catch(() => ''));
    if (!record) {
      await rm(file, { force: true }).catch(() => undefined);
      continue;
    }
    const verdict = orphanVerdict(record, host, await readProcStat(record.workerPid), await readProcStat(record.pid));
    if (verdict === 'in-use' || verdict === 'foreign') continue;
    if (verdict === 'kill') {
      try {
        process.kill(-record.pgid, 'SIGKILL');
        killed += 1;
        logger.warn({ pid: record.pid, pgid: record.pgid, deadWorkerPid: record.workerPid, command: record.command, startedAt: record.startedAt }, 'killed a tool left running by a measure worker that died');
      } catch {
        // ended meanwhile
      }
    }
    await rm(file, { force: true }).catch(() => undefined);
  }
  return killed;
}
