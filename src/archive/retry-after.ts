// Parses an HTTP Retry-After header (RFC 9110 §10.2.3) into a wait in ms; pure.

const DELTA_SECONDS = /^\d+$/;
// RFC 9110 obliges recipients to accept all three date forms, so an old proxy's answer still counts.
const IMF_FIXDATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE = /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Milliseconds to wait (≥ 0) from `value`, either delta-seconds or an HTTP-date relative to
 * `nowMs`; a date in the past gives 0. Anything else (negative, fractional, free text) gives null,
 * so a garbled header falls back to our own backoff instead of a bogus wait.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (DELTA_SECONDS.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? ms : null;
  }
  let dateText: string;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) dateText = text;
  // asctime carries no zone; the RFC says it is GMT, while Date.parse would read it as local time.
  else if (ASCTIME_DATE.test(text)) dateText = `${text} GMT`;
  else return null;
  const at = Date.parse(dateText);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}
