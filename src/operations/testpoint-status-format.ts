// `psq status` at a terminal: one row per testpoint, aligned columns. Pure.
import type { CategoryStatus, StatusReport, TestpointStatus } from './testpoint-status.js';

/** "4s ago", "12m ago", "3h ago", "2d ago". */
export function formatAge(seconds: number | null): string {
  if (seconds === null) return 'never';
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s}s ago`;
  if (s < 7200) return `${Math.round(s / 60)}m ago`;
  if (s < 172_800) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

/** "2026-12-01 19:00:00Z" from an ISO time. */
const when = (iso: string | null) => (iso === null ? '-' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`);
const clock = (iso: string | null) => (iso === null ? '?' : iso.slice(11, 19));

export function stateOf(t: TestpointStatus): string {
  if (t.up) return 'up';
  if (t.workers.length === 0) return 'down (never seen)';
  return t.workers.every((w) => w.state === 'stopped') ? 'down (stopped)' : 'down';
}

export function formatSuccess(c: CategoryStatus): string {
  const measured = c.succeeded + c.failed;
  const extra = [c.skipped > 0 ? `${c.skipped} skipped` : '', c.dropped > 0 ? `${c.dropped} dropped` : ''].filter(Boolean).join(', ');
  return `${c.category} ${c.succeeded}/${measured}${extra ? ` (${extra})` : ''}`;
}

function workersText(t: TestpointStatus): string {
  const live = t.workers.filter((w) => w.state === 'up');
  const shown = (live.length > 0 ? live : t.workers).slice(0, 2);
  const text = shown.map((w) => `${w.host}/${w.pid} ${w.backend} ${w.version}`).join(', ');
  const more = (live.length > 0 ? live.length : t.workers.length) - shown.length;
  return text === '' ? '-' : more > 0 ? `${text} +${more}` : text;
}

const COLUMNS = ['TESTPOINT', 'STATE', 'HEARTBEAT', 'WORKERS', 'LAST ROUND', 'RAN', 'SUCCESS (last rounds)', 'QUEUED', 'OLDEST WAITING'] as const;

export function statusRow(t: TestpointStatus): string[] {
  const r = t.lastRound;
  return [
    t.configured ? t.testpoint : `${t.testpoint}*`,
    stateOf(t),
    formatAge(t.heartbeatAgeS),
    workersText(t),
    r === null ? '-' : when(r.slot),
    r === null ? '-' : r.start === null ? `${r.finished} done` : `${clock(r.start)}–${clock(r.end)} (${r.finished} done)`,
    t.categories.length === 0 ? '-' : t.categories.map(formatSuccess).join(', '),
    `${t.queue.waiting}${t.queue.active > 0 ? ` +${t.queue.active} running` : ''}${t.queue.delayed > 0 ? ` +${t.queue.delayed} delayed` : ''}`,
    t.queue.oldestWaitingAgeS === null ? '-' : formatAge(t.queue.oldestWaitingAgeS).replace(' ago', ''),
  ];
}

export function formatStatusTable(report: StatusReport): string {
  if (report.testpoints.length === 0) return 'no testpoints configured or found in Redis\n';
  const rows = [[...COLUMNS], ...report.testpoints.map(statusRow)];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
  const notes = report.testpoints.some((t) => !t.configured) ? ['* found in Redis, not in this configuration (not counted in the exit status)'] : [];
  return `${[...lines, ...notes].join('\n')}\n`;
}
