import { describe, expect, it } from 'vitest';
import { resolveSource } from '../../../src/measure/resolve-source.js';

const ifaces = {
  eth1: [
    { address: 'fe80::1', family: 'IPv6', netmask: '', mac: '', internal: false, cidr: null, scopeid: 2 },
    { address: '2001:db8::5', family: 'IPv6', netmask: '', mac: '', internal: false, cidr: null, scopeid: 0 },
    { address: '10.9.0.5', family: 'IPv4', netmask: '', mac: '', internal: false, cidr: null },
  ],
  v6only: [
    { address: 'fe80::2', family: 'IPv6', netmask: '', mac: '', internal: false, cidr: null, scopeid: 3 },
    { address: '2001:db8::6', family: 'IPv6', netmask: '', mac: '', internal: false, cidr: null, scopeid: 0 },
  ],
  ll: [{ address: 'fe80::3', family: 'IPv6', netmask: '', mac: '', internal: false, cidr: null, scopeid: 4 }],
} as unknown as Parameters<typeof resolveSource>[1];

describe('resolving %src', () => {
  it('an IP stays as it is', () => {
    expect(resolveSource('192.0.2.1', ifaces)).toEqual({ ok: true, address: '192.0.2.1' });
  });
  it('an interface becomes its first IPv4, else its first non-link-local IPv6', () => {
    expect(resolveSource('eth1', ifaces)).toEqual({ ok: true, address: '10.9.0.5' });
    expect(resolveSource('v6only', ifaces)).toEqual({ ok: true, address: '2001:db8::6' });
  });
  it('says why when it cannot', () => {
    expect(resolveSource('eth9', ifaces)).toEqual({ ok: false, reason: 'interface eth9 not found on this host' });
    expect(resolveSource('ll', ifaces)).toEqual({ ok: false, reason: 'interface ll has no usable IPv4/IPv6 address' });
  });
  it('really reads this host: loopback resolves', () => {
    expect(resolveSource('lo')).toEqual({ ok: true, address: '127.0.0.1' });
  });
});
