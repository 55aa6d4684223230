import { describe, expect, it } from 'vitest';
import type { Category } from '../../../src/plan/categories.js';
import { CATEGORIES } from '../../../src/plan/categories.js';
import { plan, type PlanInput } from '../../../src/plan/plan.js';

const noArgs = Object.fromEntries(CATEGORIES.map((c) => [c, null])) as Record<Category, null>;
function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    testpoint: 'tp1',
    hosts: [
      { ip: '192.0.2.10', name: 'alpha', source: null },
      { ip: '2001:db8::10', name: 'beta', source: 'eth1' },
    ],
    tests: [...CATEGORIES],
    reverse: true,
    toolMode: 'auto',
    tools: [],
    categoryArgs: noArgs,
    iperf3Args: ['-i', '10', '-O', '10'],
    ...over,
  };
}

const key = (s: { category: string; tool: string | null; direction: string }) => `${s.category}/${s.tool ?? 'auto'}/${s.direction}`;

describe('plan (cron runner rules)', () => {
  it('auto mode: iperf3 for throughput, halfping for latency, pScheduler picks the rest; reverse only for throughput', () => {
    const { specs, notes } = plan(input({ hosts: [{ ip: '192.0.2.10', name: 'alpha', source: null }] }));
    expect(specs.map(key)).toEqual([
      'latency/halfping/forward',
      'rtt/auto/forward',
      'throughput/iperf3/forward',
      'throughput/iperf3/reverse',
      'trace/auto/forward',
      'mtu/auto/forward',
      'clock/auto/forward',
    ]);
    expect(notes).toEqual([{ category: 'latency', tool: 'halfping', message: expect.stringContaining('halfping declines --reverse') }]);
  });

  it('one spec per host × category × tool × direction, hosts outermost, carrying dest, source and testpoint', () => {
    const { specs } = plan(input());
    expect(specs).toHaveLength(14);
    expect(specs[7]).toMatchObject({ testpoint: 'tp1', category: 'latency', dest: { ip: '2001:db8::10', name: 'beta' }, source: 'eth1' });
  });

  it('throughput gets -P 4 -t 60 and iperf3 also -i 10 -O 10; other categories no args', () => {
    const { specs } = plan(input({ tests: ['throughput', 'rtt'] }));
    expect(specs.find((s) => s.category === 'throughput')!.args).toEqual(['-P', '4', '-t', '60', '-i', '10', '-O', '10']);
    expect(specs.find((s) => s.category === 'rtt')!.args).toEqual([]);
  });

  it('per-category args replace the defaults; iperf3 args still follow', () => {
    const { specs } = plan(input({ tests: ['throughput'], categoryArgs: { ...noArgs, throughput: ['-P', '1', '-t', '10'] }, iperf3Args: [] }));
    expect(specs[0]!.args).toEqual(['-P', '1', '-t', '10']);
  });

  it('all mode runs every tool; latency reverse only with twping, and says why not for owping and halfping', () => {
    const { specs, notes } = plan(input({ toolMode: 'all', tests: ['latency'], hosts: [{ ip: 'h', name: 'h', source: null }] }));
    expect(specs.map(key)).toEqual(['latency/owping/forward', 'latency/twping/forward', 'latency/twping/reverse', 'latency/halfping/forward']);
    expect(notes.map((n) => n.tool)).toEqual(['owping', 'halfping']);
    expect(notes[0]!.message).toMatch(/owping ignores --reverse/);
  });

  it('REVERSE=false plans forward runs only and no notes', () => {
    const { specs, notes } = plan(input({ reverse: false, toolMode: 'all' }));
    expect(specs.every((s) => s.direction === 'forward')).toBe(true);
    expect(notes).toEqual([]);
  });

  it('subset mode runs only the listed tools and skips a category with none, with a note', () => {
    const { specs, notes } = plan(input({ toolMode: 'subset', tools: ['ping', 'tracepath'], tests: ['rtt', 'trace', 'mtu'], hosts: [{ ip: 'h', name: 'h', source: null }] }));
    expect(specs.map(key)).toEqual(['rtt/ping/forward', 'trace/tracepath/forward']);
    expect(notes).toEqual([{ category: 'mtu', tool: null, message: expect.stringContaining('skipped') }]);
  });

  it('TESTS limits the categories', () => {
    const { specs } = plan(input({ tests: ['mtu'] }));
    expect(specs.map((s) => s.category)).toEqual(['mtu', 'mtu']);
  });
});
