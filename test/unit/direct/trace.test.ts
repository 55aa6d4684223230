import { describe, expect, it } from 'vitest';
import { traceSettings } from '../../../src/measure/direct/settings.js';
import {
  TRACEPATH_BIN, TRACEROUTE_BIN, parseTracepath, parseTraceroute, parseTracerouteHops, toMtuResult,
  toTraceResultFromTracepath, tracepathArgv, tracepathTimeoutMs, tracerouteArgv, tracerouteTimeoutMs,
} from '../../../src/measure/direct/trace.js';
import { capture, pschedulerFixture, shapeOf } from './captures.js';

function traceroute(name: string) {
  const c = capture(name);
  return parseTraceroute(c.stdout, c.stderr, c.exitCode);
}

function tracepath(name: string) {
  const c = capture(name);
  return parseTracepath(c.stdout, c.stderr, c.exitCode);
}

const HOP_KEYS = ['as', 'error', 'hostname', 'ip', 'mtu', 'rtt'];

describe('argv', () => {
  it('traceroute: numeric, bounded hops, queries and wait; the captures\' commands', () => {
    const s = traceSettings(['--hops', '10', '--queries', '1', '--wait', 'PT2S']).settings;
    expect([TRACEROUTE_BIN, ...tracerouteArgv(s, '10.201.2.2', null, null)].join(' ')).toBe(
      'traceroute -n -m 10 -q 1 -w 2 10.201.2.2',
    );
    const v6 = traceSettings(['--hops', '10', '--wait', 'PT2S', '--ip-version', '6']).settings;
    expect(tracerouteArgv(v6, 'fd00:201:2::2', null, null).join(' ')).toBe('-n -6 -m 10 -q 1 -w 2 fd00:201:2::2');
    expect(tracerouteTimeoutMs(s)).toBe(25_000);
  });

  it('traceroute: defaults (30 hops, 1 query, 5 s) and every option, length last', () => {
    expect(tracerouteArgv(traceSettings([]).settings, '192.0.2.1', null, 4)).toEqual(
      '-n -4 -m 30 -q 1 -w 5 192.0.2.1'.split(' '),
    );
    const s = traceSettings([
      '--hops', '20', '--first-ttl', '2', '--probe-type', 'tcp', '--dest-port', '443', '--no-fragment', '--ip-tos', '16',
      '--flow-label', '7', '--sendwait', 'PT0.05S', '--length', '120',
    ]).settings;
    expect(tracerouteArgv(s, '192.0.2.1', '10.0.0.1', null)).toEqual([
      '-n', '-m', '20', '-q', '1', '-w', '5', '-f', '2', '-T', '-p', '443', '-F', '-t', '16', '-l', '7', '-z', '50',
      '-s', '10.0.0.1', '192.0.2.1', '120',
    ]);
    expect(tracerouteArgv(traceSettings(['--probe-type', 'icmp', '--dest-port', '1']).settings, 'h', null, null)).toEqual(
      '-n -m 30 -q 1 -w 5 -I h'.split(' '),
    );
  });

  it('tracepath: numeric, -m bounded', () => {
    expect([TRACEPATH_BIN, ...tracepathArgv('10.201.2.2', null, { maxHops: 10 })].join(' ')).toBe(
      'tracepath -n -m 10 10.201.2.2',
    );
    expect(tracepathArgv('fd00:201:2::2', 6, { maxHops: 10 }).join(' ')).toBe('-n -6 -m 10 fd00:201:2::2');
    expect(tracepathArgv('192.0.2.1', 4, { length: 1400, port: 1060 })).toEqual(
      '-n -4 -m 30 -l 1400 -p 1060 192.0.2.1'.split(' '),
    );
    expect(tracepathTimeoutMs()).toBe(95_000);
  });
});

