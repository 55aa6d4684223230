// Checks an archive job's data before anything is sent: job data can be written straight into
// Redis or edited in the dashboard, so the worker that runs a job trusts none of it; pure.
import { maskUserinfo } from '../config/archive-urls.js';
import { CATEGORIES, DIRECTIONS, isCategory } from '../plan/categories.js';
import type { ArchiveBody, ArchiveJobData } from '../jobs/archive-job.js';

/** One reason a job is refused: the field, its value as shown (clipped, without credentials), what was expected. */
export interface ArchiveJobProblem {
  readonly field: string;
  readonly value: string;
  readonly expected: string;
}

export type ArchiveJobCheck =
  | { readonly ok: true; readonly data: ArchiveJobData; readonly bodyBytes: number; readonly bodyText: string }
  | { readonly ok: false; readonly problem: ArchiveJobProblem; /** Well-formed, only over the size bound. */ readonly tooLarge: boolean };

export interface ArchiveJobLimits {
  /** Largest serialized archiver body (the POST), bytes. */
  readonly maxBodyBytes: number;
}

/**
 * Room in the POST body beyond the measurement result itself: src, dst, direction, ts and run_id,
 * each bounded below, plus the JSON around them.
 */
export const ARCHIVE_BODY_ENVELOPE_BYTES = 64 * 1024;

/** The POST body bound for a given MAX_RESULT_BYTES: the result plus the envelope. */
export function archiveBodyLimit(maxResultBytes: number): number {
  return maxResultBytes + ARCHIVE_BODY_ENVELOPE_BYTES;
}

/** The archiver API's body keys, exactly (DESIGN.md, "The archiver API"). */
export const ARCHIVE_BODY_KEYS = ['src', 'dst', 'direction', 'ts', 'run_id', 'raw'] as const;
const NODE_KEYS = ['ip', 'name'] as const;

const MAX_URL_CHARS = 2048;
const MAX_NODE_CHARS = 255;
const MAX_RUN_ID_CHARS = 128;
const MAX_PATH_CHARS = 4096;
/** How much of a bad value a refusal shows. */
const SHOWN_VALUE_CHARS = 80;

// RFC 3339 date-time (section 5.6), which is what the archiver's database accepts.
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
// Visible ASCII: run_id goes into the Idempotency-Key header, where CR/LF would split the request.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\x00-\x1f\x7f]/;
const TESTPOINT_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Check every field of an archive job; the first problem found is the refusal. */
export function checkArchiveJob(data: unknown, limits: ArchiveJobLimits): ArchiveJobCheck {
  const problem = findProblem(data);
  if (problem !== null) return { ok: false, problem, tooLarge: false };
  const job = data as ArchiveJobData;
  // Serialized once here; the request sends this very text (a result can be megabytes).
  const bodyText = JSON.stringify(pickArchiveBody(job.body));
  const bodyBytes = Buffer.byteLength(bodyText, 'utf8');
  if (bodyBytes > limits.maxBodyBytes) {
    return {
      ok: false,
      tooLarge: true,
      problem: {
        field: 'body',
        value: `(${bodyBytes} bytes serialized)`,
        expected: `at most ${limits.maxBodyBytes} bytes (MAX_RESULT_BYTES plus ${ARCHIVE_BODY_ENVELOPE_BYTES} for the envelope)`,
      },
    };
  }
  return { ok: true, data: job, bodyBytes, bodyText };
}

/** Exactly the archiver's keys, in its order: the archiver rejects unknown keys with 400. */
export function pickArchiveBody(b: ArchiveBody): ArchiveBody {
  return { src: b.src, dst: b.dst, direction: b.direction, ts: b.ts, run_id: b.run_id, raw: b.raw };
}

/** One line naming the field, its value and what is expected. */
export function formatArchiveJobProblem(p: ArchiveJobProblem): string {
  return `${p.field}=${p.value}: expected ${p.expected}`;
}

