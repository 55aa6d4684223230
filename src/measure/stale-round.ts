// Whether a measurement is too late to run: its round's period is over (the testpoint was down, or
// its slots were busy). Running it now would pile a day's backlog onto a testpoint that comes back,
// and measure at a time nobody planned; the next round measures the same path anyway. Pure.
import type { MeasureJobData } from '../jobs/measure-job.js';

/** null when the job may run; else the reason it is dropped. */
export function staleRoundReason(data: Pick<MeasureJobData, 'slotMs' | 'notAfterMs'>, nowMs: number): string | null {
  if (data.notAfterMs === undefined || nowMs < data.notAfterMs) return null;
  const lateS = Math.round((nowMs - data.notAfterMs) / 1000);
  return `dropped: not started before the next round (slot ${new Date(data.slotMs).toISOString()}, next round ${new Date(data.notAfterMs).toISOString()}, ${lateS} s past it)`;
}
