// Bounds for untrusted job data and for the refusal reasons that quote it. Anyone with Redis or
// dashboard access can add a job; a worker must refuse a 10 MB one at once, and a refusal must not
// copy a 1 MB field into the job's failedReason, the logs or the dashboard. Pure.

/** The largest measure or tick job data (JSON) a worker accepts; a planned job is well under 2 KiB. */
export const MAX_JOB_DATA_BYTES = 64 * 1024;

/** How much of an offending value a refusal quotes. */
const VALUE_CHARS = 80;
/** How long a whole refusal reason may get (several problems joined). */
const REASON_CHARS = 1000;

/** Bytes of `data` as JSON (what Redis holds); null when it cannot be serialised at all. */
export function jobDataBytes(data: unknown): number | null {
  try {
    const text = JSON.stringify(data);
    return text === undefined ? 0 : Buffer.byteLength(text);
  } catch {
    return null;
  }
}

/** A problem when `data` is over `max` bytes (or not serialisable), else null. */
export function jobDataSizeProblem(data: unknown, max = MAX_JOB_DATA_BYTES): string | null {
  const bytes = jobDataBytes(data);
  if (bytes === null) return 'job data cannot be read as JSON';
  return bytes > max ? `job data is ${bytes} bytes, over the ${max}-byte limit for this queue` : null;
}

/** Cut `text` to `max` characters, saying how long it was. */
export function clipText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}

/** A value as JSON for a refusal reason, clipped: `"abc"`, `null`, `{"a":1…(1048590 chars)`. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return clipText(text, VALUE_CHARS);
}

/** Problems joined into one failedReason, bounded. */
export function refusalReason(prefix: string, problems: readonly string[]): string {
  return clipText(`${prefix}: ${problems.join('; ')}`, REASON_CHARS);
}
