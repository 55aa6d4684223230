// The live progress line of run-once, replay and retry-failed when stderr is a terminal; a no-op
// elsewhere. Commands call show() while they wait and clear() before printing their summary.
import { countDeliveries, formatProgress, type RoundProgress } from '../operations/round-progress.js';
import type { StatusLine } from './status-line.js';

export interface ProgressDisplay {
  /** false: nothing is shown, so callers need not gather progress at all. */
  readonly live: boolean;
  show(progress: RoundProgress): void;
  clear(): void;
}

export const NO_PROGRESS: ProgressDisplay = { live: false, show: () => undefined, clear: () => undefined };

export function progressOn(status: StatusLine | null): ProgressDisplay {
  if (status === null) return NO_PROGRESS;
  return { live: true, show: (p) => status.set(formatProgress(p)), clear: () => status.clear() };
}

// replay and retry-failed (commands/deliveries.ts) reach the display through this hook, set once per
// process by main, so their signatures stay as they are.
let active: ProgressDisplay = NO_PROGRESS;

export function setProgressDisplay(display: ProgressDisplay): void {
  active = display;
}

/** For waitForDeliveries' onProgress: deliveries accepted / failed / pending on the progress line. */
export function deliveryProgress(): { onProgress: ((outcomes: readonly { state: 'delivered' | 'failed' | 'pending' }[]) => void) | undefined; clear: () => void } {
  const display = active;
  const startedAt = Date.now();
  return {
    onProgress: !display.live ? undefined : (outcomes) => display.show({ measurements: null, deliveries: countDeliveries(outcomes), elapsedMs: Date.now() - startedAt }),
    clear: () => display.clear(),
  };
}
