import { describe, expect, it } from 'vitest';

import { CATEGORIES } from '../../../src/plan/categories.js';
import { allowedFlags, splitArgs, validateTestArgs, WORKER_FLAGS } from '../../../src/config/test-args.js';

describe('splitArgs', () => {
  it('splits on any whitespace', () => {
    expect(splitArgs('  -P 4\t-t\n60 ')).toEqual(['-P', '4', '-t', '60']);
    expect(splitArgs('')).toEqual([]);
  });
});

describe('validateTestArgs', () => {
  it('accepts the documented defaults and common flags', () => {
    expect(validateTestArgs('throughput', ['-P', '4', '-t', '60'])).toEqual([]);
    expect(validateTestArgs('throughput', ['-i', '10', '-O', '10'])).toEqual([]);
    expect(validateTestArgs('throughput', ['--parallel=8', '--udp', '-b', '1G', '--congestion', 'bbr'])).toEqual([]);
    expect(validateTestArgs('rtt', ['-c', '10', '--interval', 'PT0.5S', '--no-hostnames'])).toEqual([]);
    expect(validateTestArgs('latency', ['-c', '600', '-i', '0.1', '-P', '8760-9960', '-R'])).toEqual([]);
    expect(validateTestArgs('trace', ['--probe-type', 'icmp', '--hops', '30', '--as'])).toEqual([]);
    expect(validateTestArgs('mtu', ['-i', '6', '--port', '1060'])).toEqual([]);
    expect(validateTestArgs('clock', ['--timeout', 'PT5S'])).toEqual([]);
    expect(validateTestArgs('rtt', [])).toEqual([]);
  });

  it('accepts a negative number as a value', () => {
    expect(validateTestArgs('throughput', ['--client-cpu-affinity', '-1'])).toEqual([]);
  });

  it.each(['--dest', '-d', '--destination', '--source', '-s', '--reverse', '-r', '--format', '--output', '--tool',
    '--archive', '--import'])('refuses the worker flag %s in every category', (flag) => {
    for (const category of CATEGORIES) {
      // --reverse takes no value; the others' value is not reported a second time.
      const args = flag === '--reverse' || flag === '-r' ? [flag] : [flag, 'x'];
      const problems = validateTestArgs(category, args);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain('the worker sets it itself');
    }
  });

  it('never lists a worker flag as allowed', () => {
    for (const category of CATEGORIES) {
      expect(allowedFlags(category).filter((f) => WORKER_FLAGS.includes(f))).toEqual([]);
    }
  });

  it('refuses --flag=value for a worker flag', () => {
    expect(validateTestArgs('rtt', ['--dest=evil.example.org'])).toEqual([
      '--dest is not allowed in extra args: the worker sets it itself',
    ]);
  });

  it('checks flags per category (short letters differ)', () => {
    expect(validateTestArgs('rtt', ['-P', '4'])[0]).toMatch(/-P is not a rtt flag/);
    expect(validateTestArgs('mtu', ['--count', '3'])[0]).toMatch(/--count is not a mtu flag/);
    expect(validateTestArgs('throughput', ['--bogus'])[0]).toMatch(/allowed: .*--parallel/);
  });

  it('refuses unsafe characters', () => {
    for (const arg of ['a;b', '$(id)', '`id`', "'x'", '"x"', 'a b', '', 'x\n']) {
      expect(validateTestArgs('throughput', ['-t', arg]).length, arg).toBeGreaterThan(0);
    }
    expect(validateTestArgs('throughput', [';rm -rf /'])[0]).toMatch(/characters outside/);
  });

  it('refuses values without a flag and flags without values', () => {
    expect(validateTestArgs('throughput', ['60'])).toEqual(['"60" is a value without a flag before it']);
    expect(validateTestArgs('throughput', ['-t'])).toEqual(['-t needs a value']);
    expect(validateTestArgs('throughput', ['-t', '--udp'])).toEqual(['-t needs a value']);
    expect(validateTestArgs('throughput', ['-t', '-x'])).toEqual([
      '-t needs a value',
      expect.stringMatching(/-x is not a throughput flag/),
    ]);
    expect(validateTestArgs('throughput', ['--duration='])).toEqual(['--duration needs a value']);
    expect(validateTestArgs('throughput', ['--udp=yes'])).toEqual(['--udp takes no value']);
  });

  it('treats untrusted job data strictly', () => {
    expect(validateTestArgs('nope' as never, [])).toEqual(['unknown test category "nope"']);
    expect(validateTestArgs('rtt', 'x' as never)).toEqual(['args must be a list of strings']);
    expect(validateTestArgs('rtt', ['-c', 5 as never]).length).toBeGreaterThan(0);
    expect(validateTestArgs('rtt', Array.from({ length: 65 }, () => '--no-hostnames'))[0]).toMatch(/at most 64/);
    expect(validateTestArgs('rtt', ['--count', '1'.repeat(300)])[0]).toMatch(/too long/);
  });
});
