// When a schedule fires next after a slot: the deadline for that slot's measurements (stale-round.ts).
import { CronExpressionParser } from 'cron-parser';

/** The first fire time of `pattern` in `tz` after `slotMs`; null when the pattern never fires again. */
export function nextSlotAfter(pattern: string, tz: string, slotMs: number): number | null {
  try {
    return CronExpressionParser.parse(pattern, { currentDate: new Date(slotMs), tz }).next().getTime();
  } catch {
    return null;
  }
}
