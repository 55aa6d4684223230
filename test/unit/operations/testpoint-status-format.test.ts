// psq status at a terminal, and the dashboard's /status page. Pure.
import { describe, expect, it } from 'vitest';
import { formatAge, formatStatusTable, formatSuccess, stateOf } from '../../../src/operations/testpoint-status-format.js';
import { statusReport, type RawTestpoint } from '../../../src/operations/testpoint-status.js';
import { escapeHtml, renderStatusPage } from '../../../src/dashboard/status-page.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const info = (host: string, pid: number, state = 'running') =>
  JSON.stringify({ testpoint: 'x', host, pid, version: '0.1.0', backend: 'direct', startedAtMs: NOW - 60_000, intervalMs: 10_000, state });
const up: RawTestpoint = {
  testpoint: 'tp-up',
  configured: true,
  workers: [{ member: 'ship-7:42', lastSeenMs: NOW - 3_000, info: info('ship-7', 42) }],
  rounds: { rtt: [{ slotMs: NOW - 300_000, fields: { succeeded: '9', failed: '1', start: String(NOW - 299_000), end: String(NOW - 240_000) } }] },
  queues: [{ name: 'measure-tp-up', waiting: 2, prioritized: 0, active: 1, delayed: 0, oldestWaiting: { timestamp: String(NOW - 400_000), delay: '0' } }],
};
const down: RawTestpoint = { testpoint: 'tp-down', configured: true, workers: [{ member: 'shore:9', lastSeenMs: NOW - 3_600_000, info: info('shore', 9) }], rounds: {}, queues: [] };
const stopped: RawTestpoint = { testpoint: 'tp-stopped', configured: false, workers: [{ member: 'h:1', lastSeenMs: NOW - 5_000, info: info('h', 1, 'stopped') }], rounds: {}, queues: [] };
const never: RawTestpoint = { testpoint: 'tp-never', configured: true, workers: [], rounds: {}, queues: [] };
const report = statusReport({ nowMs: NOW, testpoints: [up, down, stopped, never] });

describe('ages', () => {
  it.each([
    [null, 'never'],
    [0, '0s ago'],
    [119.4, '119s ago'],
    [125, '2m ago'],
    [7_199, '120m ago'],
    [7_200, '2h ago'],
    [3 * 86_400, '3d ago'],
    [-5, '0s ago'],
  ])('%s s → %s', (s, expected) => {
    expect(formatAge(s)).toBe(expected);
  });
});

describe('the terminal table', () => {
  const text = formatStatusTable(report);
  const lines = text.trimEnd().split('\n');
  const rowOf = (tp: string) => lines.find((l) => l.startsWith(tp))!;

  it('a header and one row per testpoint, columns aligned', () => {
    expect(lines[0]).toMatch(/^TESTPOINT\s+STATE\s+HEARTBEAT\s+WORKERS\s+LAST ROUND\s+RAN\s+SUCCESS \(last rounds\)\s+QUEUED\s+OLDEST WAITING$/);
    const stateColumn = lines[0]!.indexOf('STATE');
    for (const tp of ['tp-down', 'tp-never', 'tp-up']) expect(rowOf(tp).slice(stateColumn)).toMatch(/^(up|down)/);
  });
  it('what each state looks like', () => {
    expect(rowOf('tp-up')).toMatch(/^tp-up\s+up\s+3s ago\s+ship-7\/42 direct 0\.1\.0\s+2026-12-01 11:55:00Z\s+11:55:01–11:56:00 \(10 done\)\s+rtt 9\/10\s+2 \+1 running\s+7m$/);
    expect(rowOf('tp-down')).toMatch(/^tp-down\s+down\s+60m ago\s+shore\/9 direct 0\.1\.0\s+-\s+-\s+-\s+0\s+-$/);
    expect(rowOf('tp-stopped*')).toMatch(/down \(stopped\)/);
    expect(rowOf('tp-never')).toMatch(/down \(never seen\)\s+never/);
  });
  it('testpoints not in the configuration are marked and explained', () => {
    expect(lines.at(-1)).toBe('* found in Redis, not in this configuration (not counted in the exit status)');
    expect(formatStatusTable(statusReport({ nowMs: NOW, testpoints: [up] }))).not.toContain('* found');
  });
  it('nothing to show says so', () => {
    expect(formatStatusTable(statusReport({ nowMs: NOW, testpoints: [] }))).toBe('no testpoints configured or found in Redis\n');
  });
  it('states and success texts', () => {
    expect(report.testpoints.map(stateOf)).toEqual(['down', 'down (never seen)', 'down (stopped)', 'up']);
    expect(formatSuccess({ category: 'rtt', rounds: 3, succeeded: 5, failed: 1, skipped: 2, dropped: 1, successRatio: 5 / 6 })).toBe('rtt 5/6 (2 skipped, 1 dropped)');
  });
});

describe('the /status page', () => {
  it('a row per testpoint with its state, workers and rounds', () => {
    const html = renderStatusPage(report);
    expect(html).toContain('A configured testpoint is down.');
    expect(html).toMatch(/<td>tp-up<\/td><td class="up">up<\/td>/);
    expect(html).toMatch(/<td>tp-down<\/td><td class="down">down<\/td>/);
    expect(html).toContain('ship-7/42 direct 0.1.0 (up, 3s ago)');
    expect(html).toContain('rtt 9/10');
    expect(html).toContain('<td>tp-stopped *</td>');
    expect(renderStatusPage(statusReport({ nowMs: NOW, testpoints: [up] }))).toContain('Every configured testpoint is up.');
  });
  it('values from Redis are escaped', () => {
    const evil: RawTestpoint = { ...up, workers: [{ member: 'x:1', lastSeenMs: NOW, info: info('<script>alert(1)</script>', 1) }] };
    const html = renderStatusPage(statusReport({ nowMs: NOW, testpoints: [evil] }));
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(escapeHtml(`a&b"c'd`)).toBe('a&amp;b&quot;c&#39;d');
  });
});
