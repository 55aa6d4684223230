// The dashboard's /status page: the same rows as `psq status`, as an HTML table. Pure. Every value
// from Redis is escaped (worker descriptions are written by testpoints, not by this process).
import { formatAge, formatSuccess, stateOf } from '../operations/testpoint-status-format.js';
import type { StatusReport, TestpointStatus } from '../operations/testpoint-status.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Only style inline; no scripts, no outside resources. */
export const STATUS_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const REFRESH_S = 15;

function row(t: TestpointStatus): string {
  const cell = (text: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(text)}</td>`;
  const workers = t.workers.map((w) => `${w.host}/${w.pid} ${w.backend} ${w.version} (${w.state}, ${formatAge(w.heartbeatAgeS)})`).join('\n') || '-';
  const r = t.lastRound;
  const q = t.queue;
  return (
    '<tr>' +
    cell(t.configured ? t.testpoint : `${t.testpoint} *`) +
    cell(stateOf(t), t.up ? 'up' : 'down') +
    cell(t.lastHeartbeat === null ? 'never' : `${formatAge(t.heartbeatAgeS)} (${t.lastHeartbeat})`) +
    cell(workers, 'pre') +
    cell(r === null ? '-' : `slot ${r.slot}\nstarted ${r.start ?? '-'}\nlast end ${r.end ?? '-'}\n${r.finished} finished`, 'pre') +
    cell(t.categories.map(formatSuccess).join('\n') || '-', 'pre') +
    cell(`${q.waiting} waiting, ${q.active} running, ${q.delayed} delayed`) +
    cell(q.oldestWaitingSince === null ? '-' : `${formatAge(q.oldestWaitingAgeS)} (${q.oldestWaitingSince})`) +
    '</tr>'
  );
}

export function renderStatusPage(report: StatusReport): string {
  const head = ['testpoint', 'state', 'last heartbeat', 'workers', 'last round', 'success (last rounds)', 'queue', 'oldest waiting'];
  const body =
    report.testpoints.length === 0
      ? `<tr><td colspan="${head.length}">no testpoints configured or found in Redis</td></tr>`
      : report.testpoints.map(row).join('\n');
  const note = report.testpoints.some((t) => !t.configured) ? '<p>* found in Redis, not in this dashboard\'s configuration.</p>' : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="${REFRESH_S}">
<title>psq · testpoints</title>
<style>
body{font-family:system-ui,sans-serif;margin:1.5rem}table{border-collapse:collapse}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.pre{white-space:pre}td.up{color:#060;font-weight:bold}td.down{color:#a00;font-weight:bold}
</style></head><body>
<h1>Testpoints</h1>
<p>${report.ok ? 'Every configured testpoint is up.' : 'A configured testpoint is down.'} As of ${escapeHtml(report.now)} (Redis clock); refreshes every ${REFRESH_S} s. <a href="status.json">JSON</a> · <a href="admin/queues">queues</a></p>
<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead>
<tbody>
${body}
</tbody></table>
${note}
</body></html>
`;
}
