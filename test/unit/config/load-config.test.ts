import { describe, expect, it } from 'vitest';

import { loadConfig, type Env, type LoadContext } from '../../../src/config/load-config.js';
import { VARIABLES } from '../../../src/config/variables.js';
import { ConfigError, type ConfigProblem } from '../../../src/errors.js';

const context: LoadContext = { hostname: 'tp-1.example.org', inContainer: false };
const base: Env = { HOSTS: '10.0.0.1@site-a' };

function problemsOf(env: Env, ctx = context): ConfigProblem[] {
  try {
    loadConfig(env, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

function errorOf(env: Env): ConfigError {
  try {
    loadConfig(env, context);
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig defaults', () => {
  it('fills every default from the minimal env', () => {
    const config = loadConfig(base, context);
    expect(config).toEqual({
      fleetFile: null,
      hosts: [{ ip: '10.0.0.1', name: 'site-a', source: null }],
      archiveUrls: [],
      authToken: null,
      cronExpression: '0 */2 * * *',
      tz: 'UTC',
      redisUrl: null,
      redisCaFile: null,
      redisCertFile: null,
      redisKeyFile: null,
      queuePrefix: 'psq',
      testpoint: 'tp-1.example.org',
      tests: ['latency', 'rtt', 'throughput', 'trace', 'mtu', 'clock'],
      reverse: true,
      toolMode: 'auto',
      tools: [],
      categoryArgs: { latency: null, rtt: null, throughput: null, trace: null, mtu: null, clock: null },
      iperf3Args: ['-i', '10', '-O', '10'],
      dataDir: './data',
      hostIp: 'tp-1.example.org',
      hostName: 'tp-1.example.org',
      backend: 'auto',
      iperf3Port: 5201,
      responderBind: null,
      pschedulerBin: 'pscheduler',
      processEnv: {},
      path: '',
      measureTimeoutMs: 600_000,
      measureAttempts: 2,
      measureRetryDelayMs: 30_000,
      measureConcurrency: 4,
      maxResultBytes: 8 * 1024 * 1024,
      stalledIntervalMs: 30_000,
      shutdownTimeoutMs: 60_000,
      heartbeatIntervalMs: 10_000,
      archiveFailed: true,
      archiveAttempts: 150,
      archiveBackoffMs: 10_000,
      archiveBackoffMaxMs: 600_000,
      archiveTimeoutMs: 30_000,
      archiveConcurrency: 64,
      archiveCaFile: null,
      archiveInsecureTls: false,
      archiveFailedKeepDays: 30,
      logLevel: 'info',
      logPretty: false,
      logFormat: 'auto',
      dashboardPort: 3000,
      dashboardHost: '127.0.0.1',
      dashboardUser: null,
      dashboardPassword: null,
      dashboardPublic: false,
      dashboardReadOnly: false,
      dashboardAllowedHosts: [],
    });
  });

  it('uses /data in a container and sanitises the hostname into a testpoint id', () => {
    const config = loadConfig(base, { hostname: 'ship 7:bridge', inContainer: true });
    expect(config.dataDir).toBe('/data');
    expect(config.testpoint).toBe('ship-7-bridge');
    expect(config.hostName).toBe('ship 7:bridge');
  });

  it('treats empty strings as unset', () => {
    const config = loadConfig(
      { ...base, TZ: '', CRON_EXPRESSION: '  ', REVERSE: '', TESTS: '', THROUGHPUT_ARGS: '', IPERF3_ARGS: '', AUTH_TOKEN: '' },
      context,
    );
    expect(config.tz).toBe('UTC');
    expect(config.cronExpression).toBe('0 */2 * * *');
    expect(config.reverse).toBe(true);
    expect(config.tests).toHaveLength(6);
    expect(config.categoryArgs.throughput).toBeNull();
    expect(config.iperf3Args).toEqual(['-i', '10', '-O', '10']);
    expect(config.authToken).toBeNull();
  });

  it('documents every variable it reads in variables.ts', () => {
    const names = VARIABLES.flatMap((v) => [v.name, ...v.aliases]);
    expect(new Set(names).size).toBe(names.length);
    for (const name of ['HOSTS', 'ARCHIVER_URLS', 'ARCHIVER_BEARER', 'THROUGHPUT_ARGS', 'LOG_PRETTY', 'REDIS_URL']) {
      expect(names).toContain(name);
    }
    expect(VARIABLES.filter((v) => v.secret).map((v) => v.name)).toContain('AUTH_TOKEN');
  });
});

describe('loadConfig values', () => {
  it('parses a full cron runner style env', () => {
    const config = loadConfig(
      {
        HOSTS: '10.129.133.2@shore-net1%10.135.145.2 [2001:db8::10]@v6 ps.example.org',
        ARCHIVE_URLS: 'https://a.example.org/ps/,https://b.example.org/ps;https://a.example.org/ps',
        AUTH_TOKEN: ' s3cr3t-token ',
        CRON_EXPRESSION: '*/30   * * * *',
        TZ: 'Europe/Oslo',
        TESTS: 'throughput, rtt',
        REVERSE: 'No',
        TOOL_MODE: 'subset',
        TOOLS: 'iperf3 ping',
        THROUGHPUT_ARGS: '-P 1 -t 30',
        RTT_ARGS: '-c 10',
        IPERF3_ARGS: '-i 5',
        REDIS_URL: 'redis://redis.example.org:6379/0',
        QUEUE_PREFIX: 'psq-test.1',
        TESTPOINT: 'ship_7',
        MEASURE_TIMEOUT_S: '90',
        ARCHIVE_INSECURE_TLS: 'YES',
        LOG_LEVEL: 'DEBUG',
        LOG_PRETTY: '1',
        ARCHIVE_CA_FILE: '/etc/ssl/archiver.pem',
      },
      context,
    );
    expect(config.hosts).toEqual([
      { ip: '10.129.133.2', name: 'shore-net1', source: '10.135.145.2' },
      { ip: '2001:db8::10', name: 'v6', source: null },
      { ip: 'ps.example.org', name: 'ps.example.org', source: null },
    ]);
    expect(config.archiveUrls).toEqual(['https://a.example.org/ps', 'https://b.example.org/ps']);
    expect(config.authToken).toBe('s3cr3t-token');
    expect(config.cronExpression).toBe('*/30 * * * *');
    expect(config.tz).toBe('Europe/Oslo');
    expect(config.tests).toEqual(['rtt', 'throughput']);
    expect(config.reverse).toBe(false);
    expect(config.toolMode).toBe('subset');
    expect(config.tools).toEqual(['iperf3', 'ping']);
    expect(config.categoryArgs.throughput).toEqual(['-P', '1', '-t', '30']);
    expect(config.categoryArgs.rtt).toEqual(['-c', '10']);
    expect(config.categoryArgs.latency).toBeNull();
    expect(config.iperf3Args).toEqual(['-i', '5']);
    expect(config.redisUrl).toBe('redis://redis.example.org:6379/0');
    expect(config.queuePrefix).toBe('psq-test.1');
    expect(config.testpoint).toBe('ship_7');
    expect(config.measureTimeoutMs).toBe(90_000);
    expect(config.archiveInsecureTls).toBe(true);
    expect(config.logLevel).toBe('debug');
    expect(config.logPretty).toBe(true);
    expect(config.archiveCaFile).toBe('/etc/ssl/archiver.pem');
  });

  it('reads the cron runner aliases, the new names winning when both are set', () => {
    const aliased = loadConfig({ ...base, ARCHIVER_URLS: 'https://old.example.org/ps', ARCHIVER_BEARER: 'old' }, context);
    expect(aliased.archiveUrls).toEqual(['https://old.example.org/ps']);
    expect(aliased.authToken).toBe('old');
    const both = loadConfig(
      { ...base, ARCHIVE_URLS: 'https://new.example.org/ps', ARCHIVER_URLS: 'https://old.example.org/ps',
        AUTH_TOKEN: 'new', ARCHIVER_BEARER: 'old' },
      context,
    );
    expect(both.archiveUrls).toEqual(['https://new.example.org/ps']);
    expect(both.authToken).toBe('new');
  });

  it('ignores TOOLS unless TOOL_MODE=subset', () => {
    const config = loadConfig({ ...base, TOOL_MODE: 'all', TOOLS: 'nonsense' }, context);
    expect(config.toolMode).toBe('all');
    expect(config.tools).toEqual([]);
  });

  it('accepts every boolean spelling', () => {
    for (const [raw, value] of [['true', true], ['TRUE', true], ['1', true], ['yes', true], ['false', false],
      ['0', false], ['No', false]] as const) {
      expect(loadConfig({ ...base, LOG_PRETTY: raw }, context).logPretty).toBe(value);
    }
  });

  it('accepts timezone aliases the C library knows', () => {
    expect(loadConfig({ ...base, TZ: 'Etc/UTC' }, context).tz).toBe('Etc/UTC');
    expect(loadConfig({ ...base, TZ: 'America/New_York' }, context).tz).toBe('America/New_York');
  });
});

describe('loadConfig problems', () => {
  it('reports every problem at once, naming each variable', () => {
    const problems = problemsOf({ HOSTS: '10.0.0.1@ok x@', TZ: 'Mars/Olympus', CRON_EXPRESSION: '0 */2 * *', REVERSE: 'maybe' });
    expect(problems).toEqual([
      { variable: 'HOSTS[1]', value: 'x@', expected: expect.stringMatching(/both sides of "@"/) },
      { variable: 'TZ', value: 'Mars/Olympus', expected: expect.stringMatching(/IANA timezone/) },
      { variable: 'CRON_EXPRESSION', value: '0 */2 * *', expected: expect.stringMatching(/5 fields.*got 4/) },
      { variable: 'REVERSE', value: 'maybe', expected: expect.stringMatching(/true or false/) },
    ]);
  });

  it('formats one line per problem in the error message', () => {
    const error = errorOf({ HOSTS: '10.0.0.1@ok 10.0.0.2@fine $(id)' });
    expect(error.message).toContain('HOSTS[2]="$(id)": expected only letters');
    expect(error.message.split('\n')).toHaveLength(2);
  });

  it('requires HOSTS', () => {
    expect(problemsOf({})).toEqual([{ variable: 'HOSTS', value: undefined, expected: expect.stringMatching(/at least one destination/) }]);
    // Delivering or serving the dashboard needs no destinations; bad entries are still refused.
    expect(loadConfig({}, { ...context, requireHosts: false }).hosts).toEqual([]);
    expect(problemsOf({ HOSTS: '$(id)' }, { ...context, requireHosts: false }).map((p) => p.variable)).toEqual(['HOSTS[0]']);
    expect(problemsOf({ HOSTS: '   ' })[0]).toMatchObject({ variable: 'HOSTS', value: '   ' });
    // With a fleet file the destinations are the fleet's.
    expect(loadConfig({ FLEET_FILE: ' /etc/psq/fleet.yaml ' }, context)).toMatchObject({ fleetFile: '/etc/psq/fleet.yaml', hosts: [] });
  });

  it('validates the cron pattern with cron-parser', () => {
    expect(problemsOf({ ...base, CRON_EXPRESSION: '61 * * * *' })[0]?.expected).toMatch(/0-59/);
    expect(problemsOf({ ...base, CRON_EXPRESSION: '@daily' })[0]?.expected).toMatch(/5 fields/);
    expect(problemsOf({ ...base, CRON_EXPRESSION: '0 0 * * * *' })[0]?.expected).toMatch(/got 6/);
  });

  it('refuses misspelled and offset timezones', () => {
    expect(problemsOf({ ...base, TZ: 'europe/oslo' })[0]?.expected).toMatch(/spelled exactly as Europe\/Oslo/);
    expect(problemsOf({ ...base, TZ: '+01:00' })[0]?.variable).toBe('TZ');
  });

  it('lists the valid categories and tools', () => {
    expect(problemsOf({ ...base, TESTS: 'rtt,bandwidth' })[0]).toEqual({
      variable: 'TESTS',
      value: 'rtt,bandwidth',
      expected: 'one or more of latency, rtt, throughput, trace, mtu, clock; unknown: bandwidth',
    });
    expect(problemsOf({ ...base, TOOL_MODE: 'subset', TOOLS: 'iperf3 nuttcp' })[0]?.expected).toMatch(/owping.*unknown: nuttcp/);
    expect(problemsOf({ ...base, TOOL_MODE: 'subset' })[0]).toMatchObject({ variable: 'TOOLS', value: undefined });
    expect(problemsOf({ ...base, TOOL_MODE: 'some' })[0]).toMatchObject({ variable: 'TOOL_MODE', expected: 'auto, all or subset' });
  });

  it('checks per-category and iperf3 args', () => {
    const problems = problemsOf({ ...base, THROUGHPUT_ARGS: '-P 4 --dest evil', RTT_ARGS: '-c 1;id', IPERF3_ARGS: '--reverse' });
    expect(problems.map((p) => p.variable)).toEqual(['RTT_ARGS', 'THROUGHPUT_ARGS', 'IPERF3_ARGS']);
    expect(problems[1]?.expected).toMatch(/--dest is not allowed/);
  });

  it('checks numbers and their ranges', () => {
    const problems = problemsOf({
      ...base, MEASURE_ATTEMPTS: '0', ARCHIVE_ATTEMPTS: '10001', MEASURE_CONCURRENCY: '2.5', ARCHIVE_TIMEOUT_MS: '-1',
      MEASURE_TIMEOUT_S: '1e3', ARCHIVE_BACKOFF_MS: '5000', ARCHIVE_BACKOFF_MAX_MS: '1000',
    });
    expect(problems.map((p) => p.variable).sort()).toEqual([
      'ARCHIVE_ATTEMPTS', 'ARCHIVE_BACKOFF_MAX_MS', 'ARCHIVE_TIMEOUT_MS', 'MEASURE_ATTEMPTS', 'MEASURE_CONCURRENCY',
      'MEASURE_TIMEOUT_S',
    ]);
    expect(problems.find((p) => p.variable === 'MEASURE_ATTEMPTS')?.expected).toBe('a whole number from 1 to 10000');
  });

  it('checks ids, the Redis URL, the log level and the pscheduler binary', () => {
    const problems = problemsOf({
      ...base, QUEUE_PREFIX: 'bull:psq', TESTPOINT: 'a/b', REDIS_URL: 'http://redis:6379', LOG_LEVEL: 'loud',
      PSCHEDULER_BIN: '--help',
    });
    expect(problems.map((p) => p.variable)).toEqual(['REDIS_URL', 'QUEUE_PREFIX', 'TESTPOINT', 'PSCHEDULER_BIN', 'LOG_LEVEL']);
    expect(problems[1]?.expected).toMatch(/no ":"/);
  });

  it('names the alias that held a bad URL', () => {
    expect(problemsOf({ ...base, ARCHIVER_URLS: 'ftp://x' })[0]?.variable).toBe('ARCHIVER_URLS');
  });
});

describe('secrets', () => {
  it('never puts the token in a problem or the message', () => {
    const token = 'tok en-SECRET';
    const error = errorOf({ ...base, AUTH_TOKEN: token });
    expect(error.problems).toEqual([
      { variable: 'AUTH_TOKEN', value: `(secret, ${token.length} chars)`, expected: expect.stringMatching(/visible ASCII/) },
    ]);
    expect(error.message).not.toContain('SECRET');
    expect(JSON.stringify(error.problems)).not.toContain('SECRET');
  });

  it('describes a bad alias token without showing it', () => {
    const error = errorOf({ ...base, ARCHIVER_BEARER: 'a\nSECRET' });
    expect(error.problems[0]?.variable).toBe('ARCHIVER_BEARER');
    expect(error.message).not.toContain('SECRET');
  });

  it('masks passwords in URLs', () => {
    const error = errorOf({ ...base, ARCHIVE_URLS: 'https://u:SECRET@a.org/ps', REDIS_URL: 'http://:SECRET@r:6379' });
    expect(error.problems.map((p) => p.variable)).toEqual(['ARCHIVE_URLS', 'REDIS_URL']);
    expect(error.message).not.toContain('SECRET');
  });
});

describe('immutability', () => {
  it('deep-freezes the config', () => {
    const config = loadConfig({ ...base, THROUGHPUT_ARGS: '-P 2' }, context);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.hosts)).toBe(true);
    expect(Object.isFrozen(config.hosts[0])).toBe(true);
    expect(Object.isFrozen(config.tests)).toBe(true);
    expect(Object.isFrozen(config.categoryArgs)).toBe(true);
    expect(Object.isFrozen(config.categoryArgs.throughput)).toBe(true);
    expect(Object.isFrozen(config.iperf3Args)).toBe(true);
    expect(() => {
      (config.tests as string[]).push('x');
    }).toThrow(TypeError);
  });

  it('does not share default arrays between loads', () => {
    const a = loadConfig(base, context);
    const b = loadConfig({ ...base, IPERF3_ARGS: '-i 1' }, context);
    expect(a.iperf3Args).toEqual(['-i', '10', '-O', '10']);
    expect(b.iperf3Args).toEqual(['-i', '1']);
    expect(loadConfig(base, context).tests).not.toBe(a.tests);
  });
});
