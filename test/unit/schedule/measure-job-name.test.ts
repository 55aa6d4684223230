import { describe, expect, it } from 'vitest';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';
import { MAX_JOB_NAME_BYTES, measureJobName, measureJobOptions } from '../../../src/schedule/fan-out.js';

const spec: MeasurementSpec = { testpoint: 'tp', category: 'rtt', tool: null, dest: { ip: '192.0.2.10', name: 'site-a' }, source: null, direction: 'forward', args: [] };

describe('measure job names stay within 64 bytes (so the job hash can be a Redis listpack)', () => {
  it('names category, tool, destination, address and direction', () => {
    expect(measureJobName(spec)).toBe('rtt auto → site-a (192.0.2.10) forward');
  });

  it('drops the address of a long one, then clips the destination name, keeping the rest readable', () => {
    const v6 = { ...spec, category: 'throughput', tool: 'iperf3', dest: { ip: '2001:db8:1234:5678:9abc:def0:1234:5678', name: 'perfsonar.example.org' }, direction: 'reverse' } as const;
    expect(measureJobName(v6)).toBe('throughput iperf3 → perfsonar.example.org reverse');
    const long = { ...v6, dest: { ...v6.dest, name: `ps-${'ü'.repeat(60)}.example.org` } };
    const name = measureJobName(long);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(MAX_JOB_NAME_BYTES);
    expect(name).toMatch(/^throughput iperf3 → ps-ü+… reverse$/);
  });

  it('stored opts hold only attempts and the backoff type (the rest is the worker\'s)', () => {
    const opts = measureJobOptions({ measureAttempts: 2 });
    expect(opts).toEqual({ attempts: 2, backoff: { type: 'psq' } });
    // With the longest delay a round may carry (a day), still within 64 bytes as BullMQ stores them.
    expect(Buffer.byteLength(JSON.stringify({ ...opts, delay: 86_400_000 }))).toBeLessThanOrEqual(64);
  });
});
