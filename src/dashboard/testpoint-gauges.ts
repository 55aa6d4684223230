// psq_testpoint_up and psq_testpoint_heartbeat_age_seconds from a status report, at scrape time.
import type { StatusReport } from '../operations/testpoint-status.js';
import type { DashboardMetrics } from './metrics.js';

/** Replaces the testpoint gauges with `report`'s values; null (Redis not read) leaves no series rather than stale ones. */
export function setTestpointGauges(metrics: Pick<DashboardMetrics, 'testpointUp' | 'testpointHeartbeatAge'>, report: StatusReport | null): void {
  metrics.testpointUp.reset();
  metrics.testpointHeartbeatAge.reset();
  for (const t of report?.testpoints ?? []) {
    metrics.testpointUp.set({ testpoint: t.testpoint }, t.up ? 1 : 0);
    if (t.heartbeatAgeS !== null) metrics.testpointHeartbeatAge.set({ testpoint: t.testpoint }, t.heartbeatAgeS);
  }
}
