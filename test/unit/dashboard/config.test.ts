// The DASHBOARD_* variables: defaults, the loopback rule without credentials, and the password kept secret.
import { describe, expect, it } from 'vitest';
import { loadConfig, type Env } from '../../../src/config/load-config.js';
import { variable } from '../../../src/config/variables.js';
import { ConfigError } from '../../../src/errors.js';
import { dashboardUrl } from '../../../src/roles/dashboard-role.js';

const context = { hostname: 'tp-1', inContainer: false };
const base: Env = { HOSTS: '10.0.0.1@site-a' };

function error(env: Env): ConfigError {
  try {
    loadConfig({ ...base, ...env }, context);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('dashboard configuration', () => {
  it('defaults to port 3000 on loopback, without auth, writable', () => {
    const c = loadConfig(base, context);
    expect([c.dashboardPort, c.dashboardHost, c.dashboardUser, c.dashboardPassword, c.dashboardPublic, c.dashboardReadOnly]).toEqual([
      3000, '127.0.0.1', null, null, false, false,
    ]);
  });

  it('binds to every address by default once credentials are set', () => {
    const c = loadConfig({ ...base, DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'pw-1234', DASHBOARD_READ_ONLY: 'yes', DASHBOARD_PORT: '8080' }, context);
    expect([c.dashboardHost, c.dashboardUser, c.dashboardPassword, c.dashboardReadOnly, c.dashboardPort]).toEqual(['0.0.0.0', 'ops', 'pw-1234', true, 8080]);
  });

  it('refuses a non-loopback address without credentials unless DASHBOARD_PUBLIC=true', () => {
    const e = error({ DASHBOARD_HOST: '0.0.0.0' });
    expect(e.problems.map((p) => p.variable)).toEqual(['DASHBOARD_HOST']);
    expect(e.message).toMatch(/DASHBOARD_USER/);
    expect(e.message).toMatch(/DASHBOARD_PASSWORD/);
    expect(e.message).toMatch(/DASHBOARD_PUBLIC=true/);
    expect(loadConfig({ ...base, DASHBOARD_HOST: '0.0.0.0', DASHBOARD_PUBLIC: 'true' }, context).dashboardHost).toBe('0.0.0.0');
    for (const host of ['127.0.0.2', '::1', 'localhost']) expect(loadConfig({ ...base, DASHBOARD_HOST: host }, context).dashboardHost).toBe(host);
  });

  it('reports every dashboard problem at once, never showing the password', () => {
    const e = error({ DASHBOARD_PORT: '70000', DASHBOARD_PASSWORD: 'SECRET\u0001pw', DASHBOARD_PUBLIC: 'maybe', DASHBOARD_HOST: 'bad host!' });
    expect(e.problems.map((p) => p.variable)).toEqual(['DASHBOARD_PASSWORD', 'DASHBOARD_USER', 'DASHBOARD_PUBLIC', 'DASHBOARD_HOST', 'DASHBOARD_PORT']);
    expect(e.problems[0]?.value).toBe('(secret, 9 chars)');
    expect(e.message).not.toContain('SECRET');
  });

  it('wants both user and password, and no colon in the user', () => {
    expect(error({ DASHBOARD_USER: 'ops' }).problems.map((p) => p.variable)).toEqual(['DASHBOARD_PASSWORD']);
    expect(error({ DASHBOARD_USER: 'o:ps', DASHBOARD_PASSWORD: 'pw-1234' }).problems.map((p) => p.variable)).toEqual(['DASHBOARD_USER']);
  });

  it('reads DASHBOARD_ALLOWED_HOSTS (empty: none), names the entries it cannot read', () => {
    expect(loadConfig(base, context).dashboardAllowedHosts).toEqual([]);
    const c = loadConfig({ ...base, DASHBOARD_ALLOWED_HOSTS: 'psq.example.net, PSQ.example.net., dash.example.org:8443,[2001:db8::7]' }, context);
    expect(c.dashboardAllowedHosts).toEqual([
      { host: 'psq.example.net', port: null },
      { host: 'dash.example.org', port: 8443 },
      { host: '2001:db8::7', port: null },
    ]);
    const e = error({ DASHBOARD_ALLOWED_HOSTS: 'ok.example, https://psq.example.net/, x:99999' });
    expect(e.problems.map((p) => [p.variable, p.value])).toEqual([['DASHBOARD_ALLOWED_HOSTS', 'https://psq.example.net/, x:99999']]);
    expect(e.message).toMatch(/optional :port/);
  });

  it('documents the variables, the password as a secret', () => {
    expect(variable('DASHBOARD_PASSWORD').secret).toBe(true);
    expect(variable('DASHBOARD_PASSWORD').group).toBe('dashboard');
    for (const n of ['DASHBOARD_PORT', 'DASHBOARD_HOST', 'DASHBOARD_USER', 'DASHBOARD_PUBLIC', 'DASHBOARD_READ_ONLY', 'DASHBOARD_ALLOWED_HOSTS']) expect(variable(n).group).toBe('dashboard');
  });
});

describe('dashboardUrl', () => {
  it('reaches wildcard binds through loopback and brackets IPv6', () => {
    expect(dashboardUrl('0.0.0.0', 3000)).toBe('http://127.0.0.1:3000');
    expect(dashboardUrl('::', 3000)).toBe('http://[::1]:3000');
    expect(dashboardUrl('192.0.2.5', 80)).toBe('http://192.0.2.5:80');
  });
});