describe('traceroute output → trace result', () => {
  it('through the router: hop 1 is the router, hop 2 the target', () => {
    expect(traceroute('traceroute-v4-routed')).toEqual({
      schema: 1, succeeded: true,
      paths: [[{ ip: '10.201.1.1', rtt: 'PT0.000034S' }, { ip: '10.201.2.2', rtt: 'PT0.000019S' }]],
    });
    expect(parseTracerouteHops(capture('traceroute-v4-routed').stdout)).toMatchObject({ target: '10.201.2.2', reached: true });
  });

  it('IPv6 through the router', () => {
    expect(traceroute('traceroute-v6-routed')).toEqual({
      schema: 1, succeeded: true,
      paths: [[{ ip: 'fd00:201:1::1', rtt: 'PT0.000052S' }, { ip: 'fd00:201:2::2', rtt: 'PT0.000022S' }]],
    });
  });

  it('the result keys are the pScheduler trace fixture\'s; hops use only trace hop keys', () => {
    const r = traceroute('traceroute-v4-routed');
    expect(Object.keys(r).sort()).toEqual(Object.keys(pschedulerFixture('trace') as object).sort());
    expect(shapeOf(r.succeeded && r.paths[0]?.[0])).toEqual({ ip: 'string', rtt: 'string' });
    for (const name of ['traceroute-v4-host-unreachable', 'traceroute-v4-prohibited']) {
      const hops = traceroute(name);
      for (const hop of hops.succeeded ? hops.paths.flat() : []) {
        for (const key of Object.keys(hop)) expect(HOP_KEYS).toContain(key);
      }
    }
  });

  it('-q 3: a hop is its first answering probe (the target\'s rate limit hid it until hop 7)', () => {
    const r = traceroute('traceroute-v4-routed-q3');
    expect(r.succeeded && r.paths[0]).toEqual([
      { ip: '10.201.1.1', rtt: 'PT0.000024S' }, {}, {}, {}, {}, {}, { ip: '10.201.2.2', rtt: 'PT0.000061S' },
    ]);
    expect(parseTracerouteHops(capture('traceroute-v4-routed-q3').stdout).reached).toBe(true);
  });

  it.each([
    ['traceroute-v4-silent', '10.201.1.1', 5],
    ['traceroute-v6-silent', 'fd00:201:1::1', 4],
  ] as const)('%s: the router, then {} per silent hop; still succeeded (partial path), not reached', (name, router, n) => {
    const r = traceroute(name);
    expect(r.succeeded && r.paths[0]?.map((h) => h.ip ?? null)).toEqual([router, ...Array(n - 1).fill(null)]);
    expect(r.succeeded && r.paths[0]?.slice(1)).toEqual(Array(n - 1).fill({}));
    expect(parseTracerouteHops(capture(name).stdout).reached).toBe(false);
  });

  it.each([
    ['traceroute-v4-host-unreachable', 2, { ip: '10.201.1.1', rtt: 'PT3.064763S', error: 'host-unreachable' }],
    ['traceroute-v4-unreachable-route', 1, { ip: '10.201.1.1', rtt: 'PT0.000128S', error: 'host-unreachable' }],
    ['traceroute-v4-net-unreachable', 1, { ip: '10.201.1.1', rtt: 'PT0.000127S', error: 'net-unreachable' }],
    [
      'traceroute-v4-prohibited', 1,
      { ip: '10.201.1.1', rtt: 'PT0.00004S', error: 'communication-administratively-prohibited' },
    ],
  ] as const)('%s: the last hop (%s) carries the ICMP error', (name, hops, last) => {
    const r = traceroute(name);
    expect(r.succeeded && r.paths[0]).toHaveLength(hops);
    expect(r.succeeded && r.paths[0]?.at(-1)).toEqual(last);
  });

  it('no local route: exit 1, the header without newline, stderr → failure', () => {
    expect(capture('traceroute-v4-no-route').exitCode).toBe(1);
    expect(traceroute('traceroute-v4-no-route')).toEqual({
      schema: 1, succeeded: false, error: 'traceroute: connect: Network is unreachable',
    });
  });

  it('no hops printed → failure', () => {
    expect(parseTraceroute('', '', 0)).toEqual({ schema: 1, succeeded: false, error: 'traceroute printed no hops' });
  });
});

