// deploy/grafana/perfsonar-queue.json imports as is and only queries metrics /metrics exports.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDashboardMetrics, exportedMetricNames } from '../../../src/dashboard/metrics.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}

const text = readFileSync(new URL('../../../deploy/grafana/perfsonar-queue.json', import.meta.url), 'utf8');
const dashboard = JSON.parse(text) as {
  __inputs: { name: string; type: string; pluginId: string }[];
  panels: Panel[];
  templating: { list: { query: { query: string }; datasource: { uid: string } }[] };
  uid: string;
  title: string;
  schemaVersion: number;
  id: unknown;
};

/** Every psq_* name in the dashboard's queries (PromQL functions and labels never start with psq_). */
function metricNamesIn(json: string): Set<string> {
  return new Set([...json.matchAll(/\bpsq_[a-z0-9_]+/g)].map((m) => m[0]));
}

describe('Grafana dashboard', () => {
  it('is importable: a Prometheus datasource input that every panel and variable uses', () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: 'DS_PROMETHEUS', type: 'datasource', pluginId: 'prometheus' })]);
    expect(dashboard.id).toBeNull();
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe('${DS_PROMETHEUS}');
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid).toBe('${DS_PROMETHEUS}');
    }
    for (const v of dashboard.templating.list) expect(v.datasource.uid).toBe('${DS_PROMETHEUS}');
  });

  it('queries only metric names that /metrics exports', async () => {
    const exported = exportedMetricNames(await createDashboardMetrics().registry.metrics());
    const used = metricNamesIn(text);
    expect(used.size).toBeGreaterThanOrEqual(10);
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });
});
