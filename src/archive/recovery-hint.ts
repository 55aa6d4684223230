// What an operator runs to recover a delivery that failed for good, said in its failedReason and
// log line rather than only "retry it from the dashboard"; pure.

/** How a delivery ended up failed for good. */
export type FailureKind = 'rejected' | 'exhausted' | 'refused' | 'too-large';

const REPLAY = '`psq replay --since <time>` (sends the results again from the files on disk)';

/**
 * The next step for a delivery that failed. `status` picks the cause to fix for a rejection:
 * a wrong URL (404, 405, redirects) or token (401, 403) is fixed in the configuration first.
 */
export function recoveryHint(kind: FailureKind, status: number | null, archiverUrl: string): string {
  if (kind === 'refused') {
    return 'psq never makes such a job (was it added or edited by hand, in the dashboard or Redis?); to deliver a result ' +
      `again, run ${REPLAY}`;
  }
  if (kind === 'too-large') {
    return 'the result stays on disk (resultFile); to send it, raise MAX_RESULT_BYTES on the archive workers (and the ' +
      `archiver's own limit), then run ${REPLAY}`;
  }
  if (kind === 'exhausted') {
    return `once the archiver answers again, run \`psq retry-failed\` (or ${REPLAY})`;
  }
  if (status === 404 || status === 405 || (status !== null && status >= 300 && status < 400)) {
    return `fix ARCHIVE_URLS, then run \`psq retry-failed --from ${archiverUrl}\` to send these deliveries to the new URL ` +
      `(or ${REPLAY})`;
  }
  if (status === 401 || status === 403) return `fix AUTH_TOKEN, then run \`psq retry-failed\` (or ${REPLAY})`;
  return `fix the cause, then run \`psq retry-failed\` (or ${REPLAY})`;
}
