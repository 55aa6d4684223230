// A large fleet's schedules run by the real scheduler role, and what its schedule state costs in
// Redis (issue 12): shared by test/integration/schedule-memory.test.ts and bench/scenarios/schedule-state.ts.
// Nothing is measured: no measure worker runs, so the ticks' measurement jobs only wait in
// measure-<tp>, and are dropped between phases to keep the shared Redis small.
import { Redis } from 'ioredis';
import { parseFleetFile } from '../../src/config/fleet-file.js';
import type { Logger } from '../../src/logger.js';
import { fleetSchedules, planFleet, type FleetSchedule } from '../../src/plan/fleet-plan.js';
import { measureQueueName, SCHEDULE_QUEUE } from '../../src/queues/queue-names.js';
import type { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startSchedulerRole, type SchedulerRole } from '../../src/roles/scheduler-role.js';
import type { TickJobData } from '../../src/schedule/tick-job.js';
import { testConfig } from './config.js';
import { eventually } from './eventually.js';

/** TEST-NET-1, -2 and -3 (RFC 5737): documentation addresses, never routed. */
const TEST_NETS = ['192.0.2', '198.51.100', '203.0.113'] as const;

/** A fleet file: `testpoints` testpoints, each measuring rtt hourly to `hosts` named TEST-NET destinations. */
export function fleetYaml(testpoints: number, hosts: number): string {
  if (hosts > 254) throw new Error(`hosts ${hosts}: one TEST-NET /24 holds at most 254 destinations per testpoint`);
  const lines = ['defaults:', '  tests: [rtt]', '  schedule: "0 * * * *"', '  reverse: false', 'testpoints:'];
  for (let t = 0; t < testpoints; t++) {
    const net = TEST_NETS[t % TEST_NETS.length]!;
    const list = Array.from({ length: hosts }, (_, h) => `${net}.${h + 1}@dest-${t}-${h}`).join(' ');
    lines.push(`  - id: tp-${t}`, `    hosts: "${list}"`);
  }
  return `${lines.join('\n')}\n`;
}

/** The fleet's schedules as the scheduler role gets them from FLEET_FILE: parsed and planned by psq's own code. */
export function plannedSchedules(testpoints: number, hosts: number): FleetSchedule[] {
  const parsed = parseFleetFile(fleetYaml(testpoints, hosts), 'yaml', 'fleet.yaml');
  if (!parsed.ok) throw new Error(`generated fleet file refused: ${parsed.problems.map((p) => `${p.variable}: ${p.expected}`).join('; ')}`);
  return fleetSchedules(planFleet(parsed.fleet));
}

export function startFleetScheduler(queues: QueueRegistry, schedules: readonly FleetSchedule[], logger: Logger): Promise<SchedulerRole> {
  return startSchedulerRole({ config: testConfig({}), schedules, queues, logger, ownsAllSchedules: true });
}

export interface KeyBytes {
  readonly keys: number;
  readonly bytes: number;
}

/** Every key matching `pattern`, and the sum of their MEMORY USAGE (SAMPLES 0: every element counted). */
export async function keyBytes(redis: Redis, pattern: string): Promise<KeyBytes & { readonly perKey: Map<string, number> }> {
  const perKey = new Map<string, number>();
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (batch.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of batch) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const sizes = (await pipeline.exec()) ?? [];
    batch.forEach((key, i) => {
      const [err, size] = sizes[i]!;
      // A key gone between SCAN and MEMORY USAGE answers null: it holds nothing any more.
      if (err === null && typeof size === 'number') perKey.set(key, size);
    });
  } while (cursor !== '0');
  let bytes = 0;
  for (const size of perKey.values()) bytes += size;
  return { keys: perKey.size, bytes, perKey };
}

export interface ScheduleState extends KeyBytes {
  /** The Job Schedulers: the `repeat` index and one hash each (template data, pattern). */
  readonly schedulers: KeyBytes;
  /** Tick job hashes: the delayed next tick of each schedule, and completed ticks still retained. */
  readonly ticks: KeyBytes & { readonly largest: number };
  /** `<prefix>:schedule:events`, and its length (capped by BullMQ's maxLenEvents). */
  readonly events: KeyBytes & { readonly length: number };
  /** The rest: delayed/completed indexes, meta, id counter, markers. */
  readonly other: KeyBytes;
}

