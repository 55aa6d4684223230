// Where a result lives on disk, compatible with the cron runner's names. Pure.
import { join } from 'node:path';
import type { MeasurementSpec } from '../plan/measurement-spec.js';

/** The cron runner replaced these in name and dest. */
export function safeName(value: string): string {
  return value.replace(/[:/@|,]/g, '_');
}

/** `YYYYMMDD-HHMMSSZ` in UTC. */
export function fileTimestamp(at: Date): string {
  const iso = at.toISOString(); // 2026-11-25T10:00:00.000Z
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** `DATA_DIR/<category>/<name>@<dest>_<tool|auto>_<YYYYMMDD-HHMMSSZ>_<forward|reverse>.json` */
export function resultPath(dataDir: string, spec: MeasurementSpec, startedAt: Date): string {
  const file = `${safeName(spec.dest.name)}@${safeName(spec.dest.ip)}_${spec.tool ?? 'auto'}_${fileTimestamp(startedAt)}_${spec.direction}.json`;
  return join(dataDir, spec.category, file);
}

/** Delivery metadata kept beside each result (run_id, ts, src/dst), so replay re-sends identical bodies. */
export function metaPath(resultFile: string): string {
  return `${resultFile}.meta`;
}

/** RFC 3339 UTC, second precision: the `ts` every delivery of this result carries. */
export function measurementTs(startedAt: Date): string {
  return `${startedAt.toISOString().slice(0, 19)}Z`;
}