/** A value as a refusal shows it: JSON for scalars (control characters escaped), clipped; a shape for the rest. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  if (typeof value === 'string') {
    const shown = JSON.stringify(value.length > SHOWN_VALUE_CHARS ? value.slice(0, SHOWN_VALUE_CHARS) : value);
    return value.length > SHOWN_VALUE_CHARS ? `${shown}… (${value.length} chars)` : shown;
  }
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `(an array of ${value.length})`;
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    const listed = keys.slice(0, 8).map((k) => JSON.stringify(k.slice(0, 40))).join(', ');
    return `(an object with keys ${listed}${keys.length > 8 ? ', …' : ''})`;
  }
  return `(a ${typeof value})`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function problemAt(field: string, value: unknown, expected: string): ArchiveJobProblem {
  return { field, value: showValue(value), expected };
}

function text(field: string, value: unknown, maxChars: number): ArchiveJobProblem | null {
  if (typeof value !== 'string' || value === '') return problemAt(field, value, `a non-empty string`);
  if (value.length > maxChars) return problemAt(field, value, `at most ${maxChars} characters`);
  if (CONTROL_CHARS.test(value)) return problemAt(field, value, 'no control characters (CR, LF, tab, …)');
  return null;
}

function exactKeys(field: string, value: Record<string, unknown>, keys: readonly string[]): ArchiveJobProblem | null {
  const extra = Object.keys(value).filter((k) => !keys.includes(k));
  if (extra.length > 0) return problemAt(`${field}.${extra[0]!.slice(0, 40)}`, value[extra[0]!], `no such key (${field} holds exactly ${keys.join(', ')})`);
  const missing = keys.find((k) => !(k in value));
  if (missing !== undefined) return problemAt(`${field}.${missing}`, undefined, `present (${field} holds exactly ${keys.join(', ')})`);
  return null;
}

function findProblem(data: unknown): ArchiveJobProblem | null {
  if (!isRecord(data)) return problemAt('data', data, 'an object with url, category, body, resultFile, testpoint, measurementSucceeded');

  if (typeof data.url !== 'string' || data.url === '') return problemAt('url', data.url, 'the archiver base URL (a string)');
  if (data.url.length > MAX_URL_CHARS) return problemAt('url', maskUserinfo(data.url), `at most ${MAX_URL_CHARS} characters`);
  if (!/^https?:\/\//i.test(data.url)) return problemAt('url', maskUserinfo(data.url), 'an http:// or https:// archiver URL');

  if (typeof data.category !== 'string' || !isCategory(data.category)) return problemAt('category', data.category, `one of ${CATEGORIES.join(', ')}`);

  const body = data.body;
  if (!isRecord(body)) return problemAt('body', body, `an object with exactly ${ARCHIVE_BODY_KEYS.join(', ')}`);
  const keys = exactKeys('body', body, ARCHIVE_BODY_KEYS);
  if (keys !== null) return keys;
  for (const side of ['src', 'dst'] as const) {
    const node = body[side];
    if (!isRecord(node)) return problemAt(`body.${side}`, node, 'an object with exactly ip, name');
    const nodeKeys = exactKeys(`body.${side}`, node, NODE_KEYS);
    if (nodeKeys !== null) return nodeKeys;
    for (const k of NODE_KEYS) {
      const bad = text(`body.${side}.${k}`, node[k], MAX_NODE_CHARS);
      if (bad !== null) return bad;
    }
  }
  if (!(DIRECTIONS as readonly unknown[]).includes(body.direction)) return problemAt('body.direction', body.direction, DIRECTIONS.join(' or '));
  if (typeof body.ts !== 'string' || !RFC3339.test(body.ts) || Number.isNaN(Date.parse(body.ts))) {
    return problemAt('body.ts', body.ts, 'an RFC 3339 time such as 2026-11-25T10:00:00Z');
  }
  if (typeof body.run_id !== 'string' || body.run_id.length > MAX_RUN_ID_CHARS || !VISIBLE_ASCII.test(body.run_id)) {
    return problemAt('body.run_id', body.run_id, `1 to ${MAX_RUN_ID_CHARS} visible ASCII characters (no spaces or control characters)`);
  }
  if (!isRecord(body.raw)) return problemAt('body.raw', body.raw, 'the measurement result (a JSON object)');

  // null: DATA_DIR could not keep the result (full or read-only disk); it is delivered all the same.
  const file = data.resultFile === null ? null : text('resultFile', data.resultFile, MAX_PATH_CHARS);
  if (file !== null) return file;
  if (typeof data.testpoint !== 'string' || !TESTPOINT_ID.test(data.testpoint)) {
    return problemAt('testpoint', data.testpoint, '1 to 64 of letters, digits, . _ -');
  }
  if (typeof data.measurementSucceeded !== 'boolean') return problemAt('measurementSucceeded', data.measurementSucceeded, 'true or false');
  return null;
}
