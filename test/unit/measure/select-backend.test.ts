import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideBackend, findExecutable } from '../../../src/measure/select-backend.js';
import { directSupport } from '../../../src/measure/direct-backend.js';
import { partitionSupported } from '../../../src/measure/backend.js';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';

describe('backend choice', () => {
  it('explicit choices win; auto picks pscheduler only when it is installed', () => {
    expect(decideBackend({ backend: 'direct', pschedulerBin: 'pscheduler' }, () => '/usr/bin/pscheduler').name).toBe('direct');
    expect(decideBackend({ backend: 'pscheduler', pschedulerBin: 'pscheduler' }, () => null).name).toBe('pscheduler');
    expect(decideBackend({ backend: 'auto', pschedulerBin: 'pscheduler' }, () => '/usr/bin/pscheduler')).toEqual({
      name: 'pscheduler',
      reason: 'BACKEND=auto and pscheduler was found at /usr/bin/pscheduler',
    });
    expect(decideBackend({ backend: 'auto', pschedulerBin: 'pscheduler' }, () => null)).toEqual({
      name: 'direct',
      reason: 'BACKEND=auto and pscheduler is not installed (not on PATH)',
    });
  });

  it('finds executables on PATH like execa would, and only executable ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'psq-path-'));
    try {
      writeFileSync(join(dir, 'pscheduler'), '#!/bin/sh\n');
      expect(findExecutable('pscheduler', dir)).toBeNull();
      chmodSync(join(dir, 'pscheduler'), 0o755);
      expect(findExecutable('pscheduler', `/nonexistent:${dir}`)).toBe(join(dir, 'pscheduler'));
      expect(findExecutable(join(dir, 'pscheduler'), '')).toBe(join(dir, 'pscheduler'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const spec = (category: MeasurementSpec['category'], tool: string | null): MeasurementSpec => ({
  testpoint: 'tp', category, tool, dest: { ip: '192.0.2.1', name: 'x' }, source: null, direction: 'forward', args: [],
});

describe('what the direct backend measures', () => {
  it('runs ping, halfping, iperf3, traceroute, tracepath; skips clock, owping, twping and tcpping with the reason', () => {
    const specs = [
      spec('rtt', null), spec('rtt', 'ping'), spec('rtt', 'tcpping'),
      spec('latency', 'halfping'), spec('latency', 'owping'), spec('latency', 'twping'),
      spec('throughput', 'iperf3'), spec('trace', null), spec('trace', 'tracepath'), spec('mtu', null), spec('clock', null),
    ];
    const { runnable, skipped } = partitionSupported(specs, directSupport);
    expect(runnable.map((s) => `${s.category}/${s.tool}`)).toEqual([
      'rtt/null', 'rtt/ping', 'latency/halfping', 'throughput/iperf3', 'trace/null', 'trace/tracepath', 'mtu/null',
    ]);
    expect(skipped.map((s) => `${s.spec.category}/${s.spec.tool}`)).toEqual(['rtt/tcpping', 'latency/owping', 'latency/twping', 'clock/null']);
    expect(skipped.find((s) => s.spec.category === 'clock')!.reason).toMatch(/clock needs pScheduler/);
  });
});
