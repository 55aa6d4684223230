// The archive worker's progress line: how many deliveries the archiver accepted in the last
// interval, one info line per interval (none while idle). Each delivery is logged at debug level
// only; at thousands a second a line each cost more CPU than the delivery itself.
import type { Logger } from '../logger.js';

export const DELIVERY_SUMMARY_INTERVAL_MS = 10_000;

export interface DeliverySummary {
  /** One more delivery accepted. */
  delivered(): void;
  /** Stops the timer and logs what was counted since the last line. Idempotent. */
  close(): void;
}

export function deliverySummary(logger: Logger, fields: Readonly<Record<string, unknown>>, everyMs = DELIVERY_SUMMARY_INTERVAL_MS): DeliverySummary {
  let count = 0;
  let since = performance.now();
  let closed = false;
  const flush = (): void => {
    const now = performance.now();
    if (count > 0) {
      const seconds = Math.round((now - since) / 100) / 10;
      logger.info({ ...fields, delivered: count, seconds }, `archive delivered ${count} in the last ${seconds} s`);
    }
    count = 0;
    since = now;
  };
  const timer = setInterval(flush, everyMs);
  // Progress reporting alone never keeps the process alive.
  timer.unref();
  return {
    delivered() {
      count += 1;
    },
    close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      flush();
    },
  };
}
