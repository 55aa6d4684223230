import { describe, expect, it } from 'vitest';

import { parseHosts, parseHostSpec } from '../../../src/config/hosts.js';

function ok(spec: string) {
  const result = parseHostSpec(spec);
  if (!result.ok) throw new Error(`${spec} refused: ${result.expected}`);
  return result.value;
}

function refused(spec: string): string {
  const result = parseHostSpec(spec);
  if (result.ok) throw new Error(`${spec} accepted as ${JSON.stringify(result.value)}`);
  return result.expected;
}

describe('parseHostSpec forms', () => {
  it.each([
    ['10.0.0.1@site-a', '10.0.0.1', 'site-a'],
    ['site-a@10.0.0.1', '10.0.0.1', 'site-a'],
    ['10.0.0.1,site-a', '10.0.0.1', 'site-a'],
    ['site-a,10.0.0.1', '10.0.0.1', 'site-a'],
    ['10.0.0.1|site-a', '10.0.0.1', 'site-a'],
    ['site-a|10.0.0.1', '10.0.0.1', 'site-a'],
    ['23.134.232.50@shore-STAR', '23.134.232.50', 'shore-STAR'],
    ['[2001:db8::10]@v6-site', '2001:db8::10', 'v6-site'],
    ['v6-site@[2001:db8::10]', '2001:db8::10', 'v6-site'],
    ['2001:db8::10@v6-site', '2001:db8::10', 'v6-site'],
    ['v6-site,2001:db8::10', '2001:db8::10', 'v6-site'],
  ])('%s → ip %s, name %s', (spec, ip, name) => {
    expect(ok(spec)).toEqual({ ip, name, source: null });
  });

  it('uses a plain host as both ip and name', () => {
    expect(ok('ps.example.org')).toEqual({ ip: 'ps.example.org', name: 'ps.example.org', source: null });
    expect(ok('192.0.2.7')).toEqual({ ip: '192.0.2.7', name: '192.0.2.7', source: null });
  });

  it('strips brackets from a plain IPv6 and accepts a bare one', () => {
    expect(ok('[2001:db8::10]')).toEqual({ ip: '2001:db8::10', name: '2001:db8::10', source: null });
    expect(ok('2001:db8::10')).toEqual({ ip: '2001:db8::10', name: '2001:db8::10', source: null });
  });

  it('prefers a real IP literal over the dot heuristic', () => {
    expect(ok('host.example.org@10.0.0.1')).toMatchObject({ ip: '10.0.0.1', name: 'host.example.org' });
  });

  it('falls back to the cron runner heuristic when neither side is an IP literal', () => {
    expect(ok('host.example.org@name')).toMatchObject({ ip: 'host.example.org', name: 'name' });
    expect(ok('name@host.example.org')).toMatchObject({ ip: 'host.example.org', name: 'name' });
    // Ambiguous: "@" keeps the left side, "," and "|" take the right one, as the cron runner did.
    expect(ok('alpha@beta')).toMatchObject({ ip: 'alpha', name: 'beta' });
    expect(ok('alpha,beta')).toMatchObject({ ip: 'beta', name: 'alpha' });
    expect(ok('alpha|beta')).toMatchObject({ ip: 'beta', name: 'alpha' });
  });
});

describe('parseHostSpec %source', () => {
  it('takes an IP source', () => {
    expect(ok('10.129.133.2@shore-net1%10.135.145.2')).toEqual({
      ip: '10.129.133.2', name: 'shore-net1', source: '10.135.145.2',
    });
    expect(ok('[2001:db8::10]@n%2001:db8::1')).toEqual({ ip: '2001:db8::10', name: 'n', source: '2001:db8::1' });
    expect(ok('[2001:db8::10]@n%[2001:db8::1]')).toMatchObject({ source: '2001:db8::1' });
  });

  it('takes an interface name source', () => {
    expect(ok('10.129.134.2@shore-net2%eth2')).toEqual({ ip: '10.129.134.2', name: 'shore-net2', source: 'eth2' });
    expect(ok('ps.example.org%eth0.100')).toEqual({ ip: 'ps.example.org', name: 'ps.example.org', source: 'eth0.100' });
  });

  it('reads an IPv6 zone id as the source, as the cron runner did', () => {
    expect(ok('fe80::1%eth0')).toEqual({ ip: 'fe80::1', name: 'fe80::1', source: 'eth0' });
  });

  it('refuses a bad source', () => {
    expect(refused('10.0.0.1@n%')).toMatch(/after "%"/);
    expect(refused('10.0.0.1@n%-i')).toMatch(/does not start with "-"/);
    expect(refused('10.0.0.1@n%interface-name-too-long')).toMatch(/at most 15/);
    expect(refused('10.0.0.1@n%10.0.0.300')).toMatch(/IPv4 source/);
    expect(refused('[fe80::1%eth0]@n')).toMatch(/at the very end/);
    expect(refused('a%b@n%eth0')).toMatch(/at most one %source/);
  });
});

describe('parseHostSpec refusals', () => {
  it.each([';rm -rf /', '$(id)', '--help', '-x@name', 'a b', '`id`', "a'b", 'a"b', 'x/y', 'a*b', 'a&b', 'a;b'])(
    'refuses the hostile string %j',
    (spec) => {
      expect(parseHostSpec(spec).ok).toBe(false);
    },
  );

  it('says why', () => {
    expect(refused('')).toMatch(/empty/);
    expect(refused('a\tb')).toMatch(/without whitespace/);
    expect(refused('--help')).toMatch(/read as an option/);
    expect(refused('-x@name')).toMatch(/read as an option/);
    expect(refused('name@-x')).toMatch(/name that does not start with "-"/);
    expect(refused('$(id)')).toMatch(/found \$ \( \)/);
    expect(refused('x@')).toMatch(/both sides of "@"/);
    expect(refused('@x')).toMatch(/both sides of "@"/);
    expect(refused(',x')).toMatch(/both sides of ","/);
    expect(refused('a@b|c')).toMatch(/one separator/);
    expect(refused('[10.0.0.1]@x')).toMatch(/brackets only around a whole IPv6/);
    expect(refused('[2001:db8::1@x')).toMatch(/brackets/);
    expect(refused('gg::1@x')).toMatch(/not a valid IPv6/);
    expect(refused('10.0.0.256')).toMatch(/valid IPv4/);
    expect(refused('a..b')).toMatch(/dot-separated labels/);
  });
});

describe('parseHosts', () => {
  it('splits on whitespace only and numbers the bad entries', () => {
    const { hosts, problems } = parseHosts('  10.0.0.1,alpha\n\tbeta@10.0.0.2  x@ $(id) ');
    expect(hosts).toEqual([
      { ip: '10.0.0.1', name: 'alpha', source: null },
      { ip: '10.0.0.2', name: 'beta', source: null },
    ]);
    expect(problems.map((p) => [p.index, p.entry])).toEqual([[2, 'x@'], [3, '$(id)']]);
  });

  it('returns nothing for an empty string', () => {
    expect(parseHosts('   ')).toEqual({ hosts: [], problems: [] });
  });
});

describe('duplicate destinations', () => {
  it('the same address and source twice is a problem naming the first entry; another source is fine', () => {
    const r = parseHosts('192.0.2.1@a 192.0.2.1@b 192.0.2.1@c%eth1');
    expect(r.hosts.map((h) => h.name)).toEqual(['a', 'c']);
    expect(r.problems).toEqual([{ index: 1, entry: '192.0.2.1@b', expected: expect.stringContaining('HOSTS[0] has the same address and source') }]);
  });
});
