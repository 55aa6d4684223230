import { describe, expect, it } from 'vitest';
import { fleetFromConfig, type Fleet } from '../../../src/config/fleet.js';
import { parseFleetFile } from '../../../src/config/fleet-file.js';
import { categoriesByPattern, fleetSchedules, planFleet, staggerThroughput, testpointSpecs } from '../../../src/plan/fleet-plan.js';
import { plan } from '../../../src/plan/plan.js';
import { ownSchedules, schedulerIdFor, type RoundSchedule } from '../../../src/schedule/scheduler-sync.js';
import { testConfig } from '../../helpers/config.js';

function fleet(text: string): Fleet {
  const r = parseFleetFile(text, 'yaml', 'fleet.yaml');
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.fleet;
}

const key = (s: { category: string; tool: string | null; direction: string; dest: { name: string } }) => `${s.dest.name} ${s.category}/${s.tool ?? 'auto'}/${s.direction}`;

describe('fleet plan', () => {
  it('one schedule per distinct pattern of a testpoint: per-category schedules override its schedule', () => {
    const p = planFleet(
      fleet(`
defaults:
  tests: [rtt, throughput, trace]
  hosts: "192.0.2.10@shore"
  slip: PT2M
testpoints:
  - id: ship-1
    schedule: "0 */2 * * *"
    schedules: { throughput: "0 */6 * * *", trace: "0 */6 * * *" }
    offset: PT30S
  - id: ship-2
    schedule: "*/5 * * * *"
`),
    );
    const [one, two] = p.testpoints;
    expect(one!.label).toBe('testpoints[0] (ship-1)');
    expect(one!.schedules.map((s) => [s.pattern, s.categories, s.specs.map(key)])).toEqual([
      ['0 */2 * * *', ['rtt'], ['shore rtt/auto/forward']],
      ['0 */6 * * *', ['throughput', 'trace'], ['shore throughput/iperf3/forward', 'shore throughput/iperf3/reverse', 'shore trace/auto/forward']],
    ]);
    for (const s of one!.schedules) {
      expect(s).toMatchObject({ testpoint: 'ship-1', tz: 'UTC', offsetMs: 30_000, slipMs: 120_000 });
      expect(s.scheduleKey).toBe(schedulerIdFor(s));
    }
    expect(two!.schedules.map((s) => [s.pattern, s.categories])).toEqual([['*/5 * * * *', ['rtt', 'throughput', 'trace']]]);
    // Same pattern on two testpoints: two Job Schedulers, never one.
    expect(new Set(fleetSchedules(p).map((s) => s.scheduleKey)).size).toBe(3);
    expect(fleetSchedules(p, new Set(['ship-2'])).map((s) => s.testpoint)).toEqual(['ship-2']);
  });

  it('a testpoint plans what plan() plans for it, only split by pattern', () => {
    const f = fleet(`
testpoints:
  - id: tp
    hosts: "192.0.2.10@a [2001:db8::1]@b%eth0"
    toolMode: all
    schedules: { latency: "*/5 * * * *", clock: "0 0 * * *" }
`);
    const tp = planFleet(f).testpoints[0]!;
    const whole = plan({ testpoint: 'tp', ...f.testpoints[0]! });
    expect(testpointSpecs(tp).map(key).sort()).toEqual(whole.specs.map(key).sort());
    expect(tp.notes).toEqual(whole.notes);
    expect(tp.schedules.map((s) => s.categories)).toEqual([['latency'], ['rtt', 'throughput', 'trace', 'mtu'], ['clock']]);
  });

  it('a pattern whose categories plan nothing gets no schedule, and a note says so', () => {
    const tp = planFleet(fleet(`
testpoints:
  - id: tp
    hosts: h
    tests: [rtt, latency]
    toolMode: subset
    tools: [ping]
    schedules: { latency: "*/5 * * * *" }
`)).testpoints[0]!;
    expect(tp.schedules.map((s) => s.pattern)).toEqual(['0 */2 * * *']);
    expect(tp.notes.map((n) => n.message)).toContain('no schedule for "*/5 * * * *": its categories plan no measurement');
  });

  it('the environment fleet of one plans exactly what plan(config) plans, on CRON_EXPRESSION, labelled by TESTPOINT', () => {
    const config = testConfig({ HOSTS: '192.0.2.10@a b.example.org', TESTPOINT: 'tp-env', TOOL_MODE: 'all', CRON_EXPRESSION: '*/15 * * * *' });
    const p = planFleet(fleetFromConfig(config));
    const tp = p.testpoints[0]!;
    expect(tp.label).toBe('TESTPOINT tp-env');
    expect(tp.schedules).toHaveLength(1);
    expect(tp.schedules[0]!.specs).toEqual(plan(config).specs);
    expect(tp.notes).toEqual(plan(config).notes);
    expect(tp.schedules[0]).toMatchObject({ pattern: '*/15 * * * *', tz: 'UTC', offsetMs: 0, slipMs: 0 });
  });

  it('fleet schedules are RoundSchedules the scheduler owns by their key', () => {
    const schedules: RoundSchedule[] = fleetSchedules(planFleet(fleet(`testpoints:\n  - { id: a, hosts: h, schedules: { rtt: "* * * * *" } }`)));
    const own = ownSchedules(schedules);
    expect([...own.keys()]).toEqual(schedules.map((s) => schedulerIdFor(s)));
  });

  it('categoriesByPattern keeps the order of first use', () => {
    expect([...categoriesByPattern({ tests: ['latency', 'rtt', 'throughput'], schedule: 'A', schedules: { latency: 'B', throughput: 'B' } })]).toEqual([
      ['B', ['latency', 'throughput']],
      ['A', ['rtt']],
    ]);
  });
});

