// Label rules (bounded, no credentials) and the helpers behind the exported metrics.
import { describe, expect, it } from 'vitest';
import {
  archiverLabel,
  categoryLabel,
  createDashboardMetrics,
  exportedMetricNames,
  LabelBudget,
  MaxGauge,
  textLabel,
} from '../../../src/dashboard/metrics.js';

describe('labels', () => {
  it('labels an archiver by scheme, host and path only', () => {
    expect(archiverLabel('https://user:SECRET@archiver.example.org:8443/ps/?key=SECRET#x')).toBe('https://archiver.example.org:8443/ps');
    expect(archiverLabel('ftp://x/ps')).toBe('invalid');
    expect(archiverLabel(42)).toBe('invalid');
  });

  it('accepts only known categories and printable, bounded text', () => {
    expect(categoryLabel('rtt')).toBe('rtt');
    expect(categoryLabel('rm -rf')).toBe('unknown');
    expect(textLabel('a\nb')).toBe('a?b');
    expect(textLabel('x'.repeat(500))).toHaveLength(128);
    expect(textLabel(undefined)).toBe('unknown');
  });

  it('refuses new label sets past the budget and says so once', () => {
    let warnings = 0;
    const budget = new LabelBudget(2, () => warnings++);
    expect(budget.allow({ a: '1' })).toBe(true);
    expect(budget.allow({ a: '2' })).toBe(true);
    expect(budget.allow({ a: '1' })).toBe(true);
    expect(budget.allow({ a: '3' })).toBe(false);
    expect(budget.allow({ a: '4' })).toBe(false);
    expect(warnings).toBe(1);
  });
});

describe('MaxGauge', () => {
  it('never moves a timestamp backwards', async () => {
    const metrics = createDashboardMetrics();
    const g = new MaxGauge(metrics.roundLastSuccess);
    g.set({ testpoint: 'tp' }, 200);
    g.set({ testpoint: 'tp' }, 100);
    const { values } = await metrics.roundLastSuccess.get();
    expect(values).toEqual([{ labels: { testpoint: 'tp' }, value: 200 }]);
  });
});

describe('exportedMetricNames', () => {
  it('lists every metric, with the series names of histograms', async () => {
    const names = exportedMetricNames(await createDashboardMetrics().registry.metrics());
    for (const n of [
      'psq_redis_up',
      'psq_queue_jobs',
      'psq_measurements_total',
      'psq_measurement_duration_seconds_bucket',
      'psq_measurement_last_success_timestamp_seconds',
      'psq_round_last_success_timestamp_seconds',
      'psq_archive_deliveries_total',
      'psq_archive_delivery_lag_seconds_count',
      'psq_archive_undelivered_jobs',
      'psq_archive_oldest_undelivered_age_seconds',
      'psq_archive_consecutive_failures',
    ]) {
      expect(names, n).toContain(n);
    }
  });
});
