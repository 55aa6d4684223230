// The Host check against DNS rebinding: parsing Host headers and DASHBOARD_ALLOWED_HOSTS entries,
// and which names each configuration answers.
import { describe, expect, it } from 'vitest';
import { formatHost, hostAllowed, hostPolicy, parseAllowedHost, parseAllowedHosts, parseHost, type HostPolicy } from '../../../src/dashboard/host-check.js';

describe('parseHost', () => {
  it('reads names, IPv4 and bracketed IPv6, with or without a port', () => {
    expect(parseHost('psq.example.net')).toEqual({ host: 'psq.example.net', port: null });
    expect(parseHost('psq.example.net:8443')).toEqual({ host: 'psq.example.net', port: 8443 });
    expect(parseHost('127.0.0.1:3000')).toEqual({ host: '127.0.0.1', port: 3000 });
    expect(parseHost('[::1]')).toEqual({ host: '::1', port: null });
    expect(parseHost('[::1]:3000')).toEqual({ host: '::1', port: 3000 });
    expect(parseHost('[2001:DB8:0:0:0:0:0:7]:80')).toEqual({ host: '2001:db8::7', port: 80 });
    expect(parseHost('[0:0:0:0:0:0:0:1]')).toEqual({ host: '::1', port: null });
    // An empty port is allowed by the grammar and means the default.
    expect(parseHost('localhost:')).toEqual({ host: 'localhost', port: null });
  });

  it('ignores case and one trailing dot (the absolute form of the same name)', () => {
    expect(parseHost('LocalHost.')).toEqual({ host: 'localhost', port: null });
    expect(parseHost('PSQ.Example.NET.:3000')).toEqual({ host: 'psq.example.net', port: 3000 });
    expect(parseHost('127.0.0.1.')).toEqual({ host: '127.0.0.1', port: null });
  });

  it('refuses what a browser never sends as Host', () => {
    for (const bad of ['', ' ', '.', 'a..b', '.example.net', 'localhost..', 'evil@127.0.0.1', '127.0.0.1/x', '::1', '[::1', '[nope]', '[::1]x', 'h:99999', 'h:1:2', 'a b', 'ex%41mple.net', 'host:port']) {
      expect(parseHost(bad), bad).toBeNull();
    }
  });
});

describe('DASHBOARD_ALLOWED_HOSTS entries', () => {
  it('takes a comma (or space) list; bare IPv6 addresses too; reports the entries it cannot read', () => {
    expect(parseAllowedHosts('psq.example.net, PSQ2.example.net:8443 ,192.0.2.7 [2001:db8::7]:443,2001:db8::8')).toEqual({
      hosts: [
        { host: 'psq.example.net', port: null },
        { host: 'psq2.example.net', port: 8443 },
        { host: '192.0.2.7', port: null },
        { host: '2001:db8::7', port: 443 },
        { host: '2001:db8::8', port: null },
      ],
      bad: [],
    });
    expect(parseAllowedHosts('ok.example, http://psq.example.net/, a b@c').bad).toEqual(['http://psq.example.net/', 'b@c']);
    expect(parseAllowedHosts('')).toEqual({ hosts: [], bad: [] });
    expect(parseAllowedHost('[::1]')).toEqual({ host: '::1', port: null });
  });

  it('formats entries as an operator writes them', () => {
    expect(formatHost({ host: '2001:db8::7', port: 443 })).toBe('[2001:db8::7]:443');
    expect(formatHost({ host: 'psq.example.net', port: null })).toBe('psq.example.net');
  });
});

describe('hostPolicy and hostAllowed', () => {
  const allowed = (hosts: string, credentials: boolean, bindHost = '127.0.0.1'): HostPolicy =>
    hostPolicy({ credentials, allowedHosts: parseAllowedHosts(hosts).hosts, bindHost });

  it('without credentials: loopback names on any port, nothing else', () => {
    const p = allowed('', false);
    for (const h of ['127.0.0.1', '127.0.0.1:3000', 'localhost', 'LOCALHOST.:8080', '[::1]', '[::1]:3000', '[0::1]:1']) expect(hostAllowed(h, p), h).toBe(true);
    for (const h of ['rebind.evil.example', 'rebind.evil.example:3000', 'localhost.evil.example', '127.0.0.1.nip.io', '127.0.0.2', '[::2]', '192.0.2.1', '', 'evil@127.0.0.1']) {
      expect(hostAllowed(h, p), h).toBe(false);
    }
    // A missing Host (HTTP/1.0) is not a name we serve.
    expect(hostAllowed(undefined, p)).toBe(false);
  });

  it('a specific bind address is one of the names; a wildcard is not', () => {
    expect(hostAllowed('127.0.0.2:3000', allowed('', false, '127.0.0.2'))).toBe(true);
    expect(hostAllowed('0.0.0.0:3000', allowed('', false, '0.0.0.0'))).toBe(false);
    expect(hostAllowed('[::]:3000', allowed('', false, '::'))).toBe(false);
  });

  it('with credentials and an empty list: any name, even none', () => {
    const p = allowed('', true, '0.0.0.0');
    expect(p).toEqual({ any: true });
    for (const h of ['anything.example', '192.0.2.1:8080', '', undefined]) expect(hostAllowed(h, p), String(h)).toBe(true);
  });

  it('with a list: its names (port when given; 80/443 match a Host without port), loopback, nothing else', () => {
    const p = allowed('psq.example.net, dash.example.org:8443, [2001:db8::7]', true, '0.0.0.0');
    for (const h of ['psq.example.net', 'psq.example.net:3000', 'PSQ.example.net.', 'dash.example.org:8443', '[2001:db8::7]:3000', 'localhost:3000']) {
      expect(hostAllowed(h, p), h).toBe(true);
    }
    for (const h of ['rebind.evil.example', 'dash.example.org', 'dash.example.org:443', 'evil.psq.example.net', 'psq.example.net.evil.example', '[2001:db8::8]', undefined]) {
      expect(hostAllowed(h, p), String(h)).toBe(false);
    }
    const tls = allowed('psq.example.net:443', true, '0.0.0.0');
    expect(hostAllowed('psq.example.net', tls)).toBe(true);
    expect(hostAllowed('psq.example.net:444', tls)).toBe(false);
  });

  it('the list applies without credentials too (a reverse proxy on this machine)', () => {
    const p = allowed('psq.example.net', false);
    expect(hostAllowed('psq.example.net', p)).toBe(true);
    expect(hostAllowed('other.example.net', p)).toBe(false);
  });
});
