import { describe, expect, it } from 'vitest';
import { fleetFromConfig } from '../../../src/config/fleet.js';
import { parseFleetFile } from '../../../src/config/fleet-file.js';
import { formatProblem } from '../../../src/errors.js';
import { planFleet } from '../../../src/plan/fleet-plan.js';
import { checkBooking, cronPeriod, DEFAULT_THROUGHPUT_DURATION_S, THROUGHPUT_SETUP_ALLOWANCE_S, throughputSeconds } from '../../../src/plan/overbooking.js';
import { testConfig } from '../../helpers/config.js';

function booking(text: string) {
  const r = parseFleetFile(text, 'yaml', 'fleet.yaml');
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return checkBooking(planFleet(r.fleet));
}

const setup = THROUGHPUT_SETUP_ALLOWANCE_S;

describe('throughput seconds of one measurement', () => {
  it.each<[string, string[], number]>([
    ['no -t: the tools default of 10 s', [], DEFAULT_THROUGHPUT_DURATION_S + setup],
    ['-t and -O', ['-P', '4', '-t', '60', '-i', '10', '-O', '10'], 70 + setup],
    ['long names and =', ['--duration=PT1M', '--omit', 'PT5S'], 65 + setup],
    ['ISO durations', ['-t', 'PT2M30S'], 150 + setup],
    ['the last -t wins, as in the tools', ['-t', '60', '-t', '20'], 20 + setup],
    ['-P is not a duration', ['-P', '8'], DEFAULT_THROUGHPUT_DURATION_S + setup],
  ])('%s', (_name, args, seconds) => {
    expect(throughputSeconds({ category: 'throughput', args })).toBe(seconds);
  });

  it('light tests hold no exclusive slot', () => {
    expect(throughputSeconds({ category: 'rtt', args: ['-c', '10'] })).toBe(0);
  });
});

describe('the period of a cron pattern', () => {
  it.each<[string, string, number, boolean]>([
    ['*/5 * * * *', 'UTC', 300, true],
    ['0 */6 * * *', 'UTC', 21_600, true],
    // When summer time starts, cron-parser (which BullMQ uses too) fires the missing 02:00 at 03:00
    // and then 04:00 as usual: one gap of an hour, which is what the rounds then really get.
    ['0 */2 * * *', 'Europe/Oslo', 3_600, false],
    // Uneven: the smallest gap is the period.
    ['0 9,17 * * *', 'UTC', 8 * 3600, false],
    ['0,10 * * * *', 'UTC', 600, false],
    ['0 0 * * 1,3', 'UTC', 2 * 86_400, false],
    // Across the change to summer time a daily round comes 23 hours after the one before.
    ['30 3 * * *', 'Europe/Oslo', 23 * 3600, false],
    ['0 3 * * *', 'America/New_York', 23 * 3600, false],
    ['0 3 * * *', 'UTC', 86_400, true],
  ])('%s in %s: %d s (even %s)', (pattern, tz, seconds, even) => {
    expect(cronPeriod(pattern, tz)).toEqual({ seconds, even });
  });

  it('a pattern that fires once in years has no period to fill', () => {
    expect(cronPeriod('0 0 29 2 *', 'UTC').seconds).toBeGreaterThan(365 * 86_400);
  });
});

