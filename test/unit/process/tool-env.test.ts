import { describe, expect, it } from 'vitest';
import { isToolVariable, toolEnvironment, toolProfile } from '../../../src/process/tool-env.js';

const worker = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: '/var/lib/psq',
  LANG: 'C.UTF-8',
  LC_ALL: 'C.UTF-8',
  LC_TIME: 'en_GB.UTF-8',
  TZ: 'Europe/Oslo',
  TMPDIR: '/tmp',
  AUTH_TOKEN: 'tok-1',
  ARCHIVER_BEARER: 'tok-2',
  DASHBOARD_PASSWORD: 'dash-pw',
  DASHBOARD_USER: 'admin',
  REDIS_URL: 'redis://:redis-pw@central:6379',
  X_PASSWORD: 'x',
  Y_TOKEN: 'y',
  Z_SECRET: 'z',
  HOSTS: '192.0.2.1@a',
  ARCHIVE_URLS: 'https://archive.example.org/ps',
  NODE_OPTIONS: '--require /tmp/evil.js',
  PSCHEDULER_ASSIST: 'localhost',
  PSCHEDULER_TOKEN: 'ps-tok',
  PYTHONPATH: '/opt/ps/lib',
  PYTHON_SECRET: 'py',
  PSQ_STANDIN_MODE: 'ok',
  IPERF3_PASSWORD: 'iperf-pw',
  UNSET: undefined,
};

describe('tool environment (allow-list)', () => {
  it('ping, iperf3, traceroute, tracepath get PATH, HOME, locale, TZ, TMPDIR and nothing else', () => {
    for (const tool of ['ping', 'iperf3', '/usr/sbin/traceroute', 'tracepath']) {
      expect(toolEnvironment(tool, worker)).toEqual({
        PATH: worker.PATH,
        HOME: worker.HOME,
        LANG: worker.LANG,
        LC_ALL: worker.LC_ALL,
        LC_TIME: worker.LC_TIME,
        TZ: worker.TZ,
        TMPDIR: worker.TMPDIR,
      });
    }
  });

  it('pscheduler also gets its own PSCHEDULER_* and PYTHON* (and the stand-in its PSQ_STANDIN_*), never a secret-looking one', () => {
    const env = toolEnvironment('/usr/bin/pscheduler', worker);
    expect(env).toMatchObject({ PATH: worker.PATH, PSCHEDULER_ASSIST: 'localhost', PYTHONPATH: '/opt/ps/lib', PSQ_STANDIN_MODE: 'ok' });
    expect(Object.keys(env)).not.toContain('PSCHEDULER_TOKEN');
    expect(Object.keys(env)).not.toContain('PYTHON_SECRET');
  });

  it('no secret, no psq setting and no NODE_OPTIONS reaches any tool', () => {
    for (const tool of ['ping', 'iperf3', 'traceroute', 'tracepath', 'pscheduler', 'redis-server']) {
      const env = toolEnvironment(tool, worker);
      for (const name of ['AUTH_TOKEN', 'ARCHIVER_BEARER', 'DASHBOARD_PASSWORD', 'DASHBOARD_USER', 'REDIS_URL', 'X_PASSWORD', 'Y_TOKEN',
        'Z_SECRET', 'HOSTS', 'ARCHIVE_URLS', 'NODE_OPTIONS', 'IPERF3_PASSWORD', 'UNSET']) {
        expect(env, `${tool} ${name}`).not.toHaveProperty(name);
      }
      const values = Object.values(env).join('\n');
      for (const secret of ['tok-1', 'tok-2', 'dash-pw', 'redis-pw', 'ps-tok', 'iperf-pw']) expect(values).not.toContain(secret);
    }
  });

  it('variables the caller sets on purpose are added, secret-looking names still dropped', () => {
    expect(toolEnvironment('ping', { PATH: '/bin' }, { LC_ALL: 'C', MY_TOKEN: 't' })).toEqual({ PATH: '/bin', LC_ALL: 'C' });
  });

  it('the profile follows the program name, also for a renamed pScheduler CLI', () => {
    expect(toolProfile('pscheduler')).toBe('pscheduler');
    expect(toolProfile('/opt/perfsonar/bin/pscheduler-cli')).toBe('pscheduler');
    expect(toolProfile('/usr/bin/ping')).toBeNull();
    expect(isToolVariable('PSCHEDULER_SLIP', null)).toBe(false);
    expect(isToolVariable('PSCHEDULER_SLIP', 'pscheduler')).toBe(true);
    expect(isToolVariable('LC_CTYPE', null)).toBe(true);
  });
});
