// schedule-state: what a week of ticks leaves in Redis, and what the dashboard pays to start on it.
// A 10,000-destination fleet (100 testpoints × 100 TEST-NET destinations, one hourly rtt schedule
// each, planned by psq's own fleet planner) is scheduled by the real scheduler role; its ticks run by
// promoting each schedule's delayed next tick (as if its hour had come) until 2,016 ticks — a week of
// 5-minute ticks — have run. A tick is the same reference whatever its plan holds, so the rounds of
// 100 ticks (one per schedule) fan out an empty plan but the last, which fans out the real one
// (reloaded as on SIGHUP): 10,000 measurement jobs that stay for the dashboard to find.
// test/integration/schedule-memory.test.ts fans out every round for real.
// Then the real `psq start dashboard` (bin/psq.js, a process of its own) starts against that Redis:
// time from spawn until /healthz answers 200, and its RSS then; the baseline is the same start on
// the empty Redis, measured in the same run before any tick.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/logger.js';
import { SCHEDULE_QUEUE } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../../src/queues/redis-options.js';
import { REPO } from '../../test/helpers/build.js';
import { freePort } from '../../test/helpers/ports.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import {
  measureQueueBytes,
  plannedSchedules,
  runTickRound,
  scheduleState,
  startFleetScheduler,
  waitingMeasureJobs,
} from '../../test/helpers/schedule-memory.js';
import { MB, median, redisUsedMemory, rssOf, sleep } from '../probes.js';
import type { BenchContext } from '../report.js';

const TESTPOINTS = 100;
const HOSTS = 100;
/** A week of 5-minute ticks. */
const TICKS = Number(process.env['BENCH_SCHEDULE_TICKS'] ?? 2016);
const DASHBOARD_RUNS = Number(process.env['BENCH_SCHEDULE_DASHBOARD_RUNS'] ?? 3);
const PREFIX = 'bench';
const PSQ = join(REPO, 'bin/psq.js');

interface DashboardStart {
  readonly readyMs: number;
  readonly rss: number;
  /** Highest RSS seen in the 1 s after /healthz first answered (start-up work it had not finished). */
  readonly rssAfter: number;
}