describe('overbooking', () => {
  // -t 60 -O 10 (the defaults) + setup = 77 s; forward and reverse: 154 s per destination.
  const perDestination = 2 * (70 + setup);

  it.each<[string, string, string[]]>([
    [
      'fits: two destinations every 10 minutes',
      `testpoints:\n  - { id: ship-1, hosts: "192.0.2.10@a 192.0.2.11@b", tests: [throughput], schedule: "*/10 * * * *" }`,
      [],
    ],
    [
      'one testpoint: reverse runs count double, and the numbers are named',
      `testpoints:\n  - { id: ship-1, hosts: h1 }\n  - { id: ship-3, hosts: "192.0.2.10@a 192.0.2.11@b", tests: [throughput, rtt], schedule: "*/5 * * * *" }`,
      [
        `testpoints[1] (ship-3): throughput needs ${2 * perDestination} s per period but its schedule "*/5 * * * *" fires every 300 s (4 runs (2 reverse) of up to 77 s each: -t and -O plus ${setup} s setup)`,
      ],
    ],
    [
      'without reverse runs the same testpoint fits',
      `testpoints:\n  - { id: ship-3, hosts: "192.0.2.10@a 192.0.2.11@b", tests: [throughput], schedule: "*/5 * * * *", reverse: false }`,
      [],
    ],
    [
      'only the throughput schedule counts: throughput every 6 h, rtt every 5 min',
      `testpoints:\n  - id: ship-1\n    hosts: "192.0.2.10@a 192.0.2.11@b 192.0.2.12@c"\n    schedules: { throughput: "0 */6 * * *", rtt: "*/5 * * * *" }`,
      [],
    ],
    [
      'offset and slip come off the period',
      `testpoints:\n  - { id: ship-1, hosts: "192.0.2.10@a", tests: [throughput], schedule: "*/3 * * * *", offset: PT30S, slip: PT1M }`,
      [
        `testpoints[0] (ship-1): throughput needs ${perDestination} s per period plus up to 90 s of offset and slip, but its schedule "*/3 * * * *" fires every 180 s (2 runs (1 reverse) of up to 77 s each: -t and -O plus ${setup} s setup)`,
      ],
    ],
    [
      'a slip as long as a light schedule drops its rounds',
      `testpoints:\n  - { id: ship-1, hosts: h, tests: [rtt], schedule: "*/5 * * * *", slip: PT5M }`,
      [
        'testpoints[0] (ship-1): offset and slip delay a round by up to 300 s but its schedule "*/5 * * * *" fires every 300 s: a round delayed that long is not started before the next one is due and is dropped as stale',
      ],
    ],
    [
      'a destination shared by testpoints, each fine alone, is overbooked together',
      `defaults: { tests: [throughput], schedule: "*/5 * * * *" }\ntestpoints:\n  - { id: ship-1, hosts: "192.0.2.10@shore-a" }\n  - { id: ship-2, hosts: "192.0.2.10@shore-a" }\n  - { id: ship-3, hosts: "192.0.2.99@elsewhere" }`,
      [
        `destination 192.0.2.10 (shore-a): throughput from ship-1, ship-2 needs ${2 * perDestination} s per period but their schedules fire every 300 s (ship-1 ${perDestination} s, ship-2 ${perDestination} s); a destination takes one throughput test at a time`,
      ],
    ],
    [
      'testpoints on different periods: scaled to the shortest',
      `defaults: { tests: [throughput], args: { throughput: "-t 100" }, iperf3Args: "" }\ntestpoints:\n  - { id: ship-1, hosts: "192.0.2.10@shore-a", schedule: "*/5 * * * *" }\n  - { id: ship-2, hosts: "192.0.2.10@shore-a", schedule: "*/10 * * * *" }`,
      [
        // ship-1: 2 × 107 = 214 s every 300 s; ship-2: 214 s every 600 s = 107 s per 300 s.
        'destination 192.0.2.10 (shore-a): throughput from ship-1, ship-2 needs on average 321 s in every 300 s (the shortest of their periods) (ship-1 214 s every 300 s, ship-2 214 s every 600 s); a destination takes one throughput test at a time',
      ],
    ],
    [
      'a destination is its address: the same host under two names is one destination',
      `defaults: { tests: [throughput], schedule: "*/5 * * * *" }\ntestpoints:\n  - { id: ship-1, hosts: "2001:DB8::1@up" }\n  - { id: ship-2, hosts: "2001:db8::1@down" }`,
      [expect.stringMatching(/^destination 2001:db8::1 \(up, down\): throughput from ship-1, ship-2 needs 308 s per period/) as unknown as string],
    ],
  ])('%s', (_name, text, expected) => {
    expect(booking(text).problems.map(formatProblem)).toEqual(expected);
  });

  it('uneven patterns are checked against their shortest gap, and said so', () => {
    const b = booking(`testpoints:\n  - { id: ship-1, hosts: "192.0.2.10@a", tests: [throughput], schedule: "0,2 * * * *" }`);
    expect(b.notes).toEqual(['testpoints[0] (ship-1): schedule "0,2 * * * *" (UTC) fires at uneven gaps; the shortest, 120 s, is the period checked']);
    expect(b.problems.map(formatProblem)).toEqual([expect.stringContaining(`throughput needs ${perDestination} s per period but its schedule "0,2 * * * *" fires every 120 s`)]);
  });

  it('the loads are there for the plan to show', () => {
    const b = booking(`testpoints:\n  - { id: ship-1, hosts: "192.0.2.10@a", schedules: { throughput: "0 */6 * * *" }, tests: [throughput, rtt] }`);
    expect(b.schedules).toEqual([
      expect.objectContaining({ testpoint: 'ship-1', pattern: '0 */6 * * *', period: { seconds: 21_600, even: true }, throughputRuns: 2, throughputS: perDestination, delayS: 0 }),
    ]);
  });

  it('the environment fleet of one is checked too, named by TESTPOINT', () => {
    const config = testConfig({ HOSTS: '192.0.2.10@a 192.0.2.11@b', TESTPOINT: 'tp-env', TESTS: 'throughput', CRON_EXPRESSION: '*/5 * * * *' });
    expect(checkBooking(planFleet(fleetFromConfig(config))).problems.map(formatProblem)).toEqual([
      expect.stringMatching(/^TESTPOINT tp-env: throughput needs 308 s per period but its schedule "\*\/5 \* \* \* \*" fires every 300 s/),
    ]);
  });
});
