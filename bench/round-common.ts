// What the round scenarios share: real `psq start measure` processes (compiled CLI, BACKEND=pscheduler)
// with the stand-in pscheduler first on PATH, a round fanned out the way the scheduler does (the
// fleet plan's schedules, fanOut), and the bound the exclusivity rules impose, computed from the
// durations the stand-in itself recorded in this very run (PSQ_STANDIN_SPANS).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import type { Config } from '../src/config/config.js';
import type { MeasureJobData } from '../src/jobs/measure-job.js';
import { createLogger } from '../src/logger.js';
import { fleetSchedules, planFleet } from '../src/plan/fleet-plan.js';
import { QueueRegistry } from '../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../src/queues/redis-options.js';
import { fanOut, type FannedOutJob, measureJobOptions } from '../src/schedule/fan-out.js';
import { loadFleet } from '../src/cli/read-fleet-file.js';
import { REPO } from '../test/helpers/build.js';
import { overlappingSpans, readStandinSpans, type StandinSpan, standinPath } from '../test/helpers/standin-spans.js';
import { sleep } from './probes.js';

const PSQ = join(REPO, 'bin/psq.js');

export interface MeasureProcess {
  readonly testpoint: string;
  readonly spansFile: string;
  readonly pid: number;
  output(): string;
  stop(): Promise<void>;
}

/** `psq start measure` for `testpoint` with `env` (plus PATH with the stand-in); resolves once it is up. */
export async function startMeasure(dir: string, testpoint: string, env: Readonly<Record<string, string>>): Promise<MeasureProcess> {
  const spansFile = join(dir, `${testpoint}.spans`);
  mkdirSync(join(dir, testpoint), { recursive: true });
  // BENCH_PSQ_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the measure processes.
  const nodeArgs = (process.env['BENCH_PSQ_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const proc: ResultPromise = execa(process.execPath, [...nodeArgs, PSQ, 'start', 'measure'], {
    env: {
      PATH: standinPath(),
      HOME: dir,
      BACKEND: 'pscheduler',
      TESTPOINT: testpoint,
      DATA_DIR: join(dir, testpoint),
      LOG_FORMAT: 'json',
      PSQ_STANDIN_SPANS: spansFile,
      ...env,
    },
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    cwd: dir,
  });
  let out = '';
  proc.all?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  let exited = false;
  void proc.finally(() => (exited = true)).catch(() => undefined);
  const stop = async () => {
    if (!exited) proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await proc.catch(() => undefined);
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  while (!out.includes('measure role started')) {
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`psq start measure (${testpoint}) did not start:\n${out.slice(-3000)}`);
    }
    await sleep(50);
  }
  return { testpoint, spansFile, pid: proc.pid!, output: () => out, stop };
}

export interface RoundRun {
  readonly jobs: readonly FannedOutJob[];
  /** From the fan-out's start to the last job's finishedOn, ms. */
  readonly wallMs: number;
  readonly failed: number;
  readonly attemptsAbove1: number;
  /** The first failed job's reason, if any. */
  readonly firstFailure: string | null;
}

/**
 * Fans out one round of every testpoint of `config`'s fleet (FLEET_FILE, else its one testpoint),
 * schedule by schedule as the scheduler role does, and waits until every job is finished.
 */
export async function runRound(config: Config, redisUrl: string, timeoutMs: number): Promise<RoundRun> {
  const loaded = loadFleet(config);
  if (!loaded.ok) throw new Error(`fleet: ${JSON.stringify(loaded.problems)}`);
  const queues = new QueueRegistry(redisOptionsFromUrl(redisUrl), config.queuePrefix, createLogger({ level: 'silent' }));
  try {
    const schedules = fleetSchedules(planFleet(loaded.fleet));
    const slotMs = Date.now();
    const started = Date.now();
    const jobs: FannedOutJob[] = [];
    for (const s of schedules) jobs.push(...(await fanOut(s.specs, slotMs, (name) => queues.get<MeasureJobData>(name), measureJobOptions(config))));
    const deadline = started + timeoutMs;
    const byQueue = new Map<string, string[]>();
    for (const j of jobs) byQueue.set(j.queueName, [...(byQueue.get(j.queueName) ?? []), j.jobId]);
    for (;;) {
      let done = 0;
      for (const name of byQueue.keys()) {
        const counts = await queues.get(name).getJobCounts('completed', 'failed');
        done += (counts['completed'] ?? 0) + (counts['failed'] ?? 0);
      }
      if (done >= jobs.length) break;
      if (Date.now() > deadline) throw new Error(`round not done after ${timeoutMs} ms: ${done} of ${jobs.length} jobs finished`);
      await sleep(200);
    }
    let last = 0;
    let failed = 0;
    let attemptsAbove1 = 0;
    let firstFailure: string | null = null;
    for (const [name, ids] of byQueue) {
      for (const id of ids) {
        const job = await Job.fromId(queues.get(name), id);
        if (!job) throw new Error(`job ${id} is gone`);
        last = Math.max(last, job.finishedOn ?? 0);
        if (job.failedReason) {
          failed++;
          firstFailure ??= `${id}: ${job.failedReason}`;
        }
        if (job.attemptsMade > 1) attemptsAbove1++;
      }
    }
    return { jobs, wallMs: last - started, failed, attemptsAbove1, firstFailure };
  } finally {
    await queues.close();
  }
}

