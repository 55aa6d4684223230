import { describe, expect, it } from 'vitest';
import {
  directSettings, latencySettings, mtuSettings, rttSettings, throughputSettings, traceSettings,
} from '../../../src/measure/direct/settings.js';

describe('rtt settings (ping tool defaults)', () => {
  it('defaults: count 5, interval 1 s, timeout 1 s, no deadline', () => {
    const { settings, ignored } = rttSettings([]);
    expect(settings).toMatchObject({ kind: 'rtt', count: 5, intervalSec: 1, timeoutSec: 1, deadlineSec: null });
    expect(settings.ipVersion).toBeNull();
    expect(ignored).toEqual([]);
  });

  it('-c 5 -i PT1S --length 100 and friends', () => {
    const { settings, ignored } = rttSettings([
      '-c', '7', '-i', 'PT0.5S', '--length', '100', '--timeout', 'PT2S', '--deadline', 'PT30S', '--ttl', '12',
      '--ip-tos', '32', '--ip-version', '6', '--flow-label', '255', '--no-fragment', '--no-hostnames',
    ]);
    expect(settings).toMatchObject({
      count: 7, intervalSec: 0.5, payloadBytes: 100, timeoutSec: 2, deadlineSec: 30, ttl: 12, tos: 32, ipVersion: 6,
      flowLabel: 255, fragment: false,
    });
    expect(ignored).toEqual([]);
  });

  it('--name=value works like --name value', () => {
    expect(rttSettings(['--count=3', '--interval=PT2S']).settings).toMatchObject({ count: 3, intervalSec: 2 });
  });

  it('what ping cannot do is listed, never thrown', () => {
    const { settings, ignored } = rttSettings(['--hostnames', '--port', '80', '--protocol', 'tcp', '-c', 'many']);
    expect(settings.count).toBe(5);
    expect(ignored).toEqual([
      '--hostnames: no reverse DNS in the direct backend',
      '--port 80: the direct backend cannot honour this',
      '--protocol tcp: only ICMP ping is run directly',
      '-c many: expected a positive integer; default kept',
    ]);
  });

  it('garbage in: listed, defaults kept', () => {
    const { settings, ignored } = rttSettings(['-c', '--bogus', 'x', '-i']);
    expect(settings.count).toBe(5);
    expect(ignored).toEqual(['-c: needs a value', '--bogus: not a rtt flag', 'x: not a rtt flag', '-i: needs a value']);
  });
});

describe('latency settings (halfping)', () => {
  it('defaults: count 5, interval 1 s, bucket width 0.01', () => {
    expect(latencySettings([]).settings).toMatchObject({ kind: 'latency', count: 5, intervalSec: 1, bucketWidth: 0.01 });
  });

  it('-c 10 -i 0.5, padding adds to ping 56, bucket width', () => {
    const { settings, ignored } = latencySettings(['-c', '10', '-i', '0.5', '-p', '20', '-b', '0.001', '-L', '2']);
    expect(settings).toMatchObject({ count: 10, intervalSec: 0.5, payloadBytes: 76, bucketWidth: 0.001, timeoutSec: 2 });
    expect(ignored).toEqual([]);
  });

  it('what halfping declines is listed; a bucket width ≥ 1 is refused', () => {
    const { settings, ignored } = latencySettings(['--flip', '-R', '-P', '8760-9960', '-b', '1', '-L', '0']);
    expect(settings.bucketWidth).toBe(0.01);
    expect(settings.timeoutSec).toBe(1);
    expect(ignored).toEqual([
      '--flip: halfping cannot honour this',
      '-R: halfping cannot honour this',
      '-P 8760-9960: halfping cannot honour this',
      '-b 1: expected 0 < width < 1; default kept',
    ]);
  });
});

