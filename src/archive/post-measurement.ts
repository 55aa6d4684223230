// Sends one archive request and reports what happened as data; never throws for HTTP or network trouble.
import { request, type Dispatcher } from 'undici';
import type { ArchiveRequest } from './archive-request.js';
import { classifyNetworkError, classifyStatus, type DeliveryOutcome } from './classify.js';
import { parseRetryAfter } from './retry-after.js';

/** The archiver's answer is kept only this far: enough for an error message, bounded in Redis. */
export const RESPONSE_TEXT_LIMIT = 2048;

/**
 * Connect, headers and body each have their own idle timeout (the dispatcher's); a body that
 * trickles one byte just inside it would never trip them, so the whole exchange gets a deadline of
 * this many timeouts plus a slack: undici checks its idle timers on a ~1 s tick, and the slack lets
 * the specific error (headers vs body timeout) surface before this backstop fires.
 */
export const OVERALL_TIMEOUT_FACTOR = 3;
export const UNDICI_TIMER_SLACK_MS = 1000;

export interface PostResult {
  readonly outcome: DeliveryOutcome;
  /** HTTP status, or null when no answer arrived. */
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  /** Start of the archiver's answer, at most RESPONSE_TEXT_LIMIT characters. */
  readonly responseText: string;
  readonly reason: string;
  readonly durationMs: number;
}

/**
 * Read past RESPONSE_TEXT_LIMIT by this much before redacting, so a secret that straddles the
 * limit is still seen whole and removed before the text is clipped.
 */
export const REDACTION_READ_MARGIN = 4096;

export interface PostOptions {
  /** Cancels the request (e.g. the BullMQ job's signal on shutdown). */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  /**
   * Removes secrets from the archiver's answer and from error text before they leave this
   * function (an archiver may echo the Authorization header back).
   */
  readonly redact?: (text: string) => string;
}

export async function postMeasurement(
  req: ArchiveRequest,
  dispatcher: Dispatcher,
  timeoutMs: number,
  options: PostOptions = {},
): Promise<PostResult> {
  const now = options.now ?? Date.now;
  const redact = options.redact ?? ((t: string): string => t);
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const deadline = AbortSignal.timeout(timeoutMs * OVERALL_TIMEOUT_FACTOR + UNDICI_TIMER_SLACK_MS);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;

  let res: Dispatcher.ResponseData;
  try {
    res = await request(req.url, {
      dispatcher,
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    const c = classifyNetworkError(signal.aborted ? (signal.reason ?? err) : err);
    return { outcome: c.outcome, status: null, retryAfterMs: null, responseText: '', reason: redact(c.reason), durationMs: elapsed() };
  }

  const status = res.statusCode;
  const verdict = classifyStatus(status);
  const retryAfterMs = parseRetryAfter(firstHeader(res.headers['retry-after']), now());
  let responseText = '';
  let reason = verdict.reason;
  try {
    responseText = clipText(redact(await readBounded(res.body, RESPONSE_TEXT_LIMIT + REDACTION_READ_MARGIN)), RESPONSE_TEXT_LIMIT);
  } catch (err) {
    // The status already says what the archiver decided; a broken body only adds a note.
    reason = `${reason}; reading the answer failed: ${redact(classifyNetworkError(err).reason)}`;
  }
  return { outcome: verdict.outcome, status, retryAfterMs, responseText, reason, durationMs: elapsed() };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Keeps the first `limit` bytes and drains the rest unkept: an unread body would pin the socket,
 * and the overall deadline bounds how long a huge or endless answer can take.
 */
async function readBounded(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    if (kept < limit) {
      chunks.push(buf);
      kept += buf.length;
    } else {
      truncated = true;
    }
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return truncated || text.length > limit ? `${text.slice(0, limit)}…` : text;
}

function clipText(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