/** A round whose figures mean something: every job succeeded, and the stand-in recorded one run for each. */
export function assertRoundComplete(run: RoundRun, spans: readonly TaggedSpan[]): void {
  if (run.firstFailure !== null) throw new Error(`${run.failed} jobs failed; first: ${run.firstFailure}`);
  if (spans.length !== run.jobs.length) throw new Error(`the stand-in recorded ${spans.length} runs for ${run.jobs.length} jobs`);
}

export interface TaggedSpan extends StandinSpan {
  readonly testpoint: string;
}

export function spansOf(procs: readonly MeasureProcess[]): TaggedSpan[] {
  return procs.flatMap((p) => readStandinSpans(p.spansFile).map((s) => ({ ...s, testpoint: p.testpoint })));
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const duration = (s: Pick<StandinSpan, 'start' | 'end'>) => s.end - s.start;

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const x of xs) m.set(key(x), [...(m.get(key(x)) ?? []), x]);
  return m;
}

export interface ExclusivityBound {
  /** The bound, ms: the busiest testpoint's or destination's throughput time, or a testpoint's light tests spread over its concurrency. */
  readonly boundMs: number;
  /** What sets it, e.g. "throughput of testpoint tp-a". */
  readonly boundBy: string;
  readonly throughputRuns: number;
  /** Pairs of throughput runs that overlapped on one testpoint / at one destination. */
  readonly overlapPerTestpoint: number;
  readonly overlapPerDestination: number;
}

/**
 * The least time the round could take under the exclusivity rules, from the stand-in's recorded
 * durations: each testpoint runs its throughput tests one at a time, each destination takes one at
 * a time, and a testpoint's light tests run `concurrency` at a time.
 */
export function exclusivityBound(spans: readonly TaggedSpan[], concurrency: number): ExclusivityBound {
  const throughput = spans.filter((s) => s.test === 'throughput');
  const candidates: [number, string][] = [];
  for (const [tp, list] of groupBy(throughput, (s) => s.testpoint)) candidates.push([sum(list.map(duration)), `throughput of testpoint ${tp}`]);
  for (const [dest, list] of groupBy(throughput, (s) => s.dest)) candidates.push([sum(list.map(duration)), `throughput at destination ${dest}`]);
  for (const [tp, list] of groupBy(spans.filter((s) => s.test !== 'throughput'), (s) => s.testpoint)) {
    candidates.push([sum(list.map(duration)) / concurrency, `light tests of testpoint ${tp} / ${concurrency}`]);
  }
  const [boundMs, boundBy] = candidates.reduce((a, b) => (b[0] > a[0] ? b : a), [0, 'nothing']);
  let overlapPerTestpoint = 0;
  for (const list of groupBy(throughput, (s) => s.testpoint).values()) overlapPerTestpoint += overlappingSpans(list).length;
  let overlapPerDestination = 0;
  for (const list of groupBy(throughput, (s) => s.dest).values()) overlapPerDestination += overlappingSpans(list).length;
  return { boundMs, boundBy, throughputRuns: throughput.length, overlapPerTestpoint, overlapPerDestination };
}

/** Time between one throughput run's end and the next one's start on the same testpoint, ms (the hand-over cost). */
export function throughputGaps(spans: readonly TaggedSpan[]): number[] {
  const gaps: number[] = [];
  for (const list of groupBy(spans.filter((s) => s.test === 'throughput'), (s) => s.testpoint).values()) {
    const sorted = [...list].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) gaps.push(sorted[i]!.start - sorted[i - 1]!.end);
  }
  return gaps;
}