describe('throughput settings (iperf3)', () => {
  it('defaults: 10 s, 1 stream, no omit, no interval', () => {
    expect(throughputSettings([]).settings).toMatchObject({
      kind: 'throughput', durationSec: 10, parallel: 1, omitSec: 0, intervalSec: null, ipVersion: null, port: null,
    });
  });

  it('the cron runner defaults -P 4 -t 60 -i 10 -O 10', () => {
    const { settings, ignored } = throughputSettings(['-P', '4', '-t', '60', '-i', '10', '-O', '10']);
    expect(settings).toMatchObject({ parallel: 4, durationSec: 60, intervalSec: 10, omitSec: 10 });
    expect(ignored).toEqual([]);
  });

  it('ISO or bare seconds for -t/-i/-O', () => {
    expect(throughputSettings(['-t', 'PT1M', '-i', 'PT10S', '-O', 'PT5S']).settings).toMatchObject({
      durationSec: 60, intervalSec: 10, omitSec: 5,
    });
  });

  it('a fractional -t is truncated and said so; UDP is refused', () => {
    const { settings, ignored } = throughputSettings(['-t', 'PT2.5S', '-u', '--rdma']);
    expect(settings.durationSec).toBe(2);
    expect(ignored).toEqual([
      '-t PT2.5S: iperf3 takes whole seconds; 2 s used',
      '-u: UDP is not supported by the direct backend; TCP is measured',
      '--rdma: the direct backend cannot honour this',
    ]);
  });

  it('pass-through options', () => {
    const { settings, ignored } = throughputSettings([
      '--ip-version', '4', '-B', '10.0.0.9', '--single-ended', '--single-ended-port', '5202', '-w', '4M', '-m', '1400',
      '-b', '1G', '--congestion', 'bbr', '--no-delay', '--client-cpu-affinity', '2',
    ]);
    expect(settings).toMatchObject({
      ipVersion: 4, localAddress: '10.0.0.9', port: 5202, windowSize: '4M', mss: 1400, bandwidth: '1G',
      congestion: 'bbr', noDelay: true, cpuAffinity: '2',
    });
    expect(ignored).toEqual([]);
  });
});

describe('trace and mtu settings', () => {
  it('defaults: 30 hops, 1 query, 5 s wait, UDP probes', () => {
    expect(traceSettings([]).settings).toMatchObject({ kind: 'trace', hops: 30, queries: 1, waitSec: 5, probeType: 'udp' });
  });

  it('--hops 20 --queries 1 and the rest', () => {
    const { settings, ignored } = traceSettings([
      '--hops', '20', '--queries', '3', '--wait', 'PT2S', '--first-ttl', '2', '--probe-type', 'icmp', '--length', '100',
      '--ip-version', '6', '--no-fragment', '--sendwait', 'PT0.05S', '--no-as', '--no-hostnames',
    ]);
    expect(settings).toMatchObject({
      hops: 20, queries: 3, waitSec: 2, firstTtl: 2, probeType: 'icmp', length: 100, ipVersion: 6, fragment: false,
      sendWaitSec: 0.05,
    });
    expect(ignored).toEqual([]);
  });

  it('AS lookups, names and paris are not done directly', () => {
    const { settings, ignored } = traceSettings(['--as', '--hostnames', '--algorithm', 'paris', '--hops', '300']);
    expect(settings.hops).toBe(30);
    expect(ignored).toEqual([
      '--as: no AS lookup in the direct backend',
      '--hostnames: no reverse DNS in the direct backend',
      '--algorithm paris: paris traceroute is not run directly',
      '--hops 300: expected 1..255; default kept',
    ]);
  });

  it('mtu: -i is the ip version here', () => {
    expect(mtuSettings(['-i', '6', '--port', '1060'])).toEqual({
      settings: { kind: 'mtu', ipVersion: 6, port: 1060 },
      ignored: [],
    });
  });

  it('directSettings picks the reader by category', () => {
    expect(directSettings('latency', ['-i', '0.5']).settings).toMatchObject({ kind: 'latency', intervalSec: 0.5 });
    expect(directSettings('rtt', ['-i', 'PT1S']).settings).toMatchObject({ kind: 'rtt', intervalSec: 1 });
    expect(directSettings('mtu', ['-i', '4']).settings).toMatchObject({ kind: 'mtu', ipVersion: 4 });
    expect(directSettings('throughput', ['-i', '10']).settings).toMatchObject({ kind: 'throughput', intervalSec: 10 });
    expect(directSettings('trace', []).settings.kind).toBe('trace');
  });
});
