// psq_testpoint_up and psq_testpoint_heartbeat_age_seconds from a status report.
import { describe, expect, it } from 'vitest';
import { createDashboardMetrics } from '../../../src/dashboard/metrics.js';
import { setTestpointGauges } from '../../../src/dashboard/testpoint-gauges.js';
import { statusReport } from '../../../src/operations/testpoint-status.js';
import { parsePromText, sampleValue } from '../../helpers/prom-text.js';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const beat = (ageMs: number) => ({
  member: 'h:1',
  lastSeenMs: NOW - ageMs,
  info: JSON.stringify({ testpoint: 't', host: 'h', pid: 1, version: '1', backend: 'direct', startedAtMs: NOW - 99_000, intervalMs: 10_000, state: 'running' }),
});
const report = statusReport({
  nowMs: NOW,
  testpoints: [
    { testpoint: 'alive', configured: true, workers: [beat(4_000)], rounds: {}, queues: [] },
    { testpoint: 'dead', configured: false, workers: [beat(600_000)], rounds: {}, queues: [] },
    { testpoint: 'never', configured: true, workers: [], rounds: {}, queues: [] },
  ],
});

describe('testpoint gauges', () => {
  it('up 1/0 per testpoint; heartbeat age only for testpoints ever seen', async () => {
    const metrics = createDashboardMetrics();
    setTestpointGauges(metrics, report);
    const samples = parsePromText(await metrics.registry.metrics());
    expect(['alive', 'dead', 'never'].map((testpoint) => sampleValue(samples, 'psq_testpoint_up', { testpoint }))).toEqual([1, 0, 0]);
    expect(['alive', 'dead', 'never'].map((testpoint) => sampleValue(samples, 'psq_testpoint_heartbeat_age_seconds', { testpoint }))).toEqual([4, 600, undefined]);
  });
  it('no report (Redis not read): no series at all rather than stale ones', async () => {
    const metrics = createDashboardMetrics();
    setTestpointGauges(metrics, report);
    setTestpointGauges(metrics, null);
    const samples = parsePromText(await metrics.registry.metrics());
    expect(samples.filter((s) => s.name.startsWith('psq_testpoint_'))).toEqual([]);
  });
});
