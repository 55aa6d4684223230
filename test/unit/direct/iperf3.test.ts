import { describe, expect, it } from 'vitest';
import {
  IPERF3_BIN, iperf3ClientArgv, iperf3TimeoutMs, toThroughputResult,
} from '../../../src/measure/direct/iperf3.js';
import type { ThroughputResult } from '../../../src/measure/direct/results.js';
import { throughputSettings } from '../../../src/measure/direct/settings.js';
import { capture, keyPaths, pschedulerFixture, shapeOf } from './captures.js';

/** The command each capture ran, as the argv the backend would pass (program first). */
const COMMANDS: Record<string, string> = {
  'iperf3-forward': 'iperf3 -c 10.201.2.2 -J -P 1 -t 3 -O 1 -i 1 -p 5201 --connect-timeout 5000',
  'iperf3-reverse': 'iperf3 -c 10.201.2.2 -J -P 1 -t 3 -O 1 -i 1 -R -p 5201 --connect-timeout 5000',
  'iperf3-parallel': 'iperf3 -c 10.201.2.2 -J -P 2 -t 3 -O 0 -i 1 -p 5201 --connect-timeout 5000',
  'iperf3-v6': 'iperf3 -c fd00:201:2::2 -J -P 1 -t 2 -O 0 -i 1 -B fd00:201:1::2 -p 5201 -6 --connect-timeout 5000',
  'iperf3-refused': 'iperf3 -c 10.201.2.2 -J -P 1 -t 3 -O 0 -i 1 -p 5201 --connect-timeout 5000',
};

function result(name: string) {
  const c = capture(name);
  return toThroughputResult(c.stdout, c.stderr, c.exitCode, (COMMANDS[name] ?? `iperf3 ${name}`).split(' '));
}

function success(name: string): ThroughputResult {
  const r = result(name);
  if (!r.succeeded) throw new Error(`${name}: ${r.error}`);
  return r;
}

describe('iperf3ClientArgv', () => {
  it('the cron runner\'s throughput defaults', () => {
    const s = throughputSettings(['-P', '4', '-t', '60', '-i', '10', '-O', '10']).settings;
    expect(iperf3ClientArgv(s, '198.51.100.20', null, false, null)).toEqual(
      '-c 198.51.100.20 -J -P 4 -t 60 -O 10 -i 10 --connect-timeout 5000'.split(' '),
    );
    expect(iperf3TimeoutMs(s)).toBe(85_000);
  });

  it('builds exactly the commands that made the captures', () => {
    const fwd = throughputSettings(['-P', '1', '-t', '3', '-O', '1', '-i', '1']).settings;
    expect([IPERF3_BIN, ...iperf3ClientArgv(fwd, '10.201.2.2', null, false, 5201)].join(' ')).toBe(COMMANDS['iperf3-forward']);
    expect([IPERF3_BIN, ...iperf3ClientArgv(fwd, '10.201.2.2', null, true, 5201)].join(' ')).toBe(COMMANDS['iperf3-reverse']);
    const v6 = throughputSettings(['-t', '2', '-i', '1', '--ip-version', '6']).settings;
    expect([IPERF3_BIN, ...iperf3ClientArgv(v6, 'fd00:201:2::2', 'fd00:201:1::2', false, 5201)].join(' ')).toBe(
      COMMANDS['iperf3-v6'],
    );
  });

  it('defaults: 10 s, 1 stream, no -i; --local-address beats the source; --single-ended-port when no port given', () => {
    const s = throughputSettings(['-B', '10.0.0.7', '--single-ended-port', '5999', '-w', '4M', '--no-delay']).settings;
    expect(iperf3ClientArgv(s, '192.0.2.1', '10.0.0.1', false, null)).toEqual([
      '-c', '192.0.2.1', '-J', '-P', '1', '-t', '10', '-O', '0', '-B', '10.0.0.7', '-p', '5999', '-w', '4M', '-N',
      '--connect-timeout', '5000',
    ]);
    expect(iperf3ClientArgv(s, '192.0.2.1', null, false, 5201)).toContain('5201');
  });
});