/** The schedule queue's keys in Redis, by kind. */
export async function scheduleState(redis: Redis, prefix: string): Promise<ScheduleState> {
  const base = `${prefix}:${SCHEDULE_QUEUE}`;
  const all = await keyBytes(redis, `${base}:*`);
  const sum = (pred: (key: string) => boolean): KeyBytes & { largest: number } => {
    let keys = 0;
    let bytes = 0;
    let largest = 0;
    for (const [key, size] of all.perKey) {
      if (!pred(key)) continue;
      keys++;
      bytes += size;
      largest = Math.max(largest, size);
    }
    return { keys, bytes, largest };
  };
  // BullMQ's job scheduler keys: `repeat` (index), `repeat:<scheduler>` (its hash), `repeat:<scheduler>:<slot ms>` (a tick job).
  const isTick = (key: string) => /^repeat:.+:\d+$/.test(key.slice(base.length + 1));
  const isScheduler = (key: string) => !isTick(key) && (key === `${base}:repeat` || key.startsWith(`${base}:repeat:`));
  const isEvents = (key: string) => key === `${base}:events`;
  return {
    keys: all.keys,
    bytes: all.bytes,
    schedulers: sum(isScheduler),
    ticks: sum(isTick),
    events: { ...sum(isEvents), length: await redis.xlen(`${base}:events`) },
    other: sum((k) => !isTick(k) && !isScheduler(k) && !isEvents(k)),
  };
}

/**
 * One tick per schedule: promotes every schedule's next (delayed) tick, as if its hour had come, and
 * waits until the scheduler role has fanned each one out and its Job Scheduler has queued the next.
 * `count` promotes only that many of them (the first in delayed order). Returns how many ticks ran.
 */
export async function runTickRound(queues: QueueRegistry, schedules: number, timeoutMs = 60_000, count = schedules): Promise<number> {
  const queue = queues.get<TickJobData>(SCHEDULE_QUEUE);
  const delayed = await queue.getDelayed(0, -1);
  if (delayed.length !== schedules) throw new Error(`expected one delayed tick per schedule (${schedules}), found ${delayed.length}`);
  const promoted = delayed.slice(0, count);
  await Promise.all(promoted.map((job) => job.promote()));
  let last = '';
  await eventually(
    async () => {
      const c = await queue.getJobCounts('waiting', 'active', 'prioritized', 'delayed', 'failed');
      last = JSON.stringify(c);
      if ((c['failed'] ?? 0) > 0) throw new Error(`a tick failed: ${last}`);
      return c['waiting'] === 0 && c['active'] === 0 && c['prioritized'] === 0 && c['delayed'] === schedules;
    },
    { timeoutMs, intervalMs: 20, what: () => `the scheduler role to process ${promoted.length} promoted ticks (last counts ${last})` },
  );
  return promoted.length;
}

/**
 * The size of a failed tick: `count` ticks made by hand with a real tick's data and options, which the
 * scheduler role refuses (no Job Scheduler made them); returns the largest, reason and stack included.
 */
export async function failedTickBytes(queues: QueueRegistry, redis: Redis, count = 10): Promise<number> {
  const queue = queues.get<TickJobData>(SCHEDULE_QUEUE);
  const template = (await queue.getJobSchedulers(0, 0))[0]?.template;
  if (template?.data === undefined) throw new Error('no job scheduler to copy a tick from');
  const failedBefore = await queue.getFailedCount();
  const ids = Array.from({ length: count }, (_, i) => `refused-${i}`);
  await queue.addBulk(ids.map((jobId) => ({ name: `round ${template.data!.testpoint}`, data: template.data!, opts: { ...template.opts, jobId } })));
  await eventually(async () => (await queue.getFailedCount()) === failedBefore + count, { what: `the scheduler role to refuse ${count} hand-made ticks` });
  const sizes = await Promise.all(ids.map(async (id) => Number(await redis.memory('USAGE', `${queues.prefix}:${SCHEDULE_QUEUE}:${id}`, 'SAMPLES', 0))));
  return Math.max(...sizes);
}

/** The measurement jobs the ticks fanned out (measure-<tp> and throughput-<tp> queues). */
export function measureQueueBytes(redis: Redis, prefix: string): Promise<KeyBytes & { readonly perKey: Map<string, number> }> {
  return keyBytes(redis, `${prefix}:measure-*`);
}

/** Drops the fanned-out measurement jobs (no worker would ever take them here), keeping Redis small. */
export async function dropMeasureQueues(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:measure-*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

export async function waitingMeasureJobs(queues: QueueRegistry, schedules: readonly FleetSchedule[]): Promise<number> {
  let n = 0;
  for (const tp of new Set(schedules.map((s) => s.testpoint))) n += await queues.get(measureQueueName(tp)).getWaitingCount();
  return n;
}
