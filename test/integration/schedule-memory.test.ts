// Issue 12: Redis holds each plan once. A 10,000-destination fleet (100 testpoints × 100 TEST-NET
// destinations, planned by psq's own fleet planner) is scheduled by the real scheduler role on real
// Redis, and its ticks run (each schedule's next tick is promoted, as if its hour had come) well past
// the completed-tick retention. The schedule state — every `<prefix>:schedule:*` key — must stay
// under 20 MB, and must stop growing once the retained completed ticks and the capped events stream
// are full: a tick is a reference (testpoint, schedule, plan hash), never the plan. Nothing is
// measured: no measure worker runs; the fanned-out measurement jobs are counted and dropped.
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { SCHEDULE_QUEUE } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import type { SchedulerRole } from '../../src/roles/scheduler-role.js';
import type { TickJobData } from '../../src/schedule/tick-job.js';
import { deletePrefix, TEST_REDIS_URL, testRedisOptions, uniquePrefix } from '../helpers/redis.js';
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
} from '../helpers/schedule-memory.js';

const TESTPOINTS = 100;
const HOSTS = 100;
/** The 20 MB, in decimal megabytes (the stricter reading). */
const LIMIT = 20_000_000;

const logger = createLogger({ level: 'silent' });
let prefix: string;
let queues: QueueRegistry;
let redis: Redis;
let role: SchedulerRole | undefined;

beforeEach(() => {
  prefix = uniquePrefix();
  queues = new QueueRegistry(testRedisOptions(), prefix, logger);
  redis = new Redis(TEST_REDIS_URL);
});
afterEach(async () => {
  await role?.close();
  role = undefined;
  await queues.close();
  redis.disconnect();
  // Always, pass or fail: a failed run leaves ~100,000 measurement jobs that nobody would look at.
  await deletePrefix(prefix);
});

