// Deterministic job ids: the same tick fanned out twice yields the same ids, which BullMQ ignores.
import { createHash } from 'node:crypto';
import type { MeasurementSpec } from './measurement-spec.js';

/** BullMQ ids may not contain ':' (its key separator); IPv6 addresses do. */
function idPart(value: string): string {
  return value.replace(/[:/@|,%\s]/g, '_');
}

/** A measure job id without its slot: `testpoint__category__tool__dest[~source]__direction`; it names the spec. */
export function measureSpecKey(spec: MeasurementSpec): string {
  const dest = spec.source ? `${idPart(spec.dest.ip)}~${idPart(spec.source)}` : idPart(spec.dest.ip);
  return [spec.testpoint, spec.category, spec.tool ?? 'auto', dest, spec.direction].join('__');
}

export function measureJobId(spec: MeasurementSpec, slotMs: number): string {
  return `${measureSpecKey(spec)}__${slotMs}`;
}

export interface MeasureJobIdParts {
  /** The id without its slot (measureSpecKey of the spec it names). */
  readonly key: string;
  /** The category segment as written (not checked against the known categories). */
  readonly category: string;
  readonly slotMs: number;
}

/**
 * Splits a measure job id of `testpoint`'s, or null when it is none: it does not start with
 * `testpoint__` or does not end in `__<slot>`. The testpoint is given, not parsed: a testpoint name
 * may itself hold "__", and so may an IPv6 destination (its ':' become '_').
 */
export function parseMeasureJobId(jobId: string, testpoint: string): MeasureJobIdParts | null {
  const head = `${testpoint}__`;
  if (!jobId.startsWith(head)) return null;
  const cut = jobId.lastIndexOf('__');
  const slot = jobId.slice(cut + 2);
  if (cut < head.length || !/^\d{1,16}$/.test(slot)) return null;
  const rest = jobId.slice(head.length, cut);
  const end = rest.indexOf('__');
  const category = end === -1 ? rest : rest.slice(0, end);
  return { key: jobId.slice(0, cut), category, slotMs: Number(slot) };
}

/** A UUID-shaped id derived from the measurement job id (same job → same run_id, on every re-delivery). */
export function runIdFor(measureJobId: string): string {
  const h = createHash('sha256').update(`psq-run:${measureJobId}`).digest('hex');
  // Set the version (5-style) and variant bits so strict UUID validators accept it.
  const variant = ((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16).padStart(2, '0');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

/** The slot (scheduled time, ms) of a Job Scheduler job: ids are `repeat:<schedulerId>:<slotMs>`. */
export function slotFromSchedulerJobId(jobId: string): number | null {
  const tail = jobId.slice(jobId.lastIndexOf(':') + 1);
  return /^\d+$/.test(tail) ? Number(tail) : null;
}

export function archiveJobId(measureJobId: string, url: string, ts: string): string {
  const urlKey = createHash('sha256').update(url).digest('hex').slice(0, 12);
  return `${measureJobId}__${urlKey}__${ts.replace(/[^0-9]/g, '')}`;
}