describe('throughput staggered across a fleet', () => {
  const f = () =>
    fleet(`
defaults:
  tests: [rtt, throughput]
  hosts: "192.0.2.1@d1 192.0.2.2@d2 192.0.2.3@d3 192.0.2.4@d4 192.0.2.5@d5 192.0.2.6@d6"
testpoints:
  - id: tp-0
  - id: tp-1
  - id: tp-2
`);
  const throughputOrder = (specs: readonly { category: string; direction: string; dest: { name: string } }[]) =>
    specs.filter((s) => s.category === 'throughput').map((s) => `${s.dest.name}${s.direction === 'reverse' ? 'r' : 'f'}`);

  it('each testpoint of the fleet starts its throughput runs at a different destination, spread evenly, each destination kept together', () => {
    const orders = planFleet(f()).testpoints.map((t) => throughputOrder(testpointSpecs(t)));
    expect(orders.map((o) => o.slice(0, 2))).toEqual([['d1f', 'd1r'], ['d3f', 'd3r'], ['d5f', 'd5r']]);
    expect(orders[1]).toEqual(['d3f', 'd3r', 'd4f', 'd4r', 'd5f', 'd5r', 'd6f', 'd6r', 'd1f', 'd1r', 'd2f', 'd2r']);
  });

  it('plans the same measurements, light tests in their places; a fleet of one is left as plan() orders it', () => {
    const p = planFleet(f());
    for (const t of p.testpoints) {
      const specs = testpointSpecs(t);
      const whole = plan({ testpoint: t.testpoint.id, ...t.testpoint });
      expect(specs.map(key).sort()).toEqual(whole.specs.map(key).sort());
      expect(specs.map((s) => s.category)).toEqual(whole.specs.map((s) => s.category));
    }
    const whole = plan({ testpoint: 'tp-0', ...f().testpoints[0]! }).specs;
    expect(staggerThroughput(whole, 0, 1)).toEqual(whole);
    expect(staggerThroughput(whole, 2, 3)).not.toEqual(whole);
    expect(staggerThroughput([], 1, 3)).toEqual([]);
  });
});