describe('schedule state of a 10,000-destination fleet (real scheduler role, real Redis)', () => {
  it('stays under 20 MB and stops growing once completed ticks and events reach their retention', { timeout: 180_000 }, async () => {
    const started = Date.now();
    const schedules = plannedSchedules(TESTPOINTS, HOSTS);
    expect(schedules).toHaveLength(TESTPOINTS);
    expect(schedules.reduce((n, s) => n + s.specs.length, 0)).toBe(TESTPOINTS * HOSTS);
    // What one tick would hold if it carried its plan: the reference the tick size is held against.
    const planBytes = Math.min(...schedules.map((s) => JSON.stringify(s.specs).length));

    role = await startFleetScheduler(queues, schedules, logger);
    const scheduleQueue = queues.get<TickJobData>(SCHEDULE_QUEUE);
    const schedulers = await scheduleQueue.getJobSchedulers(0, -1);
    expect(schedulers).toHaveLength(TESTPOINTS);
    // The retention the bound rests on, as the scheduler set it, and BullMQ's cap on the events stream.
    const tickOpts = schedulers[0]!.template?.opts;
    const retained = typeof tickOpts?.removeOnComplete === 'object' ? tickOpts.removeOnComplete.count : undefined;
    const retainedFailed = typeof tickOpts?.removeOnFail === 'object' ? tickOpts.removeOnFail.count : undefined;
    expect(retained, 'ticks must keep a bounded number of completed jobs').toBeTypeOf('number');
    expect(retainedFailed, 'ticks must keep a bounded number of failed jobs').toBeTypeOf('number');
    const eventsCap = Number(await redis.hget(`${prefix}:${SCHEDULE_QUEUE}:meta`, 'opts.maxLenEvents'));
    expect(eventsCap).toBeGreaterThan(0);

    const afterSync = await scheduleState(redis, prefix);
    const states = new Map<number, ScheduleState>();
    let ticks = 0;
    let measureBytesFirstRound = 0;
    // Rounds of one tick per schedule: the completed ticks fill their retention after `retained` ticks;
    // two measurements past it show where the state levels off.
    const fullRounds = Math.ceil(retained! / TESTPOINTS) + 1;
    const marks = [1, Math.ceil(fullRounds / 2), fullRounds, fullRounds + 1];
    for (let round = 1; round <= marks.at(-1)!; round++) {
      const ran = await runTickRound(queues, TESTPOINTS);
      ticks += ran;
      // Each tick fanned out its schedule's plan from the scheduler's own configuration.
      expect(await waitingMeasureJobs(queues, schedules)).toBe(ran * HOSTS);
      if (round === 1) measureBytesFirstRound = (await measureQueueBytes(redis, prefix)).bytes;
      await dropMeasureQueues(redis, prefix);
      if (marks.includes(round)) states.set(ticks, await scheduleState(redis, prefix));
    }
    const [t1, tN, tFull, t2N] = [...states.keys()] as [number, number, number, number];
    const [s1, sN, sFull, s2N] = [...states.values()] as [ScheduleState, ScheduleState, ScheduleState, ScheduleState];

    // A failed tick keeps its reason and stack: its size bounds the retained failed ones.
    const largestFailed = await failedTickBytes(queues, redis);

    const perTick = (a: number, b: number, from: number, to: number) => (b - a) / (to - from);
    const earlyTickGrowth = perTick(s1.ticks.bytes, sN.ticks.bytes, t1, tN);
    const lateTickGrowth = perTick(sFull.ticks.bytes, s2N.ticks.bytes, tFull, t2N);
    const bytesPerEvent = s2N.events.bytes / s2N.events.length;
    // The most the schedule state can hold however many ticks run: its schedulers, each schedule's
    // next tick plus the retained completed ones at the largest tick seen, a full events stream, the
    // indexes (the completed one already at retention), and as many failed ticks as are kept, each
    // with an index entry no larger than a completed tick's share of the indexes.
    const ceiling =
      s2N.schedulers.bytes +
      (TESTPOINTS + retained!) * s2N.ticks.largest +
      eventsCap * bytesPerEvent +
      s2N.other.bytes +
      retainedFailed! * (largestFailed + s2N.other.bytes / retained!);
    // Were the plan in the ticks (the design this issue replaced), each Job Scheduler's template, each
    // next tick and each retained completed tick would hold it too: at least this much.
    const oldDesign = s2N.bytes + (2 * TESTPOINTS + retained!) * planBytes;
    console.log(
      `schedule state, ${TESTPOINTS * HOSTS} destinations in ${TESTPOINTS} schedules: sync ${afterSync.bytes} B;` +
        ` ${t1} ticks ${s1.bytes} B; ${tN} ticks ${sN.bytes} B; ${tFull} ticks ${sFull.bytes} B; ${t2N} ticks ${s2N.bytes} B` +
        ` (tick jobs ${s2N.ticks.keys} = ${s2N.ticks.bytes} B, largest ${s2N.ticks.largest} B, failed tick ${largestFailed} B; events ${s2N.events.length} = ${s2N.events.bytes} B; schedulers ${s2N.schedulers.bytes} B; other ${s2N.other.bytes} B);` +
        ` tick-job growth per tick ${earlyTickGrowth.toFixed(0)} B before retention, ${lateTickGrowth.toFixed(0)} B after;` +
        ` ceiling ${ceiling.toFixed(0)} B (retention ${retained} completed, ${retainedFailed} failed, events cap ${eventsCap});` +
        ` ticks carrying their plan (${planBytes} B) would hold ≥ ${oldDesign} B;` +
        ` measure queues ${measureBytesFirstRound} B per ${t1} ticks; ${ticks} ticks in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    expect(s2N.bytes).toBeLessThan(LIMIT);
    // A tick is a reference: far smaller than the plan it names (a tick carrying it would fail here).
    expect(s2N.ticks.largest).toBeLessThan(planBytes / 4);
    // Completed ticks are trimmed at their retention: the tick jobs stop growing once it is full…
    expect(sFull.ticks.keys).toBe(TESTPOINTS + retained!);
    expect(s2N.ticks.keys).toBe(TESTPOINTS + retained!);
    expect(earlyTickGrowth).toBeGreaterThan(0);
    expect(Math.abs(lateTickGrowth)).toBeLessThan(earlyTickGrowth / 20);
    // …and the events stream is capped (XADD MAXLEN ~ trims whole nodes of up to 100 entries).
    expect(s2N.events.length).toBeLessThanOrEqual(eventsCap + 100);
    // So however many ticks run, the state stays within a ceiling that is itself under 20 MB.
    expect(ceiling).toBeLessThan(LIMIT);
  });
});
