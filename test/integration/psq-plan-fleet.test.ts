// `psq plan` with a FLEET_FILE, as a user runs it (bin/psq.js over dist/): the whole fleet's plan,
// field-path errors all at once, an overbooked fleet refused; and --testpoint picking one testpoint.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPsq } from '../helpers/psq.js';
import { keysWithPrefix, TEST_REDIS_URL } from '../helpers/redis.js';
import { pathWithStandin, readStandinLog } from '../helpers/standin.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

function env(fleetFile: string | null, over: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: testDir(),
    // A Redis that is never used: plan does not touch it.
    REDIS_URL: 'redis://127.0.0.1:1',
    QUEUE_PREFIX: testPrefix(),
    TESTPOINT: 'tp-env',
    ...(fleetFile === null ? {} : { FLEET_FILE: fleetFile }),
    ...over,
  };
}

function fleetFile(name: string, text: string): string {
  const path = join(testDir(), name);
  writeFileSync(path, text);
  return path;
}

const lines = (stdout: string) => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('psq plan with a fleet file', () => {
  it('prints every testpoint\'s measurements, each with its testpoint, schedule, offset and slip; no HOSTS needed', async () => {
    const path = fleetFile(
      'fleet.yaml',
      `defaults:
  tests: [rtt, throughput]
  slip: PT1M
testpoints:
  - id: ship-1
    hosts: "192.0.2.10@shore-a"
    schedules: { throughput: "0 */6 * * *", rtt: "*/5 * * * *" }
  - id: ship-2
    hosts: ["192.0.2.20@shore-b"]
    offset: PT30S
    backend: direct
    tests: [rtt, clock]
`,
    );
    const r = await runPsq(['plan'], env(path), { cwd: testDir() });
    expect(r.stderr).not.toContain('psq:');
    expect(r.exitCode).toBe(0);
    const got = lines(r.stdout);
    expect(got.map((l) => [l['testpoint'], l['category'], l['direction'], l['cron'], l['offsetS'], l['slipS']])).toEqual([
      ['ship-1', 'rtt', 'forward', '*/5 * * * *', 0, 60],
      ['ship-1', 'throughput', 'forward', '0 */6 * * *', 0, 60],
      ['ship-1', 'throughput', 'reverse', '0 */6 * * *', 0, 60],
      ['ship-2', 'rtt', 'forward', '0 */2 * * *', 30, 60],
      ['ship-2', 'clock', 'forward', '0 */2 * * *', 30, 60],
    ]);
    expect(got[0]).toMatchObject({ dest: { ip: '192.0.2.10', name: 'shore-a' }, source: null, tz: 'UTC', schedule: expect.stringMatching(/^round__ship-1__[0-9a-f]{10}$/) });
    expect(got[0]!['schedule']).not.toBe(got[1]!['schedule']);
    // ship-2 says BACKEND direct: what the direct backend cannot measure is marked, as without a fleet.
    expect(got[4]).toMatchObject({ skipped: expect.stringContaining('clock needs pScheduler') });
    expect(got[3]).not.toHaveProperty('skipped');
    expect(r.stderr).toContain(`fleet: ${path}: 2 testpoints`);
    expect(r.stderr).toMatch(/schedule round__ship-1__[0-9a-f]{10}: "0 \*\/6 \* \* \*" UTC \(throughput\), offset 0 s, slip up to 60 s, 2 measurements; throughput 154 s of every 21600 s/);
    expect(await keysWithPrefix(testPrefix())).toEqual([]);

    const one = await runPsq(['plan', '--testpoint', 'ship-2'], env(path), { cwd: testDir() });
    expect(one.exitCode).toBe(0);
    expect(lines(one.stdout).map((l) => l['testpoint'])).toEqual(['ship-2', 'ship-2']);
  });

  it('a JSON fleet file works the same', async () => {
    const path = fleetFile('fleet.json', JSON.stringify({ testpoints: [{ id: 'a', hosts: '192.0.2.10@x', tests: ['rtt'] }] }));
    const r = await runPsq(['plan'], env(path), { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    expect(lines(r.stdout)).toEqual([expect.objectContaining({ testpoint: 'a', category: 'rtt', cron: '0 */2 * * *' })]);
  });

  it('names every bad field by its path, all at once, exit 2 and nothing on stdout', async () => {
    const path = fleetFile(
      'fleet.yml',
      `testpoints:
  - id: ship-1
    hosts: ["192.0.2.10@a", "999.0.0.1@b"]
    tests: [rtt, thruput]
    schedual: "0 * * * *"
  - id: ship-1
    hosts: h
    slip: 300
`,
    );
    const r = await runPsq(['plan'], env(path), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`psq: FLEET_FILE ${path}: not a usable fleet (5 problems):`);
    for (const line of [
      'testpoints[0].hosts[1]: expected a valid IPv4 address (999.0.0.1 is not one) (got "999.0.0.1@b")',
      'testpoints[0].tests[1]: expected one of latency, rtt, throughput, trace, mtu, clock; "thruput" is not one (got "thruput")',
      'testpoints[0].schedual: unknown field: expected one of id, hosts,',
      'testpoints[1].id: expected an id no other testpoint has (testpoints[0] has it too) (got "ship-1")',
      'testpoints[1].slip: expected an ISO 8601 duration',
    ]) {
      expect(r.stderr).toContain(line);
    }
  });

  it('refuses an overbooked fleet, naming the testpoint and the destination with the numbers', async () => {
    const path = fleetFile(
      'fleet.yaml',
      `defaults:
  tests: [throughput]
  schedule: "*/5 * * * *"
testpoints:
  - { id: ship-1, hosts: "192.0.2.10@shore-a" }
  - { id: ship-2, hosts: "192.0.2.10@shore-a" }
  - { id: ship-3, hosts: "192.0.2.20@b 192.0.2.21@c" }
`,
    );
    const r = await runPsq(['plan'], env(path), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('psq: overbooked: throughput cannot fit its schedules (2 problems):');
    expect(r.stderr).toContain('testpoints[2] (ship-3): throughput needs 308 s per period but its schedule "*/5 * * * *" fires every 300 s');
    expect(r.stderr).toContain('destination 192.0.2.10 (shore-a): throughput from ship-1, ship-2 needs 308 s per period but their schedules fire every 300 s (ship-1 154 s, ship-2 154 s)');
  });

  it('a missing file, an unknown extension and an unknown --testpoint are named, exit 2', async () => {
    const missing = join(testDir(), 'nope.yaml');
    let r = await runPsq(['plan'], env(missing), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`FLEET_FILE=${JSON.stringify(missing)}: expected a readable fleet file (it does not exist)`);

    r = await runPsq(['plan'], env(fleetFile('fleet.toml', 'x')), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('expected a fleet file ending in .yaml, .yml or .json');

    const path = fleetFile('fleet.yaml', 'testpoints:\n  - { id: ship-1, hosts: h }\n  - { id: ship-2, hosts: h }\n');
    r = await runPsq(['run-once', '--testpoint', 'ship-9'], env(path), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`--testpoint="ship-9": expected a testpoint of the fleet: the fleet file ${path} has ship-1, ship-2`);
    r = await runPsq(['run-once'], env(path), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`--testpoint=(unset): expected the testpoint to run (--testpoint ID): the fleet file ${path} has ship-1, ship-2`);
    expect(await keysWithPrefix(testPrefix())).toEqual([]);
  });
});

describe('psq run-once --testpoint', () => {
  it('runs one round of that testpoint of the fleet: its hosts and tests, on its queues', async () => {
    const path = fleetFile(
      'fleet.yaml',
      `defaults: { backend: pscheduler, reverse: false }
testpoints:
  - { id: ship-1, hosts: "192.0.2.10@one", tests: [rtt] }
  - { id: ship-2, hosts: "192.0.2.20@two", tests: [trace] }
`,
    );
    const log = join(testDir(), 'standin.log');
    const r = await runPsq(['run-once', '--testpoint', 'ship-2'], env(path, { PATH: pathWithStandin(), REDIS_URL: TEST_REDIS_URL, DATA_DIR: join(testDir(), 'data'), PSQ_STANDIN_LOG: log }), { cwd: testDir() });
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/trace\s+1 \/ 0 \/ 0/);
    expect(r.stdout).not.toMatch(/^rtt/m);
    const dests = readStandinLog(log).map((c) => c.argv.join(' '));
    expect(dests.some((a) => a.includes('192.0.2.20'))).toBe(true);
    expect(dests.some((a) => a.includes('192.0.2.10'))).toBe(false);
    const keys = await keysWithPrefix(testPrefix());
    expect(keys.some((k) => k.includes('measure-ship-2'))).toBe(true);
    expect(keys.some((k) => k.includes('ship-1'))).toBe(false);
  });
});

describe('psq plan without a fleet file', () => {
  it('prints the lines as before (no schedule fields) and refuses an overbooked CRON_EXPRESSION', async () => {
    const base = { HOSTS: '192.0.2.10@alpha 192.0.2.11@beta', TESTS: 'throughput' };
    const ok = await runPsq(['plan'], env(null, base), { cwd: testDir() });
    expect(ok.exitCode).toBe(0);
    expect(Object.keys(lines(ok.stdout)[0]!)).toEqual(['testpoint', 'category', 'tool', 'dest', 'source', 'direction', 'args']);

    const r = await runPsq(['plan'], env(null, { ...base, CRON_EXPRESSION: '*/5 * * * *' }), { cwd: testDir() });
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('TESTPOINT tp-env: throughput needs 308 s per period but its schedule "*/5 * * * *" fires every 300 s');

    const wrong = await runPsq(['plan', '--testpoint', 'other'], env(null, base), { cwd: testDir() });
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toContain('--testpoint="other": expected a testpoint of the fleet: the environment configures only tp-env');
  });
});
