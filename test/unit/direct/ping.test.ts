import { describe, expect, it } from 'vitest';
import {
  parsePing, pingArgv, pingDeadlineSec, pingTimeoutMs, toRttResult, type PingReply,
} from '../../../src/measure/direct/ping.js';
import { latencySettings, rttSettings } from '../../../src/measure/direct/settings.js';
import { capture, keyPaths, pschedulerFixture, shapeOf } from './captures.js';

/** Parse a capture the way the backend will: with the -c it ran with. */
function parsed(name: string, count: number | null) {
  const c = capture(name);
  return parsePing(c.stdout, c.stderr, count);
}

describe('pingArgv', () => {
  it('defaults: numeric, count, interval, per-reply timeout and a deadline that always ends it', () => {
    const s = rttSettings([]).settings;
    expect(pingArgv(s, '192.0.2.10', null, null)).toEqual(['-n', '-c', '5', '-i', '1', '-W', '1', '-w', '6', '192.0.2.10']);
    expect(pingDeadlineSec(s)).toBe(6);
    expect(pingTimeoutMs(s)).toBe(11_000);
  });

  it('the capture commands are what pingArgv builds for those settings', () => {
    const s = rttSettings(['-c', '5', '-i', 'PT0.2S', '--timeout', 'PT1S', '--deadline', 'PT3S']).settings;
    expect(pingArgv(s, '10.201.2.99', null, null)).toEqual(
      '-n -c 5 -i 0.2 -W 1 -w 3 10.201.2.99'.split(' '),
    );
  });

  it('ip version, source, length, ttl, tos, fragment; flow label only for IPv6', () => {
    const s = rttSettings(['--length', '100', '--ttl', '9', '--ip-tos', '32', '--no-fragment', '--flow-label', '255'])
      .settings;
    expect(pingArgv(s, 'fd00::2', 'fd00::1', 6)).toEqual([
      '-n', '-6', '-c', '5', '-i', '1', '-W', '1', '-w', '6', '-s', '100', '-t', '9', '-Q', '32', '-M', 'do',
      '-F', 'ff', '-I', 'fd00::1', 'fd00::2',
    ]);
    expect(pingArgv(s, '192.0.2.1', null, 4)).not.toContain('-F');
  });

  it('settings.ipVersion is used when the caller passes none; a hostile dest stays one element', () => {
    const s = rttSettings(['--ip-version', '4']).settings;
    const argv = pingArgv(s, '$(reboot)', null, null);
    expect(argv[1]).toBe('-4');
    expect(argv.at(-1)).toBe('$(reboot)');
  });

  it('halfping settings: padding + 56 bytes, interval in seconds', () => {
    const s = latencySettings(['-c', '10', '-i', '0.5', '-p', '8']).settings;
    expect(pingArgv(s, '192.0.2.1', null, null)).toEqual(
      // deadline: 9 gaps of 0.5 s + 1 s timeout + 1 s margin, rounded up
      '-n -c 10 -i 0.5 -W 1 -w 7 -s 64 192.0.2.1'.split(' '),
    );
  });
});

