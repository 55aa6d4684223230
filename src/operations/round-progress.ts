// The live progress line of run-once, replay and retry-failed at a terminal. Pure.

export interface MeasurementCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
}

export interface DeliveryCounts {
  readonly delivered: number;
  readonly failed: number;
  readonly pending: number;
}

export interface RoundProgress {
  /** null for replay and retry-failed, which only deliver. */
  readonly measurements: MeasurementCounts | null;
  readonly deliveries: DeliveryCounts;
  readonly elapsedMs: number;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** `measurements 3/8 done (2 ok, 1 failed, 0 skipped) · deliveries 2 accepted, 0 failed, 4 pending · 0:42` */
export function formatProgress(p: RoundProgress): string {
  const parts: string[] = [];
  const m = p.measurements;
  if (m !== null) {
    const done = m.succeeded + m.failed + m.skipped;
    parts.push(`measurements ${done}/${m.total} done (${m.succeeded} ok, ${m.failed} failed, ${m.skipped} skipped)`);
  }
  const d = p.deliveries;
  parts.push(`deliveries ${d.delivered} accepted, ${d.failed} failed, ${d.pending} pending`);
  parts.push(clock(p.elapsedMs));
  return parts.join(' · ');
}

export function countDeliveries(outcomes: readonly { readonly state: 'delivered' | 'failed' | 'pending' }[]): DeliveryCounts {
  let delivered = 0;
  let failed = 0;
  let pending = 0;
  for (const o of outcomes) {
    if (o.state === 'delivered') delivered++;
    else if (o.state === 'failed') failed++;
    else pending++;
  }
  return { delivered, failed, pending };
}
