// overhead: what the measure worker itself costs per measurement, with a backend that answers at
// once (the rtt fixture, in memory, no child process): the real measure role and processor, a real
// DATA_DIR on disk, one archiver URL (its archive jobs are only queued: no archive worker runs).
// The jobs are the scheduler's own (fanOut with measureJobOptions), added to a paused queue and let
// go at once, so the figures hold only the worker's work.
//
// Latency per job (the targets: on jobs arriving paced, as a testpoint gets them; under a backlog of
// 1,000 as context, where a saturated worker's latency is concurrency / throughput): BullMQ's processedOn → finishedOn, i.e. dequeue → result and .meta kept (fsynced),
// marker written, archive job queued (the processor's end), at the role's default concurrency.
// BENCH_OVERHEAD_DATA_PARENT=/dev/shm puts DATA_DIR on tmpfs, to see what the disk's fsync costs.
// Redis per job: the round trips the worker's own connections make (counted client side, in ioredis:
// a pipeline or MULTI counts once; blocking pops, heartbeats and round records count too). A no-op
// BullMQ Worker on the same kind of jobs, same concurrency, same run is the ceiling: one round trip
// per job (complete it and fetch the next in one script); psq's extra is what psq adds on top.
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { type Job, type Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Config } from '../../src/config/config.js';
import type { MeasureJobData } from '../../src/jobs/measure-job.js';
import { keepResult } from '../../src/keep/keep-result.js';
import type { MeasureBackend } from '../../src/measure/backend.js';
import { recordMeasured } from '../../src/measure/measured-marker.js';
import { plan } from '../../src/plan/plan.js';
import { measureQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../../src/queues/redis-options.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { REPO } from '../../test/helpers/build.js';
import { testConfig } from '../../test/helpers/config.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import { ownCpuMs, percentile, redisCommands, sleep } from '../probes.js';
import type { BenchContext } from '../report.js';

const JOBS = Number(process.env['BENCH_OVERHEAD_JOBS'] ?? 1000);
const ROUNDS = Number(process.env['BENCH_OVERHEAD_ROUNDS'] ?? 2);
/** Jobs of the paced round, and the gap between two of them. */
const PACED_JOBS = Number(process.env['BENCH_OVERHEAD_PACED_JOBS'] ?? 300);
const PACED_EVERY_MS = 20;
/** BENCH_OVERHEAD_ONLY=psq: no no-op worker (to profile psq alone). */
const ONLY = process.env['BENCH_OVERHEAD_ONLY'];
/** BENCH_OVERHEAD_STATS=1: say which commands psq's round trips were. */
const STATS = process.env['BENCH_OVERHEAD_STATS'] === '1';
const ARCHIVER = 'http://127.0.0.1:9/ps';
const PSQ = 'bench-psq';
const NOOP = 'bench-noop';
const RTT = readFileSync(join(REPO, 'test/fixtures/pscheduler/rtt.json'), 'utf8');

/** The instant backend: the rtt fixture, kept in memory as the direct backend keeps its results. */
const instantBackend: MeasureBackend = {
  name: 'instant',
  supports: () => ({ ok: true }),
  run: async () => ({ kind: 'ran', diags: 'instant', output: RTT }),
};

interface RoundFigures {
  readonly latencies: number[];
  /** Round trips of the worker's connections (a pipeline counts once). */
  readonly trips: number;
  /** What Redis executed (INFO total_commands_processed): the commands sent plus those run inside scripts. */
  readonly executed: number;
  readonly wallMs: number;
  readonly cpuMs: number;
}

interface Counted {
  readonly trips: Map<string, number>;
  readonly byCommand: Map<string, number>;
}

/**
 * Counts what every ioredis connection of this process sends, by the BullMQ prefix in its first key
 * (the role's and the no-op worker's connections are made inside BullMQ and psq, out of reach).
 * Commands of a pipeline or MULTI arrive with the pipeline's collecting stream: counted once.
 */
function countRoundTrips(prefixes: readonly string[], ignore: (client: Redis) => boolean): Counted {
  const trips = new Map<string, number>();
  const byCommand = new Map<string, number>();
  const pipelines = new WeakSet<object>();
  const proto = Redis.prototype as unknown as { sendCommand: (this: Redis, command: { name: string; args: unknown[] }, stream?: object) => unknown };
  const original = proto.sendCommand;
  proto.sendCommand = function (command, stream) {
    if (!ignore(this)) {
      let owner = 'other';
      for (const a of command.args) {
        const p = typeof a === 'string' ? prefixes.find((x) => a.startsWith(`${x}:`)) : undefined;
        if (p !== undefined) {
          owner = p;
          break;
        }
      }
      const firstOfTrip = stream === undefined || !pipelines.has(stream);
      if (stream !== undefined) pipelines.add(stream);
      if (firstOfTrip) trips.set(owner, (trips.get(owner) ?? 0) + 1);
      if (STATS && owner === PSQ) {
        const what = `${command.name}${command.name === 'evalsha' ? ` ${String(command.args[0]).slice(0, 8)}` : ''}`;
        byCommand.set(what, (byCommand.get(what) ?? 0) + 1);
      }
    }
    return original.call(this, command, stream);
  };
  return { trips, byCommand };
}

/**
 * Adds JOBS scheduler jobs to `queueName` while it is paused, lets them go, waits until all are
 * completed (one ZCARD per poll, on a connection that is not counted) and reads each job's
 * processedOn → finishedOn.
 */
async function runRound(counted: Counted, counter: Redis, registry: QueueRegistry, config: Config, queueName: string, slotMs: number): Promise<RoundFigures> {
  const queue = registry.get<MeasureJobData>(queueName);
  await queue.pause();
  const specs = plan(config).specs.filter((s) => s.category === 'rtt').slice(0, JOBS);
  if (specs.length !== JOBS) throw new Error(`planned ${specs.length} rtt specs, expected ${JOBS}`);
  await fanOut(specs, slotMs, () => queue, measureJobOptions(config), { notAfterMs: slotMs + 3_600_000 });
  await sleep(200);
  const completedKey = `${registry.prefix}:${queueName}:completed`;
  const already = await counter.zcard(completedKey);
  const before = await redisCommands(counter);
  const trips0 = counted.trips.get(registry.prefix) ?? 0;
  const cpu0 = ownCpuMs();
  const t0 = performance.now();
  await queue.resume();
  let polls = 0;
  for (;;) {
    polls++;
    if ((await counter.zcard(completedKey)) >= already + JOBS) break;
    await sleep(20);
  }
  const wallMs = performance.now() - t0;
  const cpuMs = ownCpuMs() - cpu0;
  const trips = (counted.trips.get(registry.prefix) ?? 0) - trips0 - 1; // less the resume
  // The INFO that read `before` is counted in the next one; so are the polls and the resume.
  const executed = (await redisCommands(counter)) - before - polls - 1 - 1;
  const jobs = await queue.getJobs(['completed'], 0, -1);
  const failed = await queue.getJobCountByTypes('failed');
  if (failed > 0) throw new Error(`${failed} jobs failed on ${queueName}`);
  const mine = jobs.filter((j) => (j.data as MeasureJobData).slotMs === slotMs);
  const latencies = mine.map((j) => (j.finishedOn ?? Number.NaN) - (j.processedOn ?? Number.NaN));
  return { latencies, trips, executed, wallMs, cpuMs };
}

/**
 * The same jobs as a testpoint sees them: one at a time, PACED_EVERY_MS apart (a round of 100
 * destinations × 6 categories every 5 minutes is 2 a second; this is 25 times that), on a queue that
 * is running, so each job's processedOn → finishedOn is its own cost and not a wait behind a backlog.
 */
async function runPacedRound(registry: QueueRegistry, config: Config, queueName: string, slotMs: number): Promise<number[]> {
  const queue = registry.get<MeasureJobData>(queueName);
  const specs = plan(config).specs.filter((s) => s.category === 'rtt').slice(0, PACED_JOBS);
  const ids: string[] = [];
  for (const spec of specs) {
    const [added] = await fanOut([spec], slotMs, () => queue, measureJobOptions(config), { notAfterMs: slotMs + 3_600_000 });
    ids.push(added!.jobId);
    await sleep(PACED_EVERY_MS);
  }
  const jobs = await waitForJobs(queue, ids);
  return jobs.map((j) => (j.finishedOn ?? Number.NaN) - (j.processedOn ?? Number.NaN));
}

async function waitForJobs(queue: Queue<MeasureJobData>, ids: readonly string[]): Promise<Job<MeasureJobData>[]> {
  for (let i = 0; i < 500; i++) {
    const jobs = await Promise.all(ids.map((id) => queue.getJob(id)));
    if (jobs.every((j) => j?.finishedOn !== undefined)) return jobs as Job<MeasureJobData>[];
    await sleep(20);
  }
  throw new Error(`paced jobs on ${queue.name} did not all finish within 10 s`);
}

/** Round trips per second the worker's connections make with nothing to do (heartbeat, round records, idle polls). */
async function idleTripsPerSecond(counted: Counted, prefix: string, ms: number): Promise<number> {
  const t0 = counted.trips.get(prefix) ?? 0;
  await sleep(ms);
  return (((counted.trips.get(prefix) ?? 0) - t0) * 1000) / ms;
}

/**
 * What bounds the latency: the disk. One at a time, in the same DATA_DIR: the keeping alone (result
 * and .meta written and fsynced, named, marker written: what the processor does between the backend
 * and the archive job), and one bare write + fsync of a file that size.
 */
async function diskFloor(dataDir: string, n = 200): Promise<{ keepMs: number; fsyncMs: number }> {
  const keep: number[] = [];
  const sync: number[] = [];
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const jobId = `tp-floor__rtt__auto__10.9.${i >> 8}.${i & 255}__forward__${Date.now()}`;
    await keepResult(join(dataDir, 'floor', `f${i}@10.9.0.1_auto_20261201-120000Z_forward.json`), RTT, '{"run_id":"x"}\n', {
      whenNamed: (file) => recordMeasured(dataDir, jobId, 0, file, null),
    });
    keep.push(performance.now() - t);
    t = performance.now();
    const handle = await open(join(dataDir, 'floor', `bare-${i}`), 'wx');
    await handle.writeFile(RTT);
    await handle.sync();
    await handle.close();
    sync.push(performance.now() - t);
  }
  return { keepMs: percentile(keep, 50), fsyncMs: percentile(sync, 50) };
}

