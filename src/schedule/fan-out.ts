// One tick → one measurement job per spec, on the owning testpoint's queue, with deterministic ids.
import { Job, type JobsOptions, type Queue } from 'bullmq';
import type { Config } from '../config/config.js';
import { MEASURE_BACKOFF, type MeasureJobData } from '../jobs/measure-job.js';
import { measureJobId } from '../plan/job-id.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { queueNameFor } from '../queues/queue-names.js';

/**
 * What each measure job's stored opts say, in as few bytes as BullMQ allows: Redis keeps a job's hash
 * compact (a listpack, a third of the memory) only while every field, opts included, is ≤ 64 bytes.
 * The rest is the measure worker's (measureWorkerOptions in measure-job.ts): how long completed and
 * failed jobs are kept, and the retry delay (MEASURE_BACKOFF names the worker's backoff strategy;
 * BullMQ's own fixed backoff is stored as {"delay":30000,"type":"fixed"}, 16 bytes longer).
 */
export function measureJobOptions(config: Pick<Config, 'measureAttempts'>): JobsOptions {
  return { attempts: config.measureAttempts, backoff: { type: MEASURE_BACKOFF } };
}

/**
 * A job whose stored opts leave out its id: BullMQ keeps the id in the opts it stores (the 50–100
 * byte measure job id would push them over 64 bytes) though it is the job's key already and nothing
 * reads it back from there (Queue.addBulk passes opts.jobId as the id, as createBulk below does).
 */
class IdlessOptsJob extends Job<MeasureJobData> {
  constructor(...[queue, name, data, opts, id]: ConstructorParameters<typeof Job<MeasureJobData>>) {
    const { jobId: _id, ...stored } = opts ?? {};
    super(queue, name, data, stored, id);
  }
}

/**
 * Redis keeps a job's hash compact (a listpack, a third of the memory) only while every field of it
 * is at most this many bytes (its hash-max-listpack-value default); the name is one of those fields.
 */
export const MAX_JOB_NAME_BYTES = 64;

/**
 * The job's name, for people (dashboards, logs): `rtt auto → site-a (192.0.2.10) forward`. Within
 * MAX_JOB_NAME_BYTES: a long one drops the address, then clips the destination's name (…).
 */
export function measureJobName(spec: MeasurementSpec): string {
  const head = `${spec.category} ${spec.tool ?? 'auto'} → `;
  const tail = ` ${spec.direction}`;
  const full = `${head}${spec.dest.name} (${spec.dest.ip})${tail}`;
  if (Buffer.byteLength(full) <= MAX_JOB_NAME_BYTES) return full;
  const room = MAX_JOB_NAME_BYTES - Buffer.byteLength(head) - Buffer.byteLength(tail);
  return `${head}${clipToBytes(spec.dest.name, room)}${tail}`;
}

/** `text` in at most `max` UTF-8 bytes, ending in … when cut (whole characters only). */
function clipToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text;
  let out = '';
  let bytes = Buffer.byteLength('…');
  for (const ch of text) {
    bytes += Buffer.byteLength(ch);
    if (bytes > max) break;
    out += ch;
  }
  return `${out}…`;
}

export interface FannedOutJob {
  readonly queueName: string;
  readonly jobId: string;
  readonly spec: MeasurementSpec;
}

export interface RoundTiming {
  /** The next round's slot: jobs not started by then are dropped (stale-round.ts). */
  readonly notAfterMs?: number;
  /** How long after the tick the round starts (the testpoint's offset plus its random slip). */
  readonly delayMs?: number;
}

/**
 * Specs per chunk (one addBulk per queue the chunk touches), and chunks in flight at once. One
 * addBulk of a whole round (70,000 jobs for 10,000 destinations) builds every job object and one
 * pipeline buffer of all their commands before Redis sees the first: hundreds of MB, and seconds
 * without the event loop (bench/scenarios/fanout.ts). Chunks hold memory and each synchronous
 * stretch to a chunk's worth, and a second in flight keeps Redis busy while the next is built.
 */
export const FAN_OUT_CHUNK = 250;
export const FAN_OUT_IN_FLIGHT = 2;

/**
 * Adds the round's jobs; returns every job id (already-present ones included: a re-run adds nothing).
 * Not atomic: a reader during the fan-out may see part of the round, and a fan-out that fails part-way
 * (Redis gone) has added some chunks; the tick's retry adds the rest (the ids are deterministic).
 */
export async function fanOut(
  specs: readonly MeasurementSpec[],
  slotMs: number,
  queueFor: (name: string) => Queue<MeasureJobData>,
  options: JobsOptions,
  timing: RoundTiming = {},
): Promise<FannedOutJob[]> {
  // The compact form (measure-job.ts): the id names the spec, and the measure worker takes it from its
  // own plan. A spec in the data (~200 B) would make every job's Redis hash a hashtable, not a listpack.
  const extraData = timing.notAfterMs !== undefined ? { notAfterMs: timing.notAfterMs } : {};
  const extraOpts = timing.delayMs ? { delay: timing.delayMs } : {};
  // Nothing runs over the whole plan at once: a chunk of specs is sorted onto its queues, given ids
  // and turned into jobs only when it is its turn (ids for all of 70,000 specs at once held the event
  // loop for 130–240 ms on the 2-core bench machine).
  const added: Array<Map<string, FannedOutJob[]>> = [];
  const chunks: Array<() => Promise<unknown>> = [];
  for (let i = 0; i < specs.length; i += FAN_OUT_CHUNK) {
    const at = chunks.length;
    chunks.push(async () => {
      const byQueue = new Map<string, FannedOutJob[]>();
      for (const spec of specs.slice(i, i + FAN_OUT_CHUNK)) {
        const queueName = queueNameFor(spec.testpoint, spec.category);
        let list = byQueue.get(queueName);
        if (list === undefined) {
          list = [];
          byQueue.set(queueName, list);
        }
        list.push({ queueName, jobId: measureJobId(spec, slotMs), spec });
      }
      added[at] = byQueue;
      // Settled, not raced: a failed add is reported only once its sibling on the other queue is done.
      const results = await Promise.allSettled(
        [...byQueue].map(([queueName, jobs]) =>
          IdlessOptsJob.createBulk(
            queueFor(queueName),
            jobs.map((j) => ({ name: measureJobName(j.spec), data: { slotMs, ...extraData }, opts: { ...options, jobId: j.jobId, ...extraOpts } })),
          ),
        ),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    });
  }
  await inBoundedFlight(chunks, FAN_OUT_IN_FLIGHT);
  // By queue (in the order the plan first names them), each in plan order.
  const byQueue = new Map<string, FannedOutJob[]>();
  for (const chunk of added) {
    for (const [queueName, jobs] of chunk) {
      const list = byQueue.get(queueName);
      if (list === undefined) byQueue.set(queueName, [...jobs]);
      else for (const j of jobs) list.push(j);
    }
  }
  return [...byQueue.values()].flat();
}

/** Runs `tasks` in order, at most `limit` at once; rejects with the first failure once none is left running. */
async function inBoundedFlight(tasks: ReadonlyArray<() => Promise<unknown>>, limit: number): Promise<void> {
  let next = 0;
  let failure: { readonly err: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < tasks.length) {
      const task = tasks[next++]!;
      try {
        await task();
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  if (failure !== null) throw (failure as { readonly err: unknown }).err;
}
