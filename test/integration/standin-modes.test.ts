// The stand-in pscheduler's per-test-type modes and the spans its slow mode records (the round
// benchmarks and the throughput tests read them): a destination's mode wins over its test type's,
// which wins over the default; a span covers the process from its fork to its exit.
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { readStandinLog } from '../helpers/standin.js';
import { overlappingSpans, readStandinSpans, STANDIN_DIR } from '../helpers/standin-spans.js';
import { testDir } from '../helpers/test-context.js';

const STANDIN = join(STANDIN_DIR, 'pscheduler');

async function task(test: string, dest: string, env: Record<string, string>): Promise<number> {
  const r = await execa(process.execPath, [STANDIN, 'task', '--format', 'json', '--output', join(testDir(), `${test}-${dest}.json`), test, '--dest', dest], {
    env,
    reject: false,
  });
  return r.exitCode ?? -1;
}

describe('stand-in pscheduler modes', () => {
  it('takes a mode per test type, a destination mode over it, and the default for the rest; slow runs record fork-to-exit spans', async () => {
    const env = {
      PSQ_STANDIN_LOG: join(testDir(), 'log'),
      PSQ_STANDIN_SPANS: join(testDir(), 'spans'),
      PSQ_STANDIN_MODE: 'slow:50',
      PSQ_STANDIN_TEST_MODES: 'throughput=slow:300,trace=failed',
      PSQ_STANDIN_MODES: '192.0.2.9=ok',
    };
    const before = Date.now();
    const codes = await Promise.all([task('throughput', '192.0.2.1', env), task('rtt', '192.0.2.1', env), task('trace', '192.0.2.1', env), task('throughput', '192.0.2.9', env)]);
    expect(codes).toEqual([0, 0, 0, 0]);
    const modes = Object.fromEntries(readStandinLog(env.PSQ_STANDIN_LOG).map((c) => [`${c.argv[5]} ${c.argv[7]}`, c.mode]));
    expect(modes).toEqual({ 'throughput 192.0.2.1': 'slow:300', 'rtt 192.0.2.1': 'slow:50', 'trace 192.0.2.1': 'failed', 'throughput 192.0.2.9': 'ok' });
    const spans = readStandinSpans(env.PSQ_STANDIN_SPANS);
    expect(spans.map((s) => s.test).sort()).toEqual(['rtt', 'throughput']);
    for (const s of spans) {
      // Forked after we started it (to the 10 ms of /proc's clock), ready after its start-up, ended after its delay.
      expect(s.start).toBeGreaterThanOrEqual(before - 20);
      expect(s.ready).toBeGreaterThanOrEqual(s.start - 20);
      expect(s.end - s.ready).toBeGreaterThanOrEqual(s.test === 'throughput' ? 300 : 50);
    }
    expect(overlappingSpans(spans)).toHaveLength(1);
  });
});
