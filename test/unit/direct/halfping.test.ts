import { describe, expect, it } from 'vitest';
import { halfpingBucket, toHalfpingLatencyResult } from '../../../src/measure/direct/halfping.js';
import { parsePing } from '../../../src/measure/direct/ping.js';
import { capture, pschedulerFixture } from './captures.js';

function parsed(name: string, count: number | null) {
  const c = capture(name);
  return parsePing(c.stdout, c.stderr, count);
}

describe('halfpingBucket: halfping\'s str(round((rtt/2 // width) * width, 2))', () => {
  // Expected keys printed by CPython 3 running halfping's own arithmetic on these RTTs (ms).
  const rtts = [0.037, 0.059, 0.082, 0.06, 0.073, 0.704, 1.37, 0.5, 2.0, 4.0, 0.02, 100.123, 3064.763, 0.021, 1.0];
  it.each([
    [0.01, ['0.01', '0.02', '0.04', '0.03', '0.03', '0.35', '0.68', '0.24', '0.99', '1.99', '0.01', '50.06', '1532.38', '0.01', '0.49']],
    [0.001, ['0.02', '0.03', '0.04', '0.03', '0.04', '0.35', '0.68', '0.25', '1.0', '2.0', '0.01', '50.06', '1532.38', '0.01', '0.5']],
    [0.05, ['0.0', '0.0', '0.0', '0.0', '0.0', '0.35', '0.65', '0.2', '0.95', '1.95', '0.0', '50.05', '1532.35', '0.0', '0.45']],
    [0.1, ['0.0', '0.0', '0.0', '0.0', '0.0', '0.3', '0.6', '0.2', '0.9', '1.9', '0.0', '50.0', '1532.3', '0.0', '0.4']],
    [0.5, ['0.0', '0.0', '0.0', '0.0', '0.0', '0.0', '0.5', '0.0', '1.0', '2.0', '0.0', '50.0', '1532.0', '0.0', '0.5']],
    [0.003, ['0.02', '0.03', '0.04', '0.03', '0.04', '0.35', '0.68', '0.25', '1.0', '2.0', '0.01', '50.06', '1532.38', '0.01', '0.5']],
  ] as const)('bucket width %s', (width, keys) => {
    expect(rtts.map((rtt) => halfpingBucket(rtt, width))).toEqual(keys);
  });
});

describe('toHalfpingLatencyResult', () => {
  it('IPv4 through the router: counts and both histograms', () => {
    expect(toHalfpingLatencyResult(parsed('ping-v4-routed', 5))).toEqual({
      schema: 1, succeeded: true,
      'packets-sent': 5, 'packets-received': 5, 'packets-lost': 0, 'packets-duplicated': 0, 'packets-reordered': 0,
      // RTTs 0.037 0.059 0.082 0.060 0.073 ms → half, floored to 0.01 ms
      'histogram-latency': { '0.01': 1, '0.02': 1, '0.04': 1, '0.03': 2 },
      'histogram-ttl': { '63': 5 },
    });
  });

  it('has the keys of the pScheduler latency fixture, except owping\'s max-clock-error', () => {
    const fixtureKeys = Object.keys(pschedulerFixture('latency') as object).filter((k) => k !== 'max-clock-error');
    for (const name of ['ping-v4-routed', 'ping-v6-routed', 'ping-v4-loopback', 'ping-v6-loopback']) {
      expect(Object.keys(toHalfpingLatencyResult(parsed(name, 5))).sort()).toEqual(fixtureKeys.sort());
    }
  });

  it('a coarser bucket width (as -b gives it) changes the keys', () => {
    const r = toHalfpingLatencyResult(parsed('ping-v6-routed', 5), 0.1);
    expect(r).toMatchObject({ 'histogram-latency': { '0.0': 5 }, 'histogram-ttl': { '63': 5 } });
  });

  it('partial loss: halfping reports the requested count as sent', () => {
    expect(toHalfpingLatencyResult(parsed('ping-v4-partial-loss', 10))).toMatchObject({
      'packets-sent': 10, 'packets-received': 6, 'packets-lost': 4, 'histogram-ttl': { '63': 6 },
    });
  });

  it('broadcast duplicates are counted, not histogrammed', () => {
    const r = toHalfpingLatencyResult(parsed('ping-v4-broadcast-dup', 3));
    expect(r).toMatchObject({ 'packets-received': 3, 'packets-duplicated': 2, 'histogram-ttl': { '64': 3 } });
    expect(r.succeeded && Object.values(r['histogram-latency']).reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('loopback: ttl 64', () => {
    expect(toHalfpingLatencyResult(parsed('ping-v4-loopback', 5))).toMatchObject({ 'histogram-ttl': { '64': 5 } });
  });

  it('nothing answered → a successful measurement of total loss, empty histograms (as halfping writes it)', () => {
    const c = capture('ping-v4-silent');
    expect(toHalfpingLatencyResult(parsePing(c.stdout, c.stderr, 5, c.exitCode))).toEqual({
      schema: 1, succeeded: true,
      'packets-sent': 5, 'packets-received': 0, 'packets-lost': 5, 'packets-duplicated': 0, 'packets-reordered': 0,
      'histogram-latency': {}, 'histogram-ttl': {},
    });
    // the router's "Address unreachable": loss too; halfping counts the requested packets as sent
    const v6 = capture('ping-v6-address-unreachable');
    expect(toHalfpingLatencyResult(parsePing(v6.stdout, v6.stderr, 3, v6.exitCode))).toMatchObject({
      succeeded: true, 'packets-sent': 3, 'packets-received': 0, 'packets-lost': 3, 'histogram-latency': {},
    });
  });

  it('total loss has the keys of the pScheduler latency fixture, except owping\'s max-clock-error', () => {
    const fixtureKeys = Object.keys(pschedulerFixture('latency') as object).filter((k) => k !== 'max-clock-error');
    expect(Object.keys(toHalfpingLatencyResult(parsed('ping-v6-silent', 5))).sort()).toEqual(fixtureKeys.sort());
  });

  it('this host could not send → failure, same words as rtt', () => {
    const noRoute = capture('ping-v6-no-route');
    expect(toHalfpingLatencyResult(parsePing(noRoute.stdout, noRoute.stderr, 5, noRoute.exitCode))).toEqual({
      schema: 1, succeeded: false, error: 'ping: connect: Network is unreachable',
    });
    const local = capture('ping-v4-local-error');
    expect(toHalfpingLatencyResult(parsePing(local.stdout, local.stderr, 3, local.exitCode))).toEqual({
      schema: 1, succeeded: false, error: 'ping: local error: message too long, mtu=1500',
    });
  });
});
