import { describe, expect, it } from 'vitest';
import { pschedulerArgs } from '../../../src/measure/pscheduler-args.js';
import type { MeasurementSpec } from '../../../src/plan/measurement-spec.js';

const base: MeasurementSpec = {
  testpoint: 'tp1',
  category: 'throughput',
  tool: 'iperf3',
  dest: { ip: '192.0.2.10', name: 'alpha' },
  source: null,
  direction: 'forward',
  args: ['-P', '4', '-t', '60', '-i', '10', '-O', '10'],
};

describe('pScheduler argv, as the cron runner builds it', () => {
  it('tool, format and output before the test type; dest, args after', () => {
    expect(pschedulerArgs(base, '/d/x.json', null)).toEqual([
      'task', '--tool', 'iperf3', '--format', 'json', '--output', '/d/x.json', 'throughput', '--dest', '192.0.2.10',
      '-P', '4', '-t', '60', '-i', '10', '-O', '10',
    ]);
  });

  it('no --tool when pScheduler picks; --source after --dest; --reverse last', () => {
    expect(pschedulerArgs({ ...base, category: 'rtt', tool: null, args: [] }, '/o', '10.1.1.1')).toEqual([
      'task', '--format', 'json', '--output', '/o', 'rtt', '--dest', '192.0.2.10', '--source', '10.1.1.1',
    ]);
    const rev = pschedulerArgs({ ...base, direction: 'reverse' }, '/o', null);
    expect(rev.at(-1)).toBe('--reverse');
  });

  it('a hostile destination stays one argv element (no shell ever sees it)', () => {
    const argv = pschedulerArgs({ ...base, dest: { ip: '$(id);rm -rf /', name: 'x' } }, '/o', null);
    expect(argv).toContain('$(id);rm -rf /');
  });

  it('IPv6 destinations go without brackets', () => {
    expect(pschedulerArgs({ ...base, dest: { ip: '2001:db8::10', name: 'v6' } }, '/o', null)).toContain('2001:db8::10');
  });
});
