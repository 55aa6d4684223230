import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.js';
import { configForTestpoint, findTestpoint, fleetFromConfig } from '../../../src/config/fleet.js';
import { fleetFormatFor, parseFleetFile, type FleetFormat } from '../../../src/config/fleet-file.js';
import { formatProblem } from '../../../src/errors.js';
import { testConfig } from '../../helpers/config.js';

function fleet(text: string, format: FleetFormat = 'yaml') {
  const r = parseFleetFile(text, format, 'fleet.yaml');
  if (!r.ok) throw new Error(`unexpected problems:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.fleet;
}

/** Every problem, as the CLI prints it. */
function problems(text: string, format: FleetFormat = 'yaml'): string[] {
  const r = parseFleetFile(text, format, 'fleet.yaml');
  if (r.ok) throw new Error('expected problems, got a fleet');
  return r.problems.map(formatProblem);
}

describe('fleet file: a valid fleet', () => {
  it('testpoint fields win over defaults, which win over psq defaults; args and schedules merge per category', () => {
    const f = fleet(`
defaults:
  tests: [rtt, throughput]
  hosts: "192.0.2.10@shore-a"
  schedule: "0 */2 * * *"
  schedules: { throughput: "0 */6 * * *" }
  args: { throughput: "-P 4 -t 30", rtt: "-c 5" }
  slip: PT5M
testpoints:
  - id: ship-1
  - id: ship-2
    hosts: ["192.0.2.20@shore-b", "[2001:db8::1]@v6%eth0"]
    schedules: { rtt: "*/5  * * * *" }
    args: { throughput: ["-t", "20"] }
    iperf3Args: "-O 2"
    reverse: false
    toolMode: subset
    tools: "ping iperf3"
    tz: Europe/Oslo
    backend: direct
    offset: PT30S
    slip: PT0S
    concurrency: 8
`);
    expect(f.file).toBe('fleet.yaml');
    const [one, two] = f.testpoints;
    expect(one).toEqual({
      id: 'ship-1',
      hosts: [{ ip: '192.0.2.10', name: 'shore-a', source: null }],
      tests: ['rtt', 'throughput'],
      reverse: true,
      toolMode: 'auto',
      tools: [],
      categoryArgs: { latency: null, rtt: ['-c', '5'], throughput: ['-P', '4', '-t', '30'], trace: null, mtu: null, clock: null },
      iperf3Args: ['-i', '10', '-O', '10'],
      schedule: '0 */2 * * *',
      schedules: { throughput: '0 */6 * * *' },
      tz: 'UTC',
      backend: 'auto',
      slipMs: 300_000,
      offsetMs: 0,
      concurrency: 4,
    });
    expect(two).toMatchObject({
      id: 'ship-2',
      hosts: [
        { ip: '192.0.2.20', name: 'shore-b', source: null },
        { ip: '2001:db8::1', name: 'v6', source: 'eth0' },
      ],
      reverse: false,
      toolMode: 'subset',
      tools: ['ping', 'iperf3'],
      categoryArgs: { rtt: ['-c', '5'], throughput: ['-t', '20'] },
      iperf3Args: ['-O', '2'],
      // Whitespace in a pattern is normalised, so the schedule id does not change with it.
      schedules: { throughput: '0 */6 * * *', rtt: '*/5 * * * *' },
      tz: 'Europe/Oslo',
      backend: 'direct',
      offsetMs: 30_000,
      slipMs: 0,
      concurrency: 8,
    });
  });

  it('JSON is read the same way; tests keep the canonical order whatever the file says', () => {
    const f = fleet(JSON.stringify({ testpoints: [{ id: 'a', hosts: 'h.example.org', tests: 'throughput, rtt;latency' }] }), 'json');
    expect(f.testpoints[0]!.tests).toEqual(['latency', 'rtt', 'throughput']);
  });

  it('YAML anchors and merge keys work', () => {
    const f = fleet(`
testpoints:
  - &ship { id: ship-1, hosts: "192.0.2.10@a", tests: [rtt] }
  - { <<: *ship, id: ship-2 }
`);
    expect(f.testpoints.map((t) => [t.id, t.tests])).toEqual([['ship-1', ['rtt']], ['ship-2', ['rtt']]]);
  });

  it.each([
    ['fleet.yaml', 'yaml'],
    ['/etc/psq/fleet.YML', 'yaml'],
    ['fleet.json', 'json'],
    ['fleet.toml', null],
    ['fleet', null],
  ])('format of %s is %s', (path, format) => {
    expect(fleetFormatFor(path)).toBe(format);
  });
});

describe('fleet file: every problem at once, each naming its field path', () => {
  it.each<[string, string, string[]]>([
    [
      'hosts in every form, with the entry shown',
      `testpoints:
  - id: a
    hosts: ["192.0.2.10@x", "bad host", "999.1.1.1", "192.0.2.10@y"]
  - id: b
    hosts: "ok.example.org -bad"`,
      [
        'testpoints[0].hosts[1]: expected one destination per list item (no spaces; HOSTS entries are separated by spaces only in a string) (got "bad host")',
        'testpoints[0].hosts[2]: expected a valid IPv4 address (999.1.1.1 is not one) (got "999.1.1.1")',
        'testpoints[0].hosts[3]: expected a destination not already listed (hosts[0] has the same address and source) (got "192.0.2.10@y")',
        'testpoints[1].hosts[1]: expected a destination that does not start with "-" (it would be read as an option) (got "-bad")',
      ],
    ],
    [
      'unknown keys everywhere, with a hint for a misspelling',
      `defaults:
  schedual: "* * * * *"
  id: x
testpoint: []
testpoints:
  - id: a
    hosts: h
    revers: false`,
      [
        'testpoint: unknown field: expected defaults or testpoints (testpoints?)',
        'defaults.schedual: unknown field: expected one of hosts, tests, reverse, toolMode, tools, schedule, schedules, tz, backend, args, iperf3Args, slip, offset, concurrency (schedule?)',
        'defaults.id: unknown field: an id belongs to each testpoint, not to defaults',
        'testpoints[0].revers: unknown field: expected one of id, hosts, tests, reverse, toolMode, tools, schedule, schedules, tz, backend, args, iperf3Args, slip, offset, concurrency (reverse?)',
      ],
    ],
    [
      'values of every kind of field',
      `testpoints:
  - id: "ship:1"
    hosts: h
    tests: [rtt, thruput]
    toolMode: some
    reverse: "yes"
    schedule: "*/5 * * *"
    schedules: { throughput: "61 * * * *", ping: "* * * * *" }
    tz: europe/oslo
    backend: iperf
    args: { throughput: "-t -5 --dest x" }
    iperf3Args: "-P 0"
    slip: 300
    offset: "-PT1M"
    concurrency: 0`,
      [
        'testpoints[0].id: expected a testpoint id: 1 to 64 of letters, digits, . _ - (no ":", BullMQ uses it as a separator) (got "ship:1")',
        'testpoints[0].tests[1]: expected one of latency, rtt, throughput, trace, mtu, clock; "thruput" is not one (got "thruput")',
        'testpoints[0].toolMode: expected auto, all or subset (got "some")',
        'testpoints[0].reverse: expected true or false (without quotes) (got "yes")',
        'testpoints[0].schedule: expected a 5-field cron pattern (minute hour day-of-month month day-of-week), e.g. "0 */2 * * *"; it has 4 fields (got "*/5 * * *")',
        expect.stringMatching(/^testpoints\[0\]\.schedules\.throughput: expected a valid 5-field cron pattern \(.+\) \(got "61 \* \* \* \*"\)$/) as unknown as string,
        'testpoints[0].schedules.ping: unknown category "ping": expected one of latency, rtt, throughput, trace, mtu, clock',
        'testpoints[0].tz: expected the timezone spelled exactly as Europe/Oslo (got "europe/oslo")',
        'testpoints[0].backend: expected pscheduler, direct or auto (got "iperf")',
        'testpoints[0].args.throughput: expected extra pScheduler throughput test flags: -t -5: expected test duration: seconds or an ISO 8601 duration (PT30S), at least 1 and at most 86400 s; --dest is not allowed in extra args: the worker sets it itself (got "-t -5 --dest x")',
        'testpoints[0].iperf3Args: expected extra pScheduler throughput test flags: -P 0: expected parallel streams, a whole number from 1 to 128 (got "-P 0")',
        'testpoints[0].slip: expected an ISO 8601 duration from PT0S to P1D in quotes, e.g. "PT5M" or "PT30S" (a bare number has no unit: write "PT300S" for 300 seconds) (got 300)',
        'testpoints[0].offset: expected an ISO 8601 duration from PT0S to P1D in quotes, e.g. "PT5M" or "PT30S" (got "-PT1M")',
        'testpoints[0].concurrency: expected a whole number from 1 to 256 (got 0)',
      ],
    ],
    [
      'what the fields give together: missing id and hosts, tools without subset, subset without tools, a repeated id',
      `defaults:
  toolMode: subset
testpoints:
  - hosts: h
    tools: [ping]
  - id: b
  - id: c
    hosts: h
    toolMode: auto
    tools: [ping]
  - id: c
    hosts: h`,
      [
        'testpoints[0].id: expected the testpoint id ([A-Za-z0-9._-], unique in the fleet); it is missing',
        'testpoints[1].hosts: expected the destinations of this testpoint (here, or in defaults); hosts is missing',
        'testpoints[1].tools: expected the tools to run with toolMode: subset (one or more of owping, twping, halfping, ping, tcpping, iperf3, traceroute, tracepath, fwmtu, psclock); tools is missing',
        "testpoints[2].tools: tools only go with toolMode: subset (this testpoint's toolMode is auto)",
        'testpoints[3].id: expected an id no other testpoint has (testpoints[2] has it too) (got "c")',
        'testpoints[3].tools: expected the tools to run with toolMode: subset (one or more of owping, twping, halfping, ping, tcpping, iperf3, traceroute, tracepath, fwmtu, psclock); tools is missing',
      ],
    ],
    [
      'a bad value in defaults is reported once, at defaults',
      `defaults:
  tests: []
testpoints:
  - { id: a, hosts: h }
  - { id: b, hosts: h }`,
      ['defaults.tests: expected test categories: one or more of latency, rtt, throughput, trace, mtu, clock (got [])'],
    ],
    [
      'the wrong shape',
      `testpoints: { id: a }`,
      ['testpoints: expected a list of one or more testpoints, each with at least id and hosts (got {"id":"a"})'],
    ],
    ['an empty file', ``, ['the file: expected an object with `testpoints` (a list) and optionally `defaults`']],
    ['YAML syntax, with line and column', `testpoints:\n  - id: a\n  - id: a\n    id: b\n`, ['line 4, column 5: not valid YAML: Map keys must be unique']],
  ])('%s', (_name, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });

  it('JSON syntax, with line and column', () => {
    expect(problems('{\n  "testpoints": [],\n}', 'json')).toEqual([expect.stringMatching(/^line 3, column 1: not valid JSON: /)]);
  });
});

describe('the environment configuration is a fleet of one', () => {
  const config: Config = testConfig({ HOSTS: '192.0.2.10@a', TESTPOINT: 'tp-env', TESTS: 'rtt throughput', CRON_EXPRESSION: '*/10 * * * *', TZ: 'Europe/Oslo', MEASURE_CONCURRENCY: '3', THROUGHPUT_ARGS: '-t 20' });

  it('with its testpoint, hosts, tests, schedule, args and concurrency', () => {
    const f = fleetFromConfig(config);
    expect(f.file).toBeNull();
    expect(f.testpoints).toEqual([
      {
        id: 'tp-env',
        hosts: config.hosts,
        tests: ['rtt', 'throughput'],
        reverse: true,
        toolMode: 'auto',
        tools: [],
        categoryArgs: config.categoryArgs,
        iperf3Args: ['-i', '10', '-O', '10'],
        schedule: '*/10 * * * *',
        schedules: {},
        tz: 'Europe/Oslo',
        backend: 'auto',
        slipMs: 0,
        offsetMs: 0,
        concurrency: 3,
      },
    ]);
  });

  it('a fleet testpoint gives the configuration to run it with; an unknown id names the ones there are', () => {
    const f = fleet(`testpoints:\n  - { id: ship-1, hosts: "192.0.2.77@far", tests: [trace], schedule: "0 * * * *", backend: direct, concurrency: 2 }\n  - { id: ship-2, hosts: h }`);
    const found = findTestpoint(f, 'ship-1');
    expect(found.ok).toBe(true);
    if (!found.ok) return;
    const c = configForTestpoint(config, found.testpoint);
    expect(c).toMatchObject({ testpoint: 'ship-1', hosts: [{ ip: '192.0.2.77', name: 'far', source: null }], tests: ['trace'], cronExpression: '0 * * * *', tz: 'UTC', backend: 'direct', measureConcurrency: 2 });
    // The rest is the environment's.
    expect(c.queuePrefix).toBe(config.queuePrefix);
    expect(c.dataDir).toBe(config.dataDir);
    const missing = findTestpoint(f, 'ship-9');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(formatProblem(missing.problem)).toBe('--testpoint="ship-9": expected a testpoint of the fleet: the fleet file fleet.yaml has ship-1, ship-2');
  });
});