describe('tracepath output → trace and mtu results', () => {
  it.each([
    ['tracepath-v4-routed', '10.201.1.1', '10.201.2.2', 'PT0.00008S', 'PT0.000023S'],
    ['tracepath-v6-routed', 'fd00:201:1::1', 'fd00:201:2::2', 'PT0.000016S', 'PT0.000026S'],
  ])('%s: router at mtu 1500, target at 1400, reached, pmtu 1400', (name, router, target, rtt1, rtt2) => {
    const p = tracepath(name);
    expect(p).toEqual({
      hops: [{ ip: router, rtt: rtt1, mtu: 1500 }, { ip: target, rtt: rtt2, mtu: 1400 }],
      pmtu: 1400, reached: true, error: null,
    });
    expect(toTraceResultFromTracepath(p)).toEqual({ schema: 1, succeeded: true, paths: [p.hops] });
    expect(toMtuResult(p)).toEqual({ schema: 1, succeeded: true, mtu: 1400 });
    expect(shapeOf(toMtuResult(p))).toEqual(shapeOf(pschedulerFixture('mtu')));
  });

  it.each([
    ['tracepath-v4-silent', '10.201.1.1', 'PT0.000077S'],
    ['tracepath-v6-silent', 'fd00:201:1::1', 'PT0.000017S'],
  ])('%s: the router\'s "pmtu 1400" line does not make it hop 2; no mtu result', (name, router, rtt) => {
    const p = tracepath(name);
    expect(p).toEqual({ hops: [{ ip: router, rtt, mtu: 1500 }, {}, {}, {}], pmtu: 1400, reached: false, error: null });
    expect(toTraceResultFromTracepath(p)).toMatchObject({ succeeded: true });
    expect(toMtuResult(p, '10.201.2.99')).toEqual({
      schema: 1, succeeded: false,
      error: 'path MTU unknown: 10.201.2.99 not reached within 4 hops; pmtu 1400 so far, last answer at hop 1',
    });
  });

  it('!N at hop 1: a trace with the error, no mtu', () => {
    const p = tracepath('tracepath-v4-net-unreachable');
    expect(p.hops).toEqual([{ ip: '10.201.1.1', rtt: 'PT0.000013S', error: 'net-unreachable', mtu: 1500 }]);
    expect(p.reached).toBe(false);
    expect(toMtuResult(p)).toEqual({
      schema: 1, succeeded: false,
      error: 'path MTU unknown: destination not reached within 1 hop; pmtu 1500 so far, last answer at hop 1',
    });
  });

  it('"send failed" exits 0 and says pmtu 65535: a failure, and 65535 is not reported', () => {
    expect(capture('tracepath-v4-no-route').exitCode).toBe(0);
    const p = tracepath('tracepath-v4-no-route');
    expect(p).toMatchObject({ hops: [], pmtu: null, error: 'tracepath: send failed at hop 1 (no route to the destination?)' });
    const failed = { schema: 1, succeeded: false, error: 'tracepath: send failed at hop 1 (no route to the destination?)' };
    expect(toTraceResultFromTracepath(p)).toEqual(failed);
    expect(toMtuResult(p)).toEqual(failed);
  });

  it('a non-zero exit is a failure with tracepath\'s stderr', () => {
    const p = parseTracepath('', 'tracepath: 192.0.2.1: Name or service not known\n', 255);
    expect(parseTracepath('', '', 2).error).toBe('tracepath: exited with status 2');
    expect(toMtuResult(p)).toEqual({
      schema: 1, succeeded: false, error: 'tracepath: 192.0.2.1: Name or service not known',
    });
  });
});
