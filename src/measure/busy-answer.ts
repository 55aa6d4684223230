// iperf3's "the server is busy" answer: another client is testing against that destination right
// now. It says nothing about the path, so it is a reason to wait, not a failed measurement. Pure.

/**
 * iperf3's IESERVERBUSY text (iperf 3.x: "the server is busy running a test. try again later").
 * The direct backend and pScheduler both report it inside `error` ("iperf3 returned an error: …").
 */
const BUSY_TEXT = /the server is busy running a test/i;

/** Whether a pScheduler-shaped result is iperf3's busy answer rather than a measurement. */
export function isBusyAnswer(result: unknown): boolean {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) return false;
  const r = result as Record<string, unknown>;
  if (r['succeeded'] === true) return false;
  return typeof r['error'] === 'string' && BUSY_TEXT.test(r['error']);
}