export default async function overhead(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const dataDir = mkdtempSync(join(process.env['BENCH_OVERHEAD_DATA_PARENT'] ?? tmpdir(), 'psq-bench-overhead-'));
  const counter = new Redis(redis.url);
  const counted = countRoundTrips([PSQ, NOOP], (client) => client === counter);
  // Production logs JSON lines synchronously to stdout; here to /dev/null, at the default level.
  const logger = pino({ level: 'info', base: { service: 'psq' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest: '/dev/null', sync: true }));
  const hosts = Array.from({ length: JOBS }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}@dest-${i}`).join(' ');
  const config = testConfig({ TESTPOINT: 'tp-bench', TESTS: 'rtt', HOSTS: hosts, DATA_DIR: dataDir, ARCHIVE_URLS: ARCHIVER, REDIS_URL: redis.url });
  const psqQueues = new QueueRegistry(redisOptionsFromUrl(redis.url), PSQ, logger);
  const noopQueues = new QueueRegistry(redisOptionsFromUrl(redis.url), NOOP, logger);
  const queueName = measureQueueName(config.testpoint);
  const role = await startMeasureRole({ config, queues: psqQueues, backend: instantBackend, logger, shutdownGraceMs: 5000 });
  // The ceiling: a BullMQ worker that does nothing, on the same kind of jobs, same concurrency.
  const noop = new Worker(queueName, async () => ({}), { connection: redisOptionsFromUrl(redis.url), prefix: NOOP, concurrency: config.measureConcurrency });
  try {
    const load = loadavg()[0]!.toFixed(1);
    ctx.say(`${JOBS} rtt jobs per round, ${ROUNDS} round(s) each, interleaved; concurrency ${config.measureConcurrency}; instant in-memory backend; 1 archiver URL (queued only); DATA_DIR in ${dataDir}; load average ${load} at start`);
    const psq: RoundFigures[] = [];
    const base: RoundFigures[] = [];
    await sleep(300); // both workers idle and waiting before the first round
    const idleRate = await idleTripsPerSecond(counted, PSQ, 3000);
    const started = performance.now();
    for (let r = 0; r < ROUNDS; r++) {
      // Within the scenario's budget on a busy machine: no further round after 20 s.
      if (r > 0 && performance.now() - started > 20_000) {
        ctx.say(`stopped after ${r} round(s): ${Math.round((performance.now() - started) / 1000)} s used (the machine is slow right now)`);
        break;
      }
      // Slots of rounds that are not over (stale-round.ts drops those), one per round.
      const slotMs = Math.floor(Date.now() / 300_000) * 300_000 - r * 300_000;
      if (ONLY !== 'psq') base.push(await runRound(counted, counter, noopQueues, config, queueName, slotMs));
      psq.push(await runRound(counted, counter, psqQueues, config, queueName, slotMs));
    }
    const per = (f: RoundFigures) =>
      `p50 ${percentile(f.latencies, 50)} ms, p99 ${percentile(f.latencies, 99)} ms, ${(f.trips / JOBS).toFixed(3)} round trips/job ` +
      `(${(f.executed / JOBS).toFixed(1)} commands executed by Redis, inside scripts included), ${(f.cpuMs / JOBS).toFixed(3)} ms CPU/job, ${Math.round((JOBS / f.wallMs) * 1000)} jobs/s`;
    for (const [i, f] of psq.entries()) {
      const b = base[i];
      ctx.say(`round ${i + 1}: psq ${per(f)}${b ? `; no-op worker ${per(b)}` : ''}`);
    }
    if (STATS) ctx.say(`psq's round trips by command, whole run: ${[...counted.byCommand].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    ctx.say(`load average ${loadavg()[0]!.toFixed(1)} at the end (2 cores: above 2, every figure here is stretched)`);

    const all = psq.flatMap((f) => f.latencies);
    const baseAll = base.flatMap((f) => f.latencies);
    const ceiling = (name: string, xs: number[], p: number) => (xs.length > 0 ? { baseline: { name, value: percentile(xs, p) } } : {});
    const paced = await runPacedRound(psqQueues, config, queueName, Math.floor(Date.now() / 300_000) * 300_000 - ROUNDS * 300_000);
    const pacedNote = `${paced.length} jobs arriving ${PACED_EVERY_MS} ms apart (${1000 / PACED_EVERY_MS}/s) on a running queue`;
    ctx.report({ figure: 'dequeue → kept and handed over, p50', value: percentile(paced, 50), unit: 'ms', target: { max: 3, of: 'value' }, note: pacedNote });
    ctx.report({ figure: 'dequeue → kept and handed over, p99', value: percentile(paced, 99), unit: 'ms', target: { max: 10, of: 'value' }, note: pacedNote });
    const backlogNote = `${JOBS} jobs queued at once, ${config.measureConcurrency} at a time: a saturated worker, so latency ≈ concurrency / throughput`;
    ctx.report({ figure: 'under a backlog: dequeue → kept and handed over, p50', value: percentile(all, 50), unit: 'ms', ...ceiling('no-op BullMQ worker p50', baseAll, 50), note: backlogNote });
    ctx.report({ figure: 'under a backlog: dequeue → kept and handed over, p99', value: percentile(all, 99), unit: 'ms', ...ceiling('no-op BullMQ worker p99', baseAll, 99), note: backlogNote });
    const floor = await diskFloor(dataDir);
    ctx.report({ figure: 'keeping alone (result + .meta fsynced, marker), one at a time, p50', value: floor.keepMs, unit: 'ms', note: `one bare write + fsync here: ${floor.fsyncMs.toFixed(2)} ms` });
    const mean = (fs: RoundFigures[], pick: (f: RoundFigures) => number) => fs.reduce((sum, f) => sum + pick(f), 0) / (JOBS * fs.length);
    const noopMean = (pick: (f: RoundFigures) => number) => (base.length > 0 ? { baseline: { name: 'no-op BullMQ worker', value: mean(base, pick) } } : {});
    const trips = mean(psq, (f) => f.trips);
    const background = (idleRate * psq.reduce((sum, f) => sum + f.wallMs, 0)) / 1000 / (JOBS * psq.length);
    ctx.report({
      figure: 'Redis round trips per measurement',
      value: trips - background,
      unit: 'round trips',
      ...noopMean((f) => f.trips),
      target: { max: 2, of: 'value' },
      note: `what the worker sent while measuring, less what it sends idle over as long (${idleRate.toFixed(1)}/s: heartbeat, round records, idle polls, measured before the rounds)`,
    });
    ctx.report({ figure: 'Redis round trips per measurement, background included', value: trips, unit: 'round trips', ...noopMean((f) => f.trips) });
    if (base.length > 0) ctx.report({ figure: 'Redis round trips per measurement over a no-op worker', value: trips - mean(base, (f) => f.trips), unit: 'round trips' });
    ctx.report({ figure: 'worker CPU per measurement', value: mean(psq, (f) => f.cpuMs), unit: 'ms', ...noopMean((f) => f.cpuMs), note: 'all threads of the process: fs calls run on the libuv pool' });
    const rate = (fs: RoundFigures[]) => (JOBS * fs.length) / (fs.reduce((sum, f) => sum + f.wallMs, 0) / 1000);
    ctx.report({ figure: 'measurements per second', value: rate(psq), unit: '/s', ...(base.length > 0 ? { baseline: { name: 'no-op BullMQ worker', value: rate(base) } } : {}) });
  } finally {
    await noop.close();
    await role.close();
    await psqQueues.close();
    await noopQueues.close();
    counter.disconnect();
    await redis.destroy();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