describe('parsePing on real output', () => {
  it('IPv4 through the router: header, five replies, summary, stats', () => {
    const p = parsed('ping-v4-routed', 5);
    expect(p.target).toBe('10.201.2.2');
    expect(p.events).toHaveLength(5);
    expect(p.events[0]).toEqual({
      kind: 'reply', seq: 1, bytes: 64, ip: '10.201.2.2', ttl: 63, rttMs: 0.037, duplicate: false,
    } satisfies PingReply);
    expect([p.transmitted, p.received, p.lossPercent]).toEqual([5, 5, 0]);
    expect(p.stats).toEqual({ minMs: 0.037, avgMs: 0.062, maxMs: 0.082, mdevMs: 0.015 });
    expect(p.problems).toEqual([]);
  });

  it('IPv6: the header has no space before "(" and the address has colons', () => {
    const p = parsed('ping-v6-routed', 5);
    expect(p.target).toBe('fd00:201:2::2');
    expect(p.events.map((e) => e.ip)).toEqual(Array(5).fill('fd00:201:2::2'));
    expect(p.events.map((e) => (e as PingReply).ttl)).toEqual([63, 63, 63, 63, 63]);
  });

  it('broadcast replies: a second answer per seq, but ping prints no (DUP!) mark for them', () => {
    const p = parsed('ping-v4-broadcast-dup', 3);
    const replies = p.events as PingReply[];
    expect(replies.map((r) => [r.seq, r.ip, r.duplicate])).toEqual([
      [1, '10.201.2.1', false], [1, '10.201.2.2', false], [2, '10.201.2.1', false], [2, '10.201.2.2', false],
      [3, '10.201.2.1', false],
    ]);
    // …while its summary says "+2 duplicates": so duplicates are counted by seq, as pScheduler does.
    expect(capture('ping-v4-broadcast-dup').stdout).toContain('3 received, +2 duplicates');
    expect(p.problems).toEqual([]);
    expect(capture('ping-v4-broadcast-dup').stderr.trim()).toBe('WARNING: pinging broadcast address');
  });

  it('a (DUP!) suffix is read when ping prints one', () => {
    const line = capture('ping-v4-routed').stdout.split('\n')[1];
    const p = parsePing(`${line}\n${line} (DUP!)\n`, '', 5);
    expect(p.events.map((e) => (e as PingReply).duplicate)).toEqual([false, true]);
  });

  it('ICMP errors keep ping\'s text and get the pScheduler enum', () => {
    const host = parsed('ping-v4-host-unreachable', 3);
    expect(host.events).toHaveLength(6);
    expect(host.events[0]).toEqual({
      kind: 'error', seq: 1, ip: '10.201.1.1', text: 'Destination Host Unreachable', error: 'host-unreachable',
    });
    expect(host.transmitted).toBe(16);
    expect(parsed('ping-v4-net-unreachable', 3).events[0]).toMatchObject({ error: 'net-unreachable' });
    expect(parsed('ping-v4-prohibited', 3).events[0]).toMatchObject({
      text: 'Packet filtered', error: 'communication-administratively-prohibited',
    });
    expect(parsed('ping-v6-address-unreachable', 3).events[0]).toMatchObject({
      ip: 'fd00:201:1::1', text: 'Destination unreachable: Address unreachable', error: 'host-unreachable',
    });
  });

  it('no route: nothing on stdout, the reason on stderr', () => {
    const p = parsed('ping-v4-no-route', 3);
    expect(p.target).toBeNull();
    expect(p.events).toEqual([]);
    expect(p.problems).toEqual(['ping: connect: Network is unreachable']);
  });

  it('keeps the exit status it is given, and the local error ping printed on stderr', () => {
    const c = capture('ping-v4-local-error');
    const p = parsePing(c.stdout, c.stderr, 3, c.exitCode);
    expect(p).toMatchObject({ target: '10.201.2.2', events: [], transmitted: 1, received: 0, exitCode: 1 });
    expect(p.problems).toEqual(['ping: local error: message too long, mtu=1500']);
    expect(parsePing(c.stdout, c.stderr, 3).exitCode).toBeNull();
  });
});

