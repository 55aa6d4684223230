// fleet-round: three testpoints sharing six destinations, each its own `psq start measure` process
// (FLEET_FILE + TESTPOINT, BACKEND=pscheduler, stand-in pscheduler: throughput forward and reverse,
// 2 s each) on one Redis, one round fanned out from the fleet plan as the scheduler does. Light
// tests are left out: they never wait for a slot (the round scenario has them), and each stand-in
// run boots a node process whose CPU would weigh on this 2-core machine, not on psq.
// Throughput is exclusive per testpoint and per destination, so the round takes at least the
// busiest testpoint's or destination's throughput time (from the stand-in's recorded durations in
// this run); the wall time is measured against that bound, and no two throughput runs may overlap
// on a testpoint or at a destination.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testConfig } from '../../test/helpers/config.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import { median, percentile } from '../probes.js';
import type { BenchContext } from '../report.js';
import { assertRoundComplete, exclusivityBound, type MeasureProcess, runRound, spansOf, startMeasure, throughputGaps } from '../round-common.js';

const TESTPOINTS = Number(process.env['BENCH_FLEET_TESTPOINTS'] ?? 3);
const DESTINATIONS = Number(process.env['BENCH_FLEET_DESTINATIONS'] ?? 6);
const THROUGHPUT_MS = 2000;
const CONCURRENCY = 4;

export default async function fleetRound(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const dir = mkdtempSync(join(tmpdir(), 'psq-bench-fleet-round-'));
  const hosts = Array.from({ length: DESTINATIONS }, (_, i) => `10.9.0.${i + 1}@dest-${i}`);
  const ids = Array.from({ length: TESTPOINTS }, (_, i) => `tp-${i}`);
  const fleetFile = join(dir, 'fleet.json');
  writeFileSync(
    fleetFile,
    JSON.stringify({
      defaults: { tests: ['throughput'], reverse: true, args: { throughput: '-t 2' }, concurrency: CONCURRENCY, hosts },
      testpoints: ids.map((id) => ({ id })),
    }),
  );
  const env = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: 'bench',
    FLEET_FILE: fleetFile,
    PSQ_STANDIN_TEST_MODES: `throughput=slow:${THROUGHPUT_MS}`,
  };
  const procs: MeasureProcess[] = [];
  try {
    for (const id of ids) procs.push(await startMeasure(dir, id, env));
    const config = testConfig({ ...env, TESTPOINT: ids[0]! });
    const run = await runRound(config, redis.url, 180_000);
    const spans = spansOf(procs);
    const bound = exclusivityBound(spans, CONCURRENCY);
    const gaps = throughputGaps(spans);
    ctx.say(
      `${TESTPOINTS} testpoints × ${DESTINATIONS} shared destinations: ${run.jobs.length} jobs (${bound.throughputRuns} throughput at ${THROUGHPUT_MS} ms, ` +
        `${spans.length - bound.throughputRuns} light); ${run.failed} failed, ${run.attemptsAbove1} needed a second attempt; ` +
        `bound set by ${bound.boundBy}; idle between a testpoint's throughput runs median ${median(gaps)} ms, p90 ${percentile(gaps, 90)} ms, max ${Math.max(...gaps)} ms`,
    );
    assertRoundComplete(run, spans);
    ctx.report({
      figure: 'round wall time',
      value: run.wallMs / 1000,
      unit: 's',
      baseline: { name: 'destination/testpoint exclusivity bound (stand-in durations)', value: bound.boundMs / 1000 },
      target: { max: 1.1 },
    });
    ctx.report({ figure: 'throughput overlap per testpoint', value: bound.overlapPerTestpoint, unit: 'pairs', target: { max: 0 } });
    ctx.report({ figure: 'throughput overlap per destination', value: bound.overlapPerDestination, unit: 'pairs', target: { max: 0 } });
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    if (process.env['BENCH_ROUND_KEEP']) {
      const { cpSync } = await import('node:fs');
      for (const p of procs) writeFileSync(join(dir, `${p.testpoint}.log`), p.output());
      cpSync(dir, process.env['BENCH_ROUND_KEEP'], { recursive: true });
    }
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
