// When a round's measurements start and by when they must have started.
import type { RoundTiming } from './fan-out.js';
import { nextSlotAfter } from './next-slot.js';
import type { RoundSchedule } from './scheduler-sync.js';

/**
 * The delay after the tick (offset + a random part of the slip, drawn once for the round so its
 * measurements stay together) and the deadline: the schedule's next slot, after which the round is
 * stale. `random` returns [0, 1).
 */
export function roundTiming(schedule: Pick<RoundSchedule, 'pattern' | 'tz' | 'offsetMs' | 'slipMs'>, slotMs: number, random: () => number): RoundTiming {
  const delayMs = (schedule.offsetMs ?? 0) + Math.floor(random() * (schedule.slipMs ?? 0));
  const next = nextSlotAfter(schedule.pattern, schedule.tz, slotMs);
  return { ...(next !== null ? { notAfterMs: next } : {}), ...(delayMs > 0 ? { delayMs } : {}) };
}
