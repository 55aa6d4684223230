// Sends one archive request and reports what happened as data; never throws for HTTP or network trouble.
import type { Dispatcher } from 'undici';
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
  /** Start of the archiver's answer, at most RESPONSE_TEXT_LIMIT characters; empty when delivered (not kept). */
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

export function postMeasurement(
  req: ArchiveRequest,
  dispatcher: Dispatcher,
  timeoutMs: number,
  options: PostOptions = {},
): Promise<PostResult> {
  const now = options.now ?? Date.now;
  const redact = options.redact ?? ((t: string): string => t);
  const outer = options.signal;
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);

  return new Promise<PostResult>((resolve) => {
    // undici's dispatch() with a handler of our own, not request(): no AbortController, response
    // stream or promise per chunk on every delivery, and the answer is read straight off the socket.
    let controller: Dispatcher.DispatchController | null = null;
    let abortReason: unknown = null;
    let settled = false;
    let status: number | null = null;
    let verdict: ReturnType<typeof classifyStatus> | null = null;
    let retryAfterMs: number | null = null;
    let keep = 0;
    let kept = 0;
    let truncated = false;
    const chunks: Buffer[] = [];

    const settle = (result: Omit<PostResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      outer?.removeEventListener('abort', onOuter);
      resolve({ ...result, durationMs: elapsed() });
    };
    const abort = (reason: unknown): void => {
      if (settled || abortReason !== null) return;
      abortReason = reason;
      // Before the request has started there is no controller yet: onRequestStart aborts it.
      controller?.abort(reason as Error);
    };
    const onOuter = (): void => abort(outer?.reason);
    // Connect, headers and body each have their own idle timeout; this bounds the whole exchange.
    const deadline = setTimeout(
      () => abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      timeoutMs * OVERALL_TIMEOUT_FACTOR + UNDICI_TIMER_SLACK_MS,
    );
    // Like AbortSignal.timeout: a pending deadline alone never keeps the process alive.
    deadline.unref();
    if (outer?.aborted) abort(outer.reason);
    else outer?.addEventListener('abort', onOuter, { once: true });

    const failed = (err: unknown): void => {
      const cause = abortReason ?? err;
      if (verdict === null || status === null) {
        const c = classifyNetworkError(cause);
        settle({ outcome: c.outcome, status: null, retryAfterMs: null, responseText: '', reason: redact(c.reason) });
        return;
      }
      // The status already says what the archiver decided; a broken body only adds a note.
      settle({
        outcome: verdict.outcome,
        status,
        retryAfterMs,
        responseText: answerText(chunks, keep, truncated, redact),
        reason: `${verdict.reason}; reading the answer failed: ${redact(classifyNetworkError(cause).reason)}`,
      });
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (abortReason !== null) c.abort(abortReason as Error);
      },
      onResponseStart(_c, statusCode, headers) {
        status = statusCode;
        verdict = classifyStatus(statusCode);
        retryAfterMs = parseRetryAfter(firstHeader(headers['retry-after']), now());
        // A delivery's answer is read to the end (an unread body would pin the socket) but not
        // kept: nothing reads it. Otherwise keep enough to redact a secret straddling the limit.
        keep = verdict.outcome === 'delivered' ? 0 : RESPONSE_TEXT_LIMIT + REDACTION_READ_MARGIN;
      },
      onResponseData(_c, chunk) {
        if (kept < keep) {
          chunks.push(chunk);
          kept += chunk.length;
        } else if (keep > 0) {
          truncated = true;
        }
      },
      onResponseEnd() {
        if (verdict === null || status === null) {
          failed(new Error('the archiver answered without a status'));
          return;
        }
        settle({ outcome: verdict.outcome, status, retryAfterMs, responseText: answerText(chunks, keep, truncated, redact), reason: verdict.reason });
      },
      onResponseError(_c, err) {
        failed(err);
      },
    };

    try {
      dispatcher.dispatch(
        { origin: req.origin, path: req.path, method: 'POST', headers: req.headers, body: req.body, headersTimeout: timeoutMs, bodyTimeout: timeoutMs },
        handler,
      );
    } catch (err) {
      failed(err);
    }
  });
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The kept start of the answer, redacted, then clipped to RESPONSE_TEXT_LIMIT. */
function answerText(chunks: readonly Buffer[], keep: number, truncated: boolean, redact: (text: string) => string): string {
  if (keep === 0 || chunks.length === 0) return '';
  const text = Buffer.concat(chunks).toString('utf8');
  const read = truncated || text.length > keep ? `${text.slice(0, keep)}…` : text;
  return clipText(redact(read), RESPONSE_TEXT_LIMIT);
}

function clipText(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}