/** `psq start dashboard` on `url`: ms from spawn until /healthz answers 200, and its RSS then. */
async function startDashboard(url: string): Promise<DashboardStart> {
  const home = mkdtempSync(join(tmpdir(), 'psq-bench-dash-'));
  const port = await freePort();
  const t = performance.now();
  const child = execa(process.execPath, [PSQ, 'start', 'dashboard'], {
    env: { PATH: process.env['PATH'], HOME: home, DATA_DIR: join(home, 'data'), REDIS_URL: url, QUEUE_PREFIX: PREFIX, DASHBOARD_PORT: String(port), LOG_LEVEL: 'warn' },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
  });
  try {
    for (;;) {
      if (child.exitCode !== undefined && child.exitCode !== null) throw new Error(`psq start dashboard exited ${child.exitCode}: ${String((await child).stderr).slice(-2000)}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      if (performance.now() - t > 30_000) throw new Error('psq start dashboard: /healthz not 200 within 30 s');
      await sleep(10);
    }
    const readyMs = performance.now() - t;
    const rss = rssOf(child.pid!);
    let rssAfter = rss;
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      rssAfter = Math.max(rssAfter, rssOf(child.pid!));
    }
    return { readyMs, rss, rssAfter };
  } finally {
    child.kill('SIGTERM');
    const done = await child;
    if (done.exitCode !== 0 && done.signal === undefined) process.stderr.write(String(done.stderr));
    rmSync(home, { recursive: true, force: true });
  }
}

async function dashboardStarts(url: string): Promise<DashboardStart & { readonly spread: string }> {
  const runs: DashboardStart[] = [];
  for (let i = 0; i < DASHBOARD_RUNS; i++) runs.push(await startDashboard(url));
  const ms = runs.map((r) => r.readyMs);
  return {
    readyMs: median(ms),
    rss: median(runs.map((r) => r.rss)),
    rssAfter: Math.max(...runs.map((r) => r.rssAfter)),
    spread: `${Math.round(Math.min(...ms))}–${Math.round(Math.max(...ms))} ms`,
  };
}

export default async function scheduleStateScenario(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const logger = createLogger({ level: 'silent' });
  const queues = new QueueRegistry(redisOptionsFromUrl(redis.url), PREFIX, logger);
  const client = new Redis(redis.url);
  try {
    const emptyRedis = await dashboardStarts(redis.url);

    const schedules = plannedSchedules(TESTPOINTS, HOSTS);
    await queues.get(SCHEDULE_QUEUE).waitUntilReady();
    const base = await redisUsedMemory(client);
    // A tick is a reference (testpoint, schedule, plan hash), the same size whatever its plan holds,
    // so all but the last round fan out an empty plan: the real role and its retention, without
    // fanning out and dropping 10,000 jobs for each round. The last round fans out the real plan
    // (after a reload, as on SIGHUP); its 10,000 jobs stay, for the dashboard to find.
    const empty = schedules.map((s) => ({ ...s, specs: [] }));
    const role = await startFleetScheduler(queues, empty, logger);
    let ticks = 0;
    let fanned = 0;
    const t = performance.now();
    const round = async (count: number) => {
      ticks += await runTickRound(queues, schedules.length, 60_000, count);
      fanned += await waitingMeasureJobs(queues, schedules);
    };
    try {
      while (ticks < TICKS - schedules.length) await round(Math.min(schedules.length, TICKS - schedules.length - ticks));
      // The reload's upsert queues each schedule's next tick at the coming hour; ticks promoted ahead
      // of their hour have used those slots already, so the completed ticks of that slot must have
      // left the retention (BullMQ would not add a tick whose id exists): at least ~1,100 ticks before.
      await role.reload(schedules);
      await round(schedules.length);
    } finally {
      await role.close();
    }
    const tickSeconds = (performance.now() - t) / 1000;
    const measureBytes = (await measureQueueBytes(client, queues.prefix)).bytes;
    const state = await scheduleState(client, queues.prefix);
    const used = (await redisUsedMemory(client)) - base;
    ctx.say(
      `${TESTPOINTS} testpoints × ${HOSTS} destinations = ${TESTPOINTS * HOSTS} destinations in ${schedules.length} schedules; ` +
        `${ticks} ticks in ${tickSeconds.toFixed(1)} s (an empty plan but for the last round of ${schedules.length}; ${fanned} measurement jobs fanned out)`,
    );
    ctx.say(
      `schedule state: ${state.keys} keys — schedulers ${(state.schedulers.bytes / 1024).toFixed(0)} KiB, ${state.ticks.keys} tick jobs ${(state.ticks.bytes / 1024).toFixed(0)} KiB ` +
        `(largest ${state.ticks.largest} B), events ${state.events.length} = ${(state.events.bytes / 1024).toFixed(0)} KiB, other ${(state.other.bytes / 1024).toFixed(0)} KiB; ` +
        `the last round's measure queues ${(measureBytes / MB).toFixed(1)} MB; used_memory +${(used / MB).toFixed(1)} MB`,
    );
    ctx.report({ figure: 'schedule state after a week of ticks', value: state.bytes / MB, unit: 'MB', target: { max: 20 }, note: `${ticks} ticks` });

    const full = await dashboardStarts(redis.url);
    ctx.report({
      figure: 'dashboard ready (/healthz 200)',
      value: full.readyMs,
      unit: 'ms',
      baseline: { name: 'same start, empty Redis', value: emptyRedis.readyMs },
      target: { max: 2000, of: 'value' },
      note: `median of ${DASHBOARD_RUNS}: ${full.spread}; empty Redis ${emptyRedis.spread}`,
    });
    ctx.report({
      figure: 'dashboard RSS when ready',
      value: full.rss / MB,
      unit: 'MB',
      baseline: { name: 'same start, empty Redis', value: emptyRedis.rss / MB },
      target: { max: 200, of: 'value' },
      note: `peak in the 1 s after: ${(full.rssAfter / MB).toFixed(0)} MB (empty Redis ${(emptyRedis.rssAfter / MB).toFixed(0)} MB)`,
    });
  } finally {
    client.disconnect();
    await queues.close();
    await redis.destroy();
  }
}