describe('toThroughputResult on real iperf3 3.12 output', () => {
  it('forward: has exactly the keys of the pScheduler throughput fixture, at every level', () => {
    expect(shapeOf(success('iperf3-forward'))).toEqual(shapeOf(pschedulerFixture('throughput')));
  });

  it('forward: the renamed values, summary from sum_sent, receiver rate from sum_received', () => {
    const r = success('iperf3-forward');
    expect(r.intervals).toHaveLength(4);
    // -O 1: the first interval is the omitted one, and iperf3 restarts the clock after it
    expect(r.intervals.map((i) => i.summary.omitted)).toEqual([true, false, false, false]);
    expect(r.intervals[1]?.summary.start).toBe(0.000037);
    expect(r.intervals[0]?.streams[0]).toMatchObject({ 'stream-id': 5, start: 0, omitted: true });
    expect(r.summary.summary).toEqual({
      start: 0, end: 2.99999, 'throughput-bytes': 4090757120, 'throughput-bits': 10908722015.740053, retransmits: 1262,
      'receiver-throughput-bits': 10920097444.056974,
    });
    expect(r.summary.streams).toEqual([
      {
        'stream-id': 5, start: 0, end: 2.99999, 'throughput-bytes': 4090757120, 'throughput-bits': 10908722015.740053,
        retransmits: 1262, rtt: 125,
      },
    ]);
    expect(r.diags).toBe(`Participant 0:\n${COMMANDS['iperf3-forward']}\n`);
  });

  it('parallel: two streams per interval and in the summary', () => {
    const r = success('iperf3-parallel');
    expect(shapeOf(r)).toEqual(shapeOf(pschedulerFixture('throughput')));
    expect(r.intervals.map((i) => i.streams.map((s) => s['stream-id']))).toEqual([[5, 7], [5, 7], [5, 7]]);
    expect(r.summary.streams.map((s) => [s['stream-id'], s.rtt])).toEqual([[5, 74], [7, 80]]);
    expect(r.summary.summary).toMatchObject({ retransmits: 14675, 'receiver-throughput-bits': 20991715734.240685 });
  });

  it('IPv6', () => {
    expect(success('iperf3-v6').summary.summary).toMatchObject({
      'throughput-bits': 10276220098.066664, 'receiver-throughput-bits': 10252039286.337189, retransmits: 986,
    });
  });

  it('reverse: the client is the receiver, so the sender-side TCP fields are absent, not zero', () => {
    const r = success('iperf3-reverse');
    const missing = keyPaths(pschedulerFixture('throughput')).filter((k) => !keyPaths(r).includes(k));
    expect(missing).toEqual([
      'intervals[].streams[].retransmits', 'intervals[].streams[].rtt', 'intervals[].streams[].tcp-window-size',
      'intervals[].summary.retransmits', 'summary.streams[].rtt',
    ]);
    expect(keyPaths(r).filter((k) => !keyPaths(pschedulerFixture('throughput')).includes(k))).toEqual([]);
    // The totals do come back from the server in the results exchange.
    expect(r.summary.summary).toMatchObject({
      'throughput-bits': 13570776429.373703, retransmits: 6631, 'receiver-throughput-bits': 13571882030.584368,
    });
  });

  it('the server\'s own JSON for -R (what pScheduler reports for --reverse) has the sender fields', () => {
    const r = success('iperf3-reverse-server');
    expect(r.intervals[1]?.streams[0]).toHaveProperty('tcp-window-size');
    expect(r.summary.streams[0]?.rtt).toBe(59);
    // …but its sum_received is the server's, which received nothing
    expect(r.summary.summary['receiver-throughput-bits']).toBe(0);
    expect(r.summary.summary['throughput-bits']).toBe(success('iperf3-reverse').summary.summary['throughput-bits']);
  });

  it.each(['iperf3-forward-server', 'iperf3-parallel-server', 'iperf3-v6-server'])(
    '%s (the receiving server) agrees with its client on the receiver rate',
    (name) => {
      const client = success(name.replace('-server', ''));
      expect(success(name).summary.summary['receiver-throughput-bits']).toBe(
        client.summary.summary['receiver-throughput-bits'],
      );
    },
  );

  it('no server: iperf3 3.12 exits 0 but prints {"error": …}; the result is exactly pScheduler\'s failure', () => {
    expect(capture('iperf3-refused').exitCode).toBe(0);
    const r = result('iperf3-refused');
    expect(r).toEqual({
      succeeded: false,
      diags: `Participant 0:\n${COMMANDS['iperf3-refused']}\n`,
      error: 'iperf3 returned an error: unable to connect to server: Connection refused',
    });
    expect(Object.keys(r).sort()).toEqual(Object.keys(pschedulerFixture('throughput-failed') as object).sort());
    expect(r.succeeded === false && r.error).toBe(
      (pschedulerFixture('throughput-failed') as { error: string }).error,
    );
  });

  it.each([
    ['iperf3-connect-timeout', 'iperf3 returned an error: unable to connect to server: Connection timed out'],
    // partial intervals and an `end` with sum_sent: still a failure, as the run did not finish
    ['iperf3-client-killed', 'iperf3 returned an error: interrupt - the client has terminated'],
    ['iperf3-server-killed', 'iperf3 returned an error: unable to write to stream socket: Connection reset by peer'],
    ['iperf3-client-killed-server', 'iperf3 returned an error: the client has terminated'],
    ['iperf3-server-killed-server', 'iperf3 returned an error: exited with status 137'],
  ])('%s fails: %s', (name, error) => {
    const r = result(name);
    expect(r).toMatchObject({ succeeded: false, error });
    expect(Object.keys(r).sort()).toEqual(['diags', 'error', 'succeeded']);
  });

  it('stderr and odd exits are reported, not hidden', () => {
    const argv = ['iperf3', '-c', 'x'];
    expect(toThroughputResult('', 'iperf3: error - boom\n', 1, argv)).toEqual({
      succeeded: false, diags: 'Participant 0:\niperf3 -c x\n\niperf3: error - boom\n', error: 'iperf3 returned an error: iperf3: error - boom',
    });
    expect(toThroughputResult('not json', '', 0, argv)).toMatchObject({
      error: 'Unable to parse iperf3 output as JSON: not json',
    });
    expect(toThroughputResult(capture('iperf3-forward').stdout, '', null, argv)).toMatchObject({
      error: 'iperf3 returned an error: killed by a signal',
    });
    expect(toThroughputResult('{"intervals": [], "end": {}}', '', 0, argv)).toMatchObject({
      error: "iperf3 output has neither 'sum_sent' nor 'sum' field, and one of them is required",
    });
    expect(toThroughputResult('{"end": {}}', '', 0, argv)).toMatchObject({
      error: "iperf3 output is missing required field 'intervals'",
    });
  });
});
