// psq health reads only the variables it uses (health-config.ts): for those, the same values and the
// same problems, word for word, as the whole configuration's reading (load-config.ts).
import { describe, expect, it } from 'vitest';
import { readConfig } from '../../../src/config/load-config.js';
import { readHealthConfig } from '../../../src/cli/health-config.js';

const HEALTH_VARIABLES = [
  'REDIS_URL', 'REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE', 'QUEUE_PREFIX', 'TESTPOINT', 'ARCHIVE_URLS', 'ARCHIVER_URLS',
  'RESPONDER_BIND', 'IPERF3_PORT', 'DASHBOARD_HOST', 'DASHBOARD_PORT',
];

function both(env: Record<string, string>, hostname = 'tp.example.org') {
  const full = readConfig(env, { hostname, inContainer: false, requireHosts: false });
  const light = readHealthConfig(env, hostname);
  const fields = Object.keys(light.config) as (keyof typeof light.config)[];
  return {
    full: { config: Object.fromEntries(fields.map((f) => [f, full.config[f]])), problems: full.problems.filter((p) => HEALTH_VARIABLES.includes(p.variable)) },
    light: { config: light.config, problems: light.problems },
  };
}

const sort = <T extends { variable: string }>(xs: readonly T[]) => [...xs].sort((a, b) => a.variable.localeCompare(b.variable));

describe('readHealthConfig', () => {
  it.each<[string, Record<string, string>]>([
    ['defaults', {}],
    ['set values', { REDIS_URL: ' redis://:pw@redis.example:6380/2 ', QUEUE_PREFIX: 'pfx', TESTPOINT: 'tp-1', ARCHIVE_URLS: 'https://a.example/ps/, http://b.example:8080/x', RESPONDER_BIND: '::1', IPERF3_PORT: '5202', DASHBOARD_HOST: 'dash.example', DASHBOARD_PUBLIC: 'true', DASHBOARD_PORT: '0' }],
    ['the ARCHIVER_URLS alias', { ARCHIVER_URLS: 'https://a.example/ps' }],
    ['dashboard credentials: bound to all addresses', { DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'pw' }],
    ['empty counts as unset', { REDIS_URL: ' ', TESTPOINT: '', IPERF3_PORT: '  ' }],
    ['TLS files with rediss://', { REDIS_URL: 'rediss://r.example:6380', REDIS_CA_FILE: '/ca.pem', REDIS_CERT_FILE: '/c.pem', REDIS_KEY_FILE: '/k.pem' }],
    ['bad values', { REDIS_URL: 'http://:secret@x', QUEUE_PREFIX: 'a:b', TESTPOINT: 'x'.repeat(65), ARCHIVE_URLS: 'ftp://a.example', RESPONDER_BIND: 'not-an-ip', IPERF3_PORT: '70000', DASHBOARD_HOST: '-bad host', DASHBOARD_PORT: '3.5' }],
    ['a port that is not a number', { IPERF3_PORT: '0x10', DASHBOARD_PORT: '-1' }],
    ['TLS files without rediss://', { REDIS_URL: 'redis://r.example', REDIS_CA_FILE: '/ca.pem', REDIS_CERT_FILE: '/c.pem' }],
    ['TLS files and no REDIS_URL', { REDIS_KEY_FILE: '/k.pem' }],
    ['a redacted URL in the problem', { REDIS_URL: 'redis://:secret@host:port' }],
  ])('%s: the same values and problems as readConfig', (_, env) => {
    const { full, light } = both(env);
    expect(light.config).toEqual(full.config);
    expect(sort(light.problems)).toEqual(sort(full.problems));
  });

  it('the default testpoint is the host name, made a valid id', () => {
    const { full, light } = both({}, ' host with spaces.example ');
    expect(light.config.testpoint).toBe(full.config['testpoint']);
  });

  it('whether the dashboard may serve off loopback without a password is the dashboard\'s own check at start, not health\'s', () => {
    const { full, light } = both({ DASHBOARD_HOST: '0.0.0.0' });
    expect(full.problems.map((p) => p.variable)).toEqual(['DASHBOARD_HOST']);
    expect(light.problems).toEqual([]);
    expect(light.config.dashboardHost).toBe('0.0.0.0');
  });

  it('a password in REDIS_URL never appears in a problem', () => {
    const { light } = both({ REDIS_URL: 'redis://:hunter2@host:port' });
    expect(light.problems).toHaveLength(1);
    expect(JSON.stringify(light.problems)).not.toContain('hunter2');
  });
});
