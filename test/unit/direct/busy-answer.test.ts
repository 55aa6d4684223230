// iperf3's busy answer is told apart from real failures, on real captured output.
import { describe, expect, it } from 'vitest';
import { isBusyAnswer } from '../../../src/measure/busy-answer.js';
import { toThroughputResult } from '../../../src/measure/direct/iperf3.js';
import { capture, pschedulerFixture } from './captures.js';

const BUSY_COMMAND = 'iperf3 -c 127.0.0.1 -J -P 1 -t 3 -O 0 -i 1 -p 5299 --connect-timeout 5000'.split(' ');

function throughputResultOf(name: string) {
  const c = capture(name);
  return toThroughputResult(c.stdout, c.stderr, c.exitCode, BUSY_COMMAND);
}

describe('isBusyAnswer', () => {
  it('iperf3-busy (a second client while another test runs): exit 0, a busy error, and it is a busy answer', () => {
    expect(capture('iperf3-busy').exitCode).toBe(0);
    const r = throughputResultOf('iperf3-busy');
    expect(r).toMatchObject({ succeeded: false, error: 'iperf3 returned an error: the server is busy running a test. try again later' });
    expect(isBusyAnswer(r)).toBe(true);
  });

  it('pScheduler reports the same iperf3 error in its own failure shape: also a busy answer', () => {
    const fixture = pschedulerFixture('throughput-failed') as Record<string, unknown>;
    const busy = { ...fixture, error: 'iperf3 returned an error: the server is busy running a test. try again later' };
    expect(isBusyAnswer(busy)).toBe(true);
  });

  it.each(['iperf3-refused', 'iperf3-connect-timeout', 'iperf3-client-killed', 'iperf3-server-killed', 'iperf3-forward'])(
    '%s is not a busy answer',
    (name) => {
      expect(isBusyAnswer(throughputResultOf(name))).toBe(false);
    },
  );

  it('the real pScheduler failure fixture, successes and odd values are not busy answers', () => {
    expect(isBusyAnswer(pschedulerFixture('throughput-failed'))).toBe(false);
    expect(isBusyAnswer(pschedulerFixture('throughput'))).toBe(false);
    expect(isBusyAnswer({ succeeded: true, error: 'the server is busy running a test' })).toBe(false);
    expect(isBusyAnswer(null)).toBe(false);
    expect(isBusyAnswer('the server is busy running a test')).toBe(false);
    expect(isBusyAnswer({ succeeded: false, error: 42 })).toBe(false);
  });
});
