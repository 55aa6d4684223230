import { describe, expect, it } from 'vitest';
import { plannedSpecs } from '../../../src/measure/planned-specs.js';
import { measureJobId, measureSpecKey } from '../../../src/plan/job-id.js';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';

const rtt: MeasurementSpec = {
  testpoint: 'tp',
  category: 'rtt',
  tool: null,
  dest: { ip: '192.0.2.1', name: 'a' },
  source: null,
  direction: 'forward',
  args: ['--count', '10'],
};

describe('plannedSpecs', () => {
  const planned = plannedSpecs([rtt]);
  it('accepts a planned spec, also as a fresh copy (as it comes out of job data)', () => {
    expect(planned.check(JSON.parse(JSON.stringify(rtt)) as MeasurementSpec)).toBeNull();
  });
  it.each([
    ['another destination', { dest: { ip: '192.0.2.2', name: 'a' } }, /spec\.dest a \(192\.0\.2\.2\) is not a destination/],
    ['another name for the address', { dest: { ip: '192.0.2.1', name: 'b' } }, /not a destination/],
    ['a source the plan does not have', { source: 'eth9' }, /not a destination/],
    ['other arguments', { args: ['--count', '9999'] }, /args \["--count","9999"\] is not in this testpoint's plan/],
    ['another tool', { tool: 'tcpping' }, /not in this testpoint's plan/],
    ['another direction', { direction: 'reverse' }, /not in this testpoint's plan/],
    ['another testpoint', { testpoint: 'tp2' }, /not in this testpoint's plan/],
  ] as const)('refuses %s, saying why', (_what, change, reason) => {
    expect(planned.check({ ...rtt, ...change } as MeasurementSpec)).toMatch(reason);
  });
});

describe('plannedSpecs.resolve: a compact job is the planned spec its id names', () => {
  const v6: MeasurementSpec = { ...rtt, category: 'throughput', tool: 'iperf3', dest: { ip: '2001:db8::7', name: 'v6' }, source: 'eth0', direction: 'reverse', args: ['-t', '10'] };
  const planned = plannedSpecs([rtt, v6]);
  it('finds the spec, from this plan (its args and name), whatever the slot', () => {
    expect(planned.resolve(measureJobId(rtt, 1764115200000))).toEqual({ spec: rtt });
    expect(planned.resolve(measureJobId(v6, 7))).toEqual({ spec: v6 });
  });
  it.each([
    ['another destination', measureJobId({ ...rtt, dest: { ip: '192.0.2.9', name: 'a' } }, 1)],
    ['another tool', measureJobId({ ...rtt, tool: 'tcpping' }, 1)],
    ['another direction', measureJobId({ ...rtt, direction: 'reverse' }, 1)],
    ['another source', measureJobId({ ...v6, source: 'eth1' }, 1)],
    ['another testpoint', measureJobId({ ...rtt, testpoint: 'tp2' }, 1)],
    ['no slot', measureSpecKey(rtt)],
    ['a forged id', 'anything'],
  ])('refuses %s, naming the id', (_what, id) => {
    const found = planned.resolve(id);
    expect(found).toEqual({ reason: expect.stringContaining(`job id ${JSON.stringify(id)} names no measurement in this testpoint's plan`) });
  });
  it('clips a long id in its reason', () => {
    const found = planned.resolve(`tp__${'x'.repeat(10_000)}__1`);
    expect('reason' in found && found.reason.length).toBeLessThan(400);
  });
});
