// round: one testpoint's round of 20 destinations × 5 categories (latency, rtt, throughput forward
// and reverse, trace, mtu) through the real `psq start measure` (BACKEND=pscheduler) and the stand-in
// pscheduler, which takes 2 s for a throughput test and 0.5 s for any other. Throughput is exclusive
// on a testpoint, so the round cannot take less than the sum of its throughput tests (or its light
// tests spread over MEASURE_CONCURRENCY, if that is more): that bound is computed from the durations
// the stand-in itself recorded in this run, and the round's wall time is measured against it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../../test/helpers/config.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import { cpuMsOf, median, percentile } from '../probes.js';
import type { BenchContext } from '../report.js';
import { assertRoundComplete, exclusivityBound, runRound, spansOf, startMeasure, throughputGaps } from '../round-common.js';

const DESTINATIONS = Number(process.env['BENCH_ROUND_DESTINATIONS'] ?? 20);
const THROUGHPUT_MS = 2000;
const LIGHT_MS = 500;
const CONCURRENCY = 4;

export default async function round(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const dir = mkdtempSync(join(tmpdir(), 'psq-bench-round-'));
  const hosts = Array.from({ length: DESTINATIONS }, (_, i) => `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}@dest-${i}`).join(' ');
  const env = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'bench',
    HOSTS: hosts,
    TESTS: 'latency rtt throughput trace mtu',
    REVERSE: 'true',
    THROUGHPUT_ARGS: '-t 2',
    MEASURE_CONCURRENCY: String(CONCURRENCY),
    PSQ_STANDIN_MODE: `slow:${LIGHT_MS}`,
    PSQ_STANDIN_TEST_MODES: `throughput=slow:${THROUGHPUT_MS}`,
  };
  const proc = await startMeasure(dir, 'bench-tp', env);
  try {
    const config = testConfig({ ...env, TESTPOINT: 'bench-tp' });
    const cpuBefore = cpuMsOf(proc.pid);
    const run = await runRound(config, redis.url, 240_000);
    const cpuMs = cpuMsOf(proc.pid) - cpuBefore;
    const spans = spansOf([proc]);
    const bound = exclusivityBound(spans, CONCURRENCY);
    const gaps = throughputGaps(spans);
    ctx.say(
      `${run.jobs.length} jobs (${bound.throughputRuns} throughput at ${THROUGHPUT_MS} ms, ${spans.length - bound.throughputRuns} light at ${LIGHT_MS} ms, ${CONCURRENCY} at a time); ` +
        `${run.failed} failed, ${run.attemptsAbove1} needed a second attempt; bound set by ${bound.boundBy}; ` +
        `gap between throughput runs median ${median(gaps)} ms, p90 ${percentile(gaps, 90)} ms, max ${Math.max(...gaps)} ms; ` +
        `psq measure CPU ${(cpuMs / run.jobs.length).toFixed(1)} ms per job`,
    );
    assertRoundComplete(run, spans);
    ctx.report({
      figure: 'round wall time',
      value: run.wallMs / 1000,
      unit: 's',
      baseline: { name: 'exclusivity bound (stand-in durations)', value: bound.boundMs / 1000 },
      target: { max: 1.05 },
    });
    ctx.report({ figure: 'throughput overlap (per testpoint)', value: bound.overlapPerTestpoint, unit: 'pairs', target: { max: 0 } });
  } finally {
    await proc.stop();
    if (process.env['BENCH_ROUND_KEEP']) {
      const { cpSync, writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'psq.log'), proc.output());
      cpSync(dir, process.env['BENCH_ROUND_KEEP'], { recursive: true });
    }
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
