// Issue 10.9: values that used to be replaced by defaults or passed on to a tool are refused at load,
// each named with what is expected.
import { describe, expect, it } from 'vitest';
import { loadConfig, readConfig, type Env, type LoadContext } from '../../../src/config/load-config.js';
import { longestResultFileName, MAX_FILE_NAME_BYTES } from '../../../src/config/result-name-limit.js';
import { checkTestArgValue } from '../../../src/config/test-arg-values.js';
import { validateTestArgs } from '../../../src/config/test-args.js';
import { parseHosts } from '../../../src/config/hosts.js';
import { ConfigError } from '../../../src/errors.js';

const context: LoadContext = { hostname: 'tp-1.example.org', inContainer: false };
const base: Env = { HOSTS: '10.0.0.1@site-a' };

const problems = (env: Env) => readConfig({ ...base, ...env }, context).problems;

describe('test flag values out of range', () => {
  it.each([
    ['throughput', ['-t', '-5'], '-t -5: expected test duration'],
    ['throughput', ['-t', '0'], '-t 0: expected test duration'],
    ['throughput', ['-P', '0'], '-P 0: expected parallel streams, a whole number from 1 to 128'],
    ['throughput', ['-P', '999'], '-P 999: expected parallel streams, a whole number from 1 to 128'],
    ['throughput', ['--parallel=129'], '--parallel 129: expected parallel streams'],
    ['throughput', ['-i', '61'], '-i 61: expected report interval: 0 (none) or 0.1 to 60 seconds'],
    ['rtt', ['--count', '-1'], '--count -1: expected packets to send, a whole number from 1 to 100000'],
    ['rtt', ['-c', '0'], '-c 0: expected packets to send'],
    ['rtt', ['--ip-version', '5'], '--ip-version 5: expected IP version 4 or 6'],
    ['trace', ['--hops', '300'], '--hops 300: expected maximum hops, a whole number from 1 to 255'],
    ['latency', ['-c', '-3'], '-c -3: expected packets to send'],
    ['clock', ['--timeout', 'PT2S'], '--timeout PT2S: expected timeout'],
  ] as const)('%s %j is refused: %s', (category, args, message) => {
    const found = validateTestArgs(category, args);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it.each([
    ['throughput', ['-P', '4', '-t', '60', '-i', '10', '-O', '10']],
    ['throughput', ['-t', 'PT30S', '-P', '128', '-i', '0', '-O', '0']],
    ['rtt', ['--count', '2', '--interval', '0.2']],
    ['rtt', ['-c', '3', '-i', 'PT0.2S']],
    ['latency', ['-c', '3', '-i', '0.2']],
    ['trace', ['--hops', '3']],
    ['mtu', ['-i', '6']],
  ] as const)('%s %j stays accepted', (category, args) => {
    expect(validateTestArgs(category, args)).toEqual([]);
  });

  it('names each bad option of THROUGHPUT_ARGS and RTT_ARGS with its range, all at once', () => {
    const found = problems({ THROUGHPUT_ARGS: '-t -5 -P 999', RTT_ARGS: '--count -1', IPERF3_ARGS: '-P 0' });
    expect(found.map((p) => p.variable)).toEqual(['RTT_ARGS', 'THROUGHPUT_ARGS', 'IPERF3_ARGS']);
    expect(found[1]!.expected).toContain('-t -5: expected');
    expect(found[1]!.expected).toContain('-P 999: expected parallel streams, a whole number from 1 to 128');
    expect(found[2]!.expected).toContain('-P 0: expected parallel streams');
  });

  it('a flag without a rule is left to the allow-list', () => {
    expect(checkTestArgValue('throughput', '-b', '10M')).toBeNull();
  });
});

describe('HOSTS names too long for a result file name', () => {
  it('computes the longest name from the real naming functions', () => {
    // name@ip_traceroute_YYYYMMDD-HHMMSSZ-999_forward.json.meta as a hidden .partial temp file
    const n = longestResultFileName({ ip: '192.0.2.1', name: 'a' });
    expect(n).toBe('.a@192.0.2.1_traceroute_19700101-000000Z-999_forward.json.meta.'.length + 8 + '.partial'.length);
  });

  it('refuses a name whose files would pass 255 bytes and says by how much to shorten it', () => {
    const room = MAX_FILE_NAME_BYTES - longestResultFileName({ ip: '192.0.2.1', name: '' });
    const fits = parseHosts(`192.0.2.1@${'n'.repeat(room)}`);
    expect(fits.problems).toEqual([]);
    const over = parseHosts(`192.0.2.1@${'n'.repeat(room + 3)}`);
    expect(over.hosts).toEqual([]);
    expect(over.problems[0]!.expected).toContain('over the filesystem limit of 255 (shorten it by 3 characters)');
  });
});

describe('HOST_IP and HOST_NAME', () => {
  it('HOST_IP must be an address', () => {
    expect(problems({ HOST_IP: 'tp-1.example.org' }).map((p) => p.variable)).toEqual(['HOST_IP']);
    expect(problems({ HOST_IP: '2001:db8::7' })).toEqual([]);
    expect(problems({ HOST_IP: '192.0.2.7' })).toEqual([]);
  });

  it('HOST_NAME: no control characters, at most 253 characters', () => {
    expect(problems({ HOST_NAME: 'tp\u0007one' }).map((p) => p.variable)).toEqual(['HOST_NAME']);
    expect(problems({ HOST_NAME: 'x'.repeat(254) }).map((p) => p.variable)).toEqual(['HOST_NAME']);
    expect(problems({ HOST_NAME: 'x'.repeat(253) })).toEqual([]);
  });

  it('unset, both default to the hostname as before', () => {
    const config = loadConfig(base, context);
    expect([config.hostIp, config.hostName]).toEqual(['tp-1.example.org', 'tp-1.example.org']);
  });
});

describe('REDIS_URL', () => {
  it('a password that does not decode is a named problem, not a URIError', () => {
    const found = problems({ REDIS_URL: 'redis://:pa%zzSECRET@redis:6379' });
    expect(found.map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect(found[0]!.expected).toContain('%25');
    expect(JSON.stringify(found)).not.toContain('SECRET');
  });

  it('?password= is refused and never shown', () => {
    const found = problems({ REDIS_URL: 'redis://redis:6379?password=SECRET' });
    expect(found.map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect(found[0]!.expected).toContain('redis://:PASSWORD@HOST:PORT');
    expect(JSON.stringify(found)).not.toContain('SECRET');
    expect(new ConfigError(found).message).not.toContain('SECRET');
  });

  it('the path must be a database number', () => {
    expect(problems({ REDIS_URL: 'redis://redis:6379/queues' }).map((p) => p.variable)).toEqual(['REDIS_URL']);
    expect(problems({ REDIS_URL: 'redis://:p%40ss@redis:6379/2' })).toEqual([]);
  });

  it('an unparseable URL with a password in it is not echoed', () => {
    const found = problems({ REDIS_URL: 'redis://:SECRET@[bad' });
    expect(JSON.stringify(found)).not.toContain('SECRET');
  });
});
