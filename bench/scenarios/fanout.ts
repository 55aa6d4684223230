// fanout: one tick of a 10,000-destination plan (6 categories + reverse throughput = 70,000
// measurement jobs), fanned out by the real scheduler role (its tick processor, fan-out.ts), against
// the ceiling: raw BullMQ addBulk of as many minimal jobs, on the same private Redis in the same run.
// Each side runs in a fresh child process of its own, so neither's heap or peak RSS weighs on the
// other: the child reports its wall time, its kernel-measured peak RSS and its longest event-loop
// stall; this process measures Redis's used_memory around each.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { MB, redisUsedMemory, withStallMonitor } from '../probes.js';
import type { BenchContext } from '../report.js';
import { privateRedis } from '../../test/helpers/private-redis.js';

const CHILD = fileURLToPath(new URL('./fanout-child.mjs', import.meta.url));
const DESTINATIONS = Number(process.env['BENCH_FANOUT_DESTINATIONS'] ?? 10_000);
/** 6 categories, and throughput also reversed (TOOL_MODE=auto, REVERSE=true). */
const JOBS_PER_DESTINATION = 7;

interface ChildResult {
  readonly jobs: number;
  readonly wallMs: number;
  /** Kernel's peak RSS of the child over its whole life (ru_maxrss), bytes. */
  readonly peakRss: number;
  /** RSS when set up, before the measured part. */
  readonly readyRss: number;
  readonly maxStallMs: number;
}

async function runChild(mode: 'ceiling' | 'fanout', url: string): Promise<ChildResult> {
  const child = await execa(process.execPath, ['--expose-gc', CHILD, mode, url, String(DESTINATIONS)], { reject: false, stderr: 'inherit' });
  if (child.exitCode !== 0) throw new Error(`fanout ${mode} child: exit ${child.exitCode ?? child.signal}: ${child.stdout}`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

export default async function fanout(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const client = new Redis(redis.url);
  try {
    const jobs = DESTINATIONS * JOBS_PER_DESTINATION;
    const measure = async (mode: 'ceiling' | 'fanout') => {
      await client.flushall();
      const before = await redisUsedMemory(client);
      // This process idles meanwhile: its own longest stall is what the machine's load alone causes.
      const { result: r, maxStallMs: idleStallMs } = await withStallMonitor(() => runChild(mode, redis.url));
      const after = await redisUsedMemory(client);
      if (r.jobs !== jobs) throw new Error(`fanout ${mode}: ${r.jobs} jobs, expected ${jobs}`);
      return { ...r, bytesPerJob: (after - before) / r.jobs, idleStallMs };
    };
    const ceiling = await measure('ceiling');
    const fan = await measure('fanout');
    ctx.say(
      `${DESTINATIONS} destinations × ${JOBS_PER_DESTINATION} = ${jobs} jobs; ceiling: one addBulk of ${jobs} minimal jobs ` +
        `(${(ceiling.wallMs / 1000).toFixed(2)} s, peak RSS ${(ceiling.peakRss / MB).toFixed(0)} MB, stall ${ceiling.maxStallMs.toFixed(0)} ms, ${ceiling.bytesPerJob.toFixed(0)} B/job)`,
    );
    ctx.say(`fan-out child ready at ${(fan.readyRss / MB).toFixed(0)} MB RSS (plan of ${jobs} specs and the scheduler role loaded)`);
    ctx.report({ figure: 'wall time', value: fan.wallMs / 1000, unit: 's', baseline: { name: 'raw BullMQ addBulk', value: ceiling.wallMs / 1000 }, target: { max: 1.2 } });
    ctx.report({ figure: 'peak RSS', value: fan.peakRss / MB, unit: 'MB', baseline: { name: 'raw BullMQ addBulk', value: ceiling.peakRss / MB }, target: { max: 250, of: 'value' } });
    ctx.report({
      figure: 'longest event-loop stall',
      value: fan.maxStallMs,
      unit: 'ms',
      target: { max: 100 },
      note: `an idle process's longest stall meanwhile (the machine's load alone): ${fan.idleStallMs.toFixed(0)} ms`,
    });
    ctx.report({
      figure: 'Redis per measure job',
      value: fan.bytesPerJob,
      unit: 'B',
      baseline: { name: 'raw BullMQ addBulk', value: ceiling.bytesPerJob },
      target: { max: 500, of: 'value' },
      // Redis keeps a hash compact (listpack) only while every value is ≤ 64 B (hash-max-listpack-value):
      // a compact job (its id names the spec; name, data and opts each ≤ 64 B) is a listpack of ~350 B,
      // one carrying its spec (~220 B of data) a hashtable of ~1,075 B. The rest: the wait list and the
      // events stream (capped, so its share falls with the round's size).
      note: 'each job hash is a listpack (~350 B: the data names no spec, the id does); the rest is the wait list and the capped events stream',
    });
  } finally {
    client.disconnect();
    await redis.destroy();
  }
}
