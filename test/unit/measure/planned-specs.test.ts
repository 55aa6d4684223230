import { describe, expect, it } from 'vitest';
import { plannedSpecs } from '../../../src/measure/planned-specs.js';
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
