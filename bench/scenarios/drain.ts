// drain: 20,000 rtt deliveries queued on a private Redis, drained by the archive role with default
// settings into the loopback archiver (its own process). Ceilings in the same run: a no-op BullMQ
// worker draining the same jobs (same Redis, same concurrency) and a bare undici POST loop (same
// concurrency, body and archiver). Context: Redis bytes per pending delivery (the backlog an
// archiver outage leaves).
import type { BenchContext } from '../report.js';
import { drainBench, drainNoop, drainWithRole, fillBacklog, RAW_BYTES, undiciLoop } from '../drain-common.js';
import { median } from '../probes.js';

const N = Number(process.env['BENCH_DRAIN_N'] ?? 20_000);
const ROUNDS = Number(process.env['BENCH_DRAIN_ROUNDS'] ?? 2);

export default async function drain(ctx: BenchContext): Promise<void> {
  let accepted = 0;
  let rounds = 0;
  const b = await drainBench(0);
  try {
    const c = b.config.archiveConcurrency;
    ctx.say(`${N} rtt deliveries per run, ARCHIVE_CONCURRENCY ${c} (default), LOG_LEVEL ${b.config.logLevel}, up to ${ROUNDS} rounds interleaved (median)`);
    const role: number[] = [];
    const cpu: number[] = [];
    const noop: number[] = [];
    const loop: number[] = [];
    const floor: number[] = [];
    const others: string[] = [];
    const bytes: number[] = [];
    let logLines = 0;
    const t0 = performance.now();
    for (let r = 0; r < ROUNDS; r++) {
      // Within the scenario's budget (60 s): a loaded machine gets one round, said in the figures.
      if (r > 0 && performance.now() - t0 > 25_000) break;
      bytes.push((await fillBacklog(b, N, `n${r}-`)).bytesPerDelivery);
      const idle = await drainNoop(b, N, 60_000);
      noop.push(idle.perSecond);
      bytes.push((await fillBacklog(b, N, `r${r}-`)).bytesPerDelivery);
      const run = await drainWithRole(b, N, 120_000);
      role.push(run.perSecond);
      cpu.push(run.cpuMsPerDelivery);
      logLines += run.logLines;
      others.push(`archiver ${run.archiverCpuMs.toFixed(3)} + Redis ${run.redisCpuMs.toFixed(3)}`);
      const bare = await undiciLoop(b, N);
      loop.push(bare.perSecond);
      // What BullMQ and undici alone cost per delivery: the no-op worker's CPU per job plus the loop's per POST.
      floor.push(idle.cpuMsPerDelivery + bare.cpuMsPerDelivery);
      rounds += 1;
    }
    const spread = (xs: number[], unit = '/s') => `runs ${xs.map((x) => Math.round(x)).join(', ')}${unit}`;
    ctx.report({
      figure: 'deliveries/s, default settings',
      value: median(role),
      unit: '/s',
      baseline: { name: `no-op BullMQ worker, concurrency ${c}`, value: median(noop) },
      target: { min: 0.6 },
      note: `role ${spread(role)}; no-op ${spread(noop)}`,
    });
    ctx.report({
      figure: 'CPU per delivery (draining process)',
      value: median(cpu),
      unit: 'ms',
      target: { max: 0.25 },
      note: `runs ${cpu.map((x) => x.toFixed(3)).join(', ')} ms; ${logLines} log lines in ${role.length * N} deliveries`,
    });
    ctx.report({
      figure: 'CPU per delivery vs BullMQ + undici alone',
      value: median(cpu),
      unit: 'ms',
      baseline: { name: 'no-op worker CPU per job + undici loop CPU per POST', value: median(floor) },
      note: `floor runs ${floor.map((x) => x.toFixed(3)).join(', ')} ms; meanwhile the other processes, ms per delivery: ${others.join('; ')}`,
    });
    ctx.report({
      figure: 'deliveries/s vs a bare undici POST loop',
      value: median(role),
      unit: '/s',
      baseline: { name: `undici POST loop, concurrency ${c}, keep-alive`, value: median(loop) },
      note: `loop ${spread(loop)}`,
    });
    ctx.report({ figure: 'Redis per pending delivery (archiver down)', value: median(bytes), unit: 'B', note: `rtt result of ${RAW_BYTES} B serialized` });
  } finally {
    accepted = (await b.close()).accepted;
  }
  // Every POST was answered 200 by the archiver: nothing was lost or refused on the way.
  if (accepted < rounds * 2 * N) throw new Error(`archiver accepted ${accepted} POSTs, expected at least ${rounds * 2 * N}`);
}
