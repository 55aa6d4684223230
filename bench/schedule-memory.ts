// Benchmark (issue 12): Redis memory of the schedule state of a 10,000-destination fleet (100
// testpoints × 100 destinations, one hourly schedule each) as ticks run, on a private redis-server.
// The reference printed beside it, measured in the same run: the plan's own JSON, and what the
// retained ticks would hold if each carried its plan (the design before ticks became references).
// Target: schedule state under 20 MB however many ticks have run. Prints figures; asserts nothing.
import { Redis } from 'ioredis';
import { createLogger } from '../src/logger.js';
import { SCHEDULE_QUEUE } from '../src/queues/queue-names.js';
import { QueueRegistry } from '../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../src/queues/redis-options.js';
import { privateRedis } from '../test/helpers/private-redis.js';
import {
  dropMeasureQueues,
  failedTickBytes,
  measureQueueBytes,
  plannedSchedules,
  runTickRound,
  scheduleState,
  startFleetScheduler,
  waitingMeasureJobs,
  type ScheduleState,
} from '../test/helpers/schedule-memory.js';

const TESTPOINTS = Number(process.env['BENCH_SCHEDULE_TESTPOINTS'] ?? 100);
const HOSTS = Number(process.env['BENCH_SCHEDULE_HOSTS'] ?? 100);
/** N, in rounds (one tick per schedule each): figures after 1, N, 2N and 3N rounds. */
const ROUNDS = Number(process.env['BENCH_SCHEDULE_ROUNDS'] ?? 10);
/** The 20 MB, in decimal megabytes (the stricter reading). */
const LIMIT = 20_000_000;

const mb = (b: number) => `${(b / 1024 / 1024).toFixed(2)} MiB`;
const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;

async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

function line(label: string, ticks: number, s: ScheduleState, used: number, base: number): string {
  return (
    `  ${label.padEnd(14)} ${String(ticks).padStart(5)} ticks: schedule state ${mb(s.bytes)} in ${s.keys} keys` +
    ` (schedulers ${kb(s.schedulers.bytes)}, tick jobs ${s.ticks.keys} = ${kb(s.ticks.bytes)}, events ${s.events.length} = ${kb(s.events.bytes)}, other ${kb(s.other.bytes)});` +
    ` used_memory +${mb(used - base)}`
  );
}

export async function benchScheduleMemory(): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const logger = createLogger({ level: 'silent' });
  const queues = new QueueRegistry(redisOptionsFromUrl(redis.url), 'bench', logger);
  const client = new Redis(redis.url);
  try {
    const schedules = plannedSchedules(TESTPOINTS, HOSTS);
    const destinations = schedules.reduce((n, s) => n + s.specs.length, 0);
    const planJson = JSON.stringify(schedules.map((s) => s.specs));
    const perSchedulePlan = Math.max(...schedules.map((s) => JSON.stringify(s.specs).length));
    console.log(`schedule state: ${TESTPOINTS} testpoints × ${HOSTS} destinations = ${destinations} measurements in ${schedules.length} schedules`);
    console.log(`  reference: the whole plan as JSON ${mb(planJson.length)}; one schedule's plan ${kb(perSchedulePlan)}`);

    await queues.get(SCHEDULE_QUEUE).waitUntilReady();
    const base = await usedMemory(client);
    const t0 = performance.now();
    const role = await startFleetScheduler(queues, schedules, logger);
    console.log(`  sync of ${schedules.length} job schedulers: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    // The bounds as the scheduler set them: completed and failed ticks kept, and the events stream's cap.
    const opts = (await queues.get(SCHEDULE_QUEUE).getJobSchedulers(0, 0))[0]?.template?.opts;
    const retainedTicks = typeof opts?.removeOnComplete === 'object' ? (opts.removeOnComplete.count ?? Number.NaN) : Number.NaN;
    const retainedFailed = typeof opts?.removeOnFail === 'object' ? (opts.removeOnFail.count ?? Number.NaN) : Number.NaN;
    const eventsCap = Number(await client.hget(`${queues.prefix}:${SCHEDULE_QUEUE}:meta`, 'opts.maxLenEvents'));
    // Before ticks were references, each Job Scheduler's template, each next tick and each retained
    // completed tick held its schedule's plan.
    const oldDesignExtra = (2 * schedules.length + retainedTicks) * perSchedulePlan;
    console.log(`  reference: ticks carrying their plan would add ${mb(oldDesignExtra)} once ${retainedTicks} completed ticks are retained (target: state < 20 MB = ${mb(LIMIT)})`);
    try {
      console.log(line('after sync', 0, await scheduleState(client, queues.prefix), await usedMemory(client), base));
      let ticks = 0;
      let rounds = 0;
      let measureBytes = 0;
      let measureJobs = 0;
      let tickSeconds = 0;
      const marks: Array<[string, number]> = [
        ['after 1 round', 1],
        ['after N', ROUNDS],
        ['after 2N', 2 * ROUNDS],
        ['after 3N', 3 * ROUNDS],
      ];
      const at: number[] = [];
      for (const [label, until] of marks) {
        const t = performance.now();
        while (rounds < until) {
          ticks += await runTickRound(queues, schedules.length);
          rounds++;
          // The fanned-out measurement jobs are the measure queues' state, not the schedule's: counted
          // (sized after the first round), then dropped.
          measureJobs += await waitingMeasureJobs(queues, schedules);
          if (rounds === 1) measureBytes = (await measureQueueBytes(client, queues.prefix)).bytes;
          await dropMeasureQueues(client, queues.prefix);
        }
        tickSeconds += (performance.now() - t) / 1000;
        const s = await scheduleState(client, queues.prefix);
        at.push(s.bytes);
        console.log(line(label, ticks, s, await usedMemory(client), base));
      }
      const last = await scheduleState(client, queues.prefix);
      const failed = await failedTickBytes(queues, client);
      const ceiling =
        last.schedulers.bytes +
        (schedules.length + retainedTicks) * last.ticks.largest +
        eventsCap * (last.events.bytes / last.events.length) +
        last.other.bytes +
        retainedFailed * (failed + last.other.bytes / retainedTicks);
      console.log(
        `  ceiling however many ticks run: ${mb(ceiling)} (${schedules.length} next + ${retainedTicks} completed ticks of ≤ ${last.ticks.largest} B, ${retainedFailed} failed of ${failed} B, ${eventsCap} events); ticks carrying their plan: ≥ ${mb(last.bytes + oldDesignExtra)}`,
      );
      const n = ROUNDS * schedules.length;
      console.log(
        `  growth per tick: N→2N ${((at[2]! - at[1]!) / n).toFixed(0)} bytes, 2N→3N ${((at[3]! - at[2]!) / n).toFixed(0)} bytes (completed ticks retained: ${retainedTicks}; events capped at ${eventsCap})`,
      );
      console.log(
        `  measure queues (not schedule state): ${measureJobs} measurement jobs fanned out; the first round's ${schedules.length} ticks put ${mb(measureBytes)} there (${Math.round(measureBytes / schedules.length)} bytes per tick of ${HOSTS} jobs)`,
      );
      console.log(`  ${ticks} ticks in ${tickSeconds.toFixed(1)} s (${Math.round(ticks / tickSeconds)} ticks/s, with counting and dropping their measurement jobs)`);
    } finally {
      await role.close();
    }
  } finally {
    client.disconnect();
    await queues.close();
    await redis.destroy();
  }
}
