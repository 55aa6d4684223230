// The outcome of one round, and how `psq run-once` prints it. Pure.
import type { Category } from '../plan/categories.js';

export interface MeasurementOutcome {
  readonly jobId: string;
  readonly category: Category;
  readonly label: string;
  readonly state: 'succeeded' | 'failed' | 'skipped';
  readonly reason: string | null;
  readonly resultFile: string | null;
  /** The result was meant for the archivers: one delivery per archiver URL is expected. */
  readonly archived: boolean;
  readonly deliveryJobIds: readonly string[];
}

export interface DeliveryOutcome {
  readonly jobId: string;
  readonly url: string;
  readonly state: 'delivered' | 'failed' | 'pending';
  readonly reason: string | null;
}

export interface RoundSummary {
  readonly testpoint: string;
  readonly slot: string;
  readonly measurements: readonly MeasurementOutcome[];
  readonly deliveries: readonly DeliveryOutcome[];
  readonly archiveUrls: readonly string[];
  readonly dataDir: string;
}

/** Archived measurements without a delivery for every archiver: the round cannot vouch for them. */
export function undeliveredMeasurements(s: RoundSummary): MeasurementOutcome[] {
  return s.measurements.filter((m) => m.archived && m.deliveryJobIds.length < s.archiveUrls.length);
}

export function roundPassed(s: RoundSummary): boolean {
  // A skipped measurement (not measurable with this backend) neither passes nor fails the round.
  return (
    s.measurements.every((m) => m.state !== 'failed') &&
    s.deliveries.every((d) => d.state === 'delivered') &&
    undeliveredMeasurements(s).length === 0
  );
}

function count<T>(items: readonly T[], pred: (t: T) => boolean): number {
  return items.filter(pred).length;
}

export function formatSummary(s: RoundSummary): string {
  const lines: string[] = [];
  lines.push(`round ${s.slot} on testpoint ${s.testpoint}: ${s.measurements.length} measurements`);
  lines.push('measurements (succeeded / failed / skipped):');
  const categories = [...new Set(s.measurements.map((m) => m.category))];
  for (const c of categories) {
    const ms = s.measurements.filter((m) => m.category === c);
    lines.push(
      `  ${c.padEnd(11)} ${count(ms, (m) => m.state === 'succeeded')} / ${count(ms, (m) => m.state === 'failed')} / ${count(ms, (m) => m.state === 'skipped')}`,
    );
  }
  const skipReasons = [...new Set(s.measurements.filter((m) => m.state === 'skipped').map((m) => `${m.category}: ${m.reason}`))];
  for (const r of skipReasons) lines.push(`    skipped: ${r}`);
  for (const m of s.measurements.filter((x) => x.state === 'failed')) {
    lines.push(`    failed: ${m.label}: ${m.reason ?? 'unknown reason'}`);
  }
  lines.push(...formatDeliveries(s.archiveUrls, s.deliveries));
  for (const m of undeliveredMeasurements(s)) {
    lines.push(`  not handed to every archiver: ${m.label} (${m.deliveryJobIds.length} of ${s.archiveUrls.length} deliveries queued; psq replay re-sends it from ${m.resultFile ?? 'disk'})`);
  }
  lines.push(`results: ${s.dataDir}`);
  lines.push(roundPassed(s) ? 'OK' : 'FAILED');
  return lines.join('\n');
}

/** Per archiver: delivered / failed / pending, with the first reasons. */
export function formatDeliveries(archiveUrls: readonly string[], deliveries: readonly DeliveryOutcome[]): string[] {
  const lines: string[] = [];
  if (archiveUrls.length === 0) {
    lines.push('deliveries: none (ARCHIVE_URLS is empty: results are kept on disk only)');
    return lines;
  }
  lines.push('deliveries (delivered / failed / pending):');
  for (const url of archiveUrls) {
    const ds = deliveries.filter((d) => d.url === url);
    lines.push(`  ${url}  ${count(ds, (d) => d.state === 'delivered')} / ${count(ds, (d) => d.state === 'failed')} / ${count(ds, (d) => d.state === 'pending')}`);
    const bad = ds.filter((d) => d.state !== 'delivered');
    for (const d of bad.slice(0, 10)) lines.push(`    ${d.state}: ${d.reason ?? ''}`);
    if (bad.length > 10) lines.push(`    … and ${bad.length - 10} more`);
  }
  if (deliveries.some((d) => d.state === 'pending')) {
    lines.push('  pending deliveries stay queued in Redis; a running archive worker (psq start archive) delivers them');
  }
  return lines;
}