describe('toRttResult', () => {
  it('IPv4 success: the values ping printed, in pScheduler units', () => {
    const r = toRttResult(parsed('ping-v4-routed', 5));
    expect(r).toEqual({
      schema: 1, succeeded: true,
      roundtrips: [
        { seq: 1, length: 64, ip: '10.201.2.2', ttl: 63, rtt: 'PT0.000037S' },
        { seq: 2, length: 64, ip: '10.201.2.2', ttl: 63, rtt: 'PT0.000059S' },
        { seq: 3, length: 64, ip: '10.201.2.2', ttl: 63, rtt: 'PT0.000082S' },
        { seq: 4, length: 64, ip: '10.201.2.2', ttl: 63, rtt: 'PT0.00006S' },
        { seq: 5, length: 64, ip: '10.201.2.2', ttl: 63, rtt: 'PT0.000073S' },
      ],
      sent: 5, received: 5, lost: 0, duplicates: 0, reorders: 0, loss: 0,
      min: 'PT0.000037S', max: 'PT0.000082S', mean: 'PT0.000062S', stddev: 'PT0.000015S',
    });
  });

  it.each(['ping-v4-routed', 'ping-v6-routed', 'ping-v4-loopback', 'ping-v6-loopback'])(
    '%s has exactly the keys of the pScheduler rtt fixture, at every level',
    (name) => {
      expect(shapeOf(toRttResult(parsed(name, 5)))).toEqual(shapeOf(pschedulerFixture('rtt')));
    },
  );

  it('loopback v4 and v6', () => {
    expect(toRttResult(parsed('ping-v4-loopback', 5))).toMatchObject({ received: 5, min: 'PT0.000021S', max: 'PT0.000042S' });
    const v6 = toRttResult(parsed('ping-v6-loopback', 5));
    expect(v6).toMatchObject({ received: 5, loss: 0, mean: 'PT0.000035S', stddev: 'PT0.000006S' });
    expect(v6.succeeded && v6.roundtrips.every((rt) => rt.ip === '::1' && rt.ttl === 64)).toBe(true);
  });

  it('partial loss: probes past -c (sent because of -w) are dropped; loss is a fraction', () => {
    const r = toRttResult(parsed('ping-v4-partial-loss', 10));
    expect(r).toMatchObject({ succeeded: true, sent: 10, received: 6, lost: 4, loss: 0.4 });
    if (!r.succeeded) throw new Error('expected success');
    expect(r.roundtrips.map((rt) => rt.seq)).toEqual([1, 2, 3, 4, 9, 10]);
    // ping's own stats cover seq 11–14 too (min 0.033, max 0.067), so they are recomputed.
    expect([r.min, r.max]).toEqual(['PT0.000033S', 'PT0.000053S']);
  });

  it('without a count, ping\'s own counters are believed', () => {
    expect(toRttResult(parsed('ping-v4-partial-loss', null))).toMatchObject({
      sent: 14, received: 10, lost: 4, loss: 4 / 14, min: 'PT0.000033S', max: 'PT0.000067S', mean: 'PT0.00005S',
    });
  });

  it('duplicates are counted once and listed, like pScheduler\'s counting', () => {
    const r = toRttResult(parsed('ping-v4-broadcast-dup', 3));
    expect(r).toMatchObject({ sent: 3, received: 3, lost: 0, duplicates: 2, reorders: 0, loss: 0 });
    expect(r.succeeded && r.roundtrips).toHaveLength(5);
  });

  // pScheduler's ping tool: exit 1 with nothing on stderr is "the host isn't up, which for us is
  // still a success" — the merged result carries loss 1 and the counts, and no rtt figures.
  it.each([
    ['ping-v4-silent', 5],
    ['ping-v6-silent', 5],
    ['ping-v4-silent-no-deadline', 5],
  ] as const)('%s: nothing answered is a successful measurement of total loss', (name, count) => {
    const c = capture(name);
    expect(toRttResult(parsePing(c.stdout, c.stderr, count, c.exitCode))).toEqual({
      schema: 1, succeeded: true, roundtrips: [], sent: 5, received: 0, lost: 5, duplicates: 0, reorders: 0, loss: 1,
    });
  });

  // The router's ICMP errors: the probes left this host and none was answered — loss, not a failure
  // (pScheduler's ping tool also calls these runs succeeded). The errors stay as roundtrips.
  it.each([
    ['ping-v4-host-unreachable', 3, 3, '10.201.1.1', 'host-unreachable'],
    ['ping-v6-address-unreachable', 3, 3, 'fd00:201:1::1', 'host-unreachable'],
    // with -w, ping stops at the first ICMP error: it sent one probe of the three
    ['ping-v4-unreachable-route', 3, 1, '10.201.1.1', 'host-unreachable'],
    ['ping-v4-net-unreachable', 3, 1, '10.201.1.1', 'net-unreachable'],
    ['ping-v4-prohibited', 3, 1, '10.201.1.1', 'communication-administratively-prohibited'],
  ] as const)('%s: ICMP errors from the path are total loss, kept as roundtrips', (name, count, sent, ip, error) => {
    const c = capture(name);
    const r = toRttResult(parsePing(c.stdout, c.stderr, count, c.exitCode));
    expect(r).toEqual({
      schema: 1, succeeded: true, sent, received: 0, lost: sent, duplicates: 0, reorders: 0, loss: 1,
      roundtrips: Array.from({ length: sent }, (_, i) => ({ seq: i + 1, ip, error })),
    });
  });

  it('total loss has the rtt fixture\'s keys less the rtt figures (min, max, mean, stddev)', () => {
    const fixture = keyPaths(pschedulerFixture('rtt')).filter((k) => !['min', 'max', 'mean', 'stddev'].includes(k));
    expect(keyPaths(toRttResult(parsed('ping-v4-silent', 5)))).toEqual(fixture.filter((k) => !k.startsWith('roundtrips[]')));
    // with ICMP errors each roundtrip is seq, ip, error
    expect(keyPaths(toRttResult(parsed('ping-v4-host-unreachable', 3)))).toEqual(
      [...fixture.filter((k) => !k.startsWith('roundtrips[].')), 'roundtrips[].error', 'roundtrips[].ip', 'roundtrips[].seq'].sort(),
    );
  });

  // Only a run in which this host could not send is a failure (pScheduler: non-zero exit with stderr).
  it.each([
    ['ping-v4-no-route', 3, 'ping: connect: Network is unreachable'],
    ['ping-v6-no-route', 3, 'ping: connect: Network is unreachable'],
    ['ping-v4-local-error', 3, 'ping: local error: message too long, mtu=1500'],
  ] as const)('%s: this host could not send — a failure, not loss', (name, count, error) => {
    const c = capture(name);
    expect(toRttResult(parsePing(c.stdout, c.stderr, count, c.exitCode))).toEqual({ schema: 1, succeeded: false, error });
  });

  it('a local send error fails the run even without the exit status (it is not the path\'s loss)', () => {
    expect(toRttResult(parsed('ping-v4-local-error', 3))).toMatchObject({ succeeded: false });
  });

  it('ping\'s own error status (2) with nothing on stderr is a failure, not loss', () => {
    const c = capture('ping-v4-silent');
    expect(toRttResult(parsePing(c.stdout, '', 5, 2), '10.201.2.99')).toEqual({
      schema: 1, succeeded: false, error: 'ping exited with status 2 (measuring 10.201.2.99)',
    });
  });

  it('a warning on stderr does not turn loss into a failure', () => {
    const c = capture('ping-v4-silent');
    const warning = 'ping: Warning: source address might be selected on device other than: psqa0';
    const p = parsePing(c.stdout, `${warning}\n`, 5, 1);
    expect(p.problems).toEqual([]);
    expect(toRttResult(p)).toMatchObject({ succeeded: true, loss: 1 });
  });

  it('a mix of replies and ICMP errors keeps the errors as roundtrips (lines from the captures)', () => {
    const reply = capture('ping-v4-routed').stdout.split('\n')[1];
    const error = capture('ping-v4-host-unreachable').stdout.split('\n')[2];
    const r = toRttResult(parsePing(`PING 10.201.2.2 (10.201.2.2) 56(84) bytes of data.\n${reply}\n${error}\n`, '', 2));
    expect(r).toMatchObject({ sent: 2, received: 1, lost: 1, loss: 0.5 });
    expect(r.succeeded && r.roundtrips).toEqual([
      { seq: 1, length: 64, ip: '10.201.2.2', ttl: 63, rtt: 'PT0.000037S' },
      { seq: 2, ip: '10.201.1.1', error: 'host-unreachable' },
    ]);
  });

  it('empty output and no stderr is a failure, not a crash', () => {
    expect(toRttResult(parsePing('', '', 5), '192.0.2.1')).toEqual({
      schema: 1, succeeded: false, error: 'ping produced no output for 192.0.2.1',
    });
  });

  it('a failure has pScheduler\'s failure keys plus error', () => {
    expect(keyPaths(toRttResult(parsed('ping-v4-no-route', 5)))).toEqual(['error', 'schema', 'succeeded']);
  });
});
