import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { interpretResult } from '../../../src/measure/read-result.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/pscheduler/${name}.json`, import.meta.url), 'utf8');

describe('interpreting pScheduler output files', () => {
  it('missing, empty, whitespace and null are "no result"', () => {
    expect(interpretResult(null)).toMatchObject({ kind: 'no-result', reason: expect.stringContaining('no output file') });
    expect(interpretResult('')).toMatchObject({ kind: 'no-result', reason: expect.stringContaining('empty') });
    expect(interpretResult(' \n')).toMatchObject({ kind: 'no-result' });
    expect(interpretResult('null\n')).toMatchObject({ kind: 'no-result', reason: expect.stringContaining('null') });
  });

  it('torn or non-object JSON is "no result"', () => {
    expect(interpretResult('{"succeeded": tr')).toMatchObject({ kind: 'no-result', reason: expect.stringContaining('not JSON') });
    expect(interpretResult('[1,2]')).toMatchObject({ kind: 'no-result' });
  });

  it('every fixture is a result; succeeded read from the file', () => {
    for (const name of ['rtt', 'latency', 'throughput', 'trace', 'mtu', 'clock']) {
      expect(interpretResult(fixture(name))).toMatchObject({ kind: 'result', succeeded: true });
    }
  });

  it('a failed run is a result with succeeded false and its error', () => {
    expect(interpretResult(fixture('throughput-failed'))).toMatchObject({
      kind: 'result',
      succeeded: false,
      error: 'iperf3 returned an error: unable to connect to server: Connection refused',
    });
    expect(interpretResult('{"schema":1,"succeeded":false}')).toMatchObject({ kind: 'result', succeeded: false, error: null });
  });
});
