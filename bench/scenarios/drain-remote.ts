// drain-remote: the drain scenario against an archiver that answers each POST 20 ms after reading
// it (an archiver across a WAN): 20,000 rtt deliveries drained by the archive role with default
// settings. Reference in the same run: a bare undici POST loop at the same concurrency against the
// same archiver (what the HTTP round trip alone allows).
import type { BenchContext } from '../report.js';
import { drainBench, drainWithRole, fillBacklog, undiciLoop } from '../drain-common.js';

const N = Number(process.env['BENCH_DRAIN_N'] ?? 20_000);
const LATENCY_MS = 20;

export default async function drainRemote(ctx: BenchContext): Promise<void> {
  let accepted = 0;
  const b = await drainBench(LATENCY_MS);
  try {
    const c = b.config.archiveConcurrency;
    ctx.say(`${N} rtt deliveries, archiver answering after ${LATENCY_MS} ms, ARCHIVE_CONCURRENCY ${c} (default): at most ${Math.round((c * 1000) / LATENCY_MS)}/s`);
    await fillBacklog(b, N, 'remote-');
    const run = await drainWithRole(b, N, 120_000);
    const loop = await undiciLoop(b, N);
    ctx.report({
      figure: `deliveries/s, archiver ${LATENCY_MS} ms away, default settings`,
      value: run.perSecond,
      unit: '/s',
      baseline: { name: `undici POST loop, concurrency ${c}`, value: loop.perSecond },
      target: { min: 1000, of: 'value' },
      note: `${run.cpuMsPerDelivery.toFixed(3)} ms CPU per delivery`,
    });
  } finally {
    accepted = (await b.close()).accepted;
  }
  // Every POST was answered 200 by the archiver: nothing was lost or refused on the way.
  if (accepted < 2 * N) throw new Error(`archiver accepted ${accepted} POSTs, expected at least ${2 * N}`);
}
