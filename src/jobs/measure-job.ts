// What a measurement job carries, and the check that runs before anything is executed.
// Job data is untrusted (the dashboard or anyone with Redis access can write it): it must obey
// the same rules as the configuration, so Redis access never becomes command execution.
import type { Config } from '../config/config.js';
import { parseHostSpec } from '../config/hosts.js';
import { validateTestArgs } from '../config/test-args.js';
import { CATEGORY_INFO, isCategory } from '../plan/categories.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { parseMeasureJobId } from '../plan/job-id.js';
import { reverseSupport } from '../plan/plan.js';
import { clipText, jobDataSizeProblem, showValue } from './job-data-bounds.js';
import { queueNameFor } from '../queues/queue-names.js';

/**
 * Two forms. Compact (what the scheduler's fan-out writes): no spec; the job id names it
 * (measureJobId), and the measure worker takes the spec from its own plan (planned-specs.ts). It
 * keeps every field of the job's Redis hash within 64 bytes, so Redis stores the hash as a listpack:
 * a third of the memory of one carrying its spec. Full (jobs queued by an older psq, or by hand):
 * the spec itself, checked field by field and then against the plan.
 */
export interface MeasureJobData {
  readonly spec?: MeasurementSpec;
  /** The scheduled tick this measurement belongs to (ms since epoch). */
  readonly slotMs: number;
  /**
   * The next round's slot (ms since epoch): a measurement not started by then is dropped, not run
   * late (stale-round.ts). Absent for a round without a schedule (run-once).
   */
  readonly notAfterMs?: number;
}

/**
 * The backoff type of measure jobs (fan-out.ts measureJobOptions): the measure worker's own strategy
 * (measureWorkerOptions), which waits MEASURE_RETRY_DELAY_MS. Stored in fewer bytes than BullMQ's
 * fixed backoff with its delay.
 */
export const MEASURE_BACKOFF = 'psq';

/**
 * Measure worker options that used to ride in every job's opts (fan-out.ts measureJobOptions): a
 * job's own opts still win, so jobs queued by an older psq keep theirs.
 */
export function measureWorkerOptions(config: Pick<Config, 'measureRetryDelayMs'>): {
  readonly removeOnComplete: { readonly age: number; readonly count: number };
  readonly removeOnFail: { readonly age: number };
  readonly settings: { readonly backoffStrategy: () => number };
} {
  return {
    // Completed jobs must outlive a possible re-run of their tick, or a late duplicate fan-out
    // would add them again; a day is far longer than any tick retry.
    removeOnComplete: { age: 7 * 86400, count: 20000 },
    removeOnFail: { age: 30 * 86400 },
    // Called for backoff types BullMQ does not know: MEASURE_BACKOFF (and any other a forged job names).
    settings: { backoffStrategy: () => config.measureRetryDelayMs },
  };
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * Problems with the job, empty when it may run on this testpoint. `queueName`, when given, is the
 * queue the job was taken from: its category must belong there (a throughput job on measure-<tp>
 * would escape the one-at-a-time throughput queue). `jobId` is what a compact job (no spec) is
 * checked by: it must be a measure job id of this testpoint, of a category that belongs on the queue,
 * for the data's slot; whether it names a planned spec is planned-specs.ts's to say. Every quoted
 * value is clipped (showValue), and odd data (null, arrays, numbers where strings belong) gives a
 * problem, never a TypeError.
 */
export function validateMeasureJob(data: unknown, testpoint: string, queueName?: string, jobId?: string): string[] {
  const tooBig = jobDataSizeProblem(data);
  if (tooBig !== null) return [tooBig];
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [`job data ${showValue(data)} is not an object`];
  const { spec, slotMs, notAfterMs } = data as Partial<Record<keyof MeasureJobData, unknown>>;
  const problems: string[] = [];
  if (typeof slotMs !== 'number' || !Number.isSafeInteger(slotMs) || slotMs < 0) {
    problems.push(`slotMs ${showValue(slotMs)} must be a non-negative integer (ms since epoch)`);
  } else if (notAfterMs !== undefined && (typeof notAfterMs !== 'number' || !Number.isSafeInteger(notAfterMs) || notAfterMs <= slotMs)) {
    problems.push(`notAfterMs ${showValue(notAfterMs)} must be an integer after slotMs (${slotMs}) or absent`);
  }
  if (spec === undefined) return [...problems, ...compactJobProblems(jobId, typeof slotMs === 'number' ? slotMs : null, testpoint, queueName)];
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return [...problems, `spec ${showValue(spec)} is missing or not an object`];
  const s = spec as Record<string, unknown>;
  if (s['testpoint'] !== testpoint) {
    problems.push(`spec.testpoint ${showValue(s['testpoint'])} is not this testpoint (${testpoint})`);
  }
  const category = s['category'];
  if (typeof category !== 'string' || !isCategory(category)) {
    problems.push(`spec.category ${showValue(category)} is not a known category`);
    return problems;
  }
  if (queueName !== undefined && queueName !== queueNameFor(testpoint, category)) {
    problems.push(`spec.category ${showValue(category)} does not belong on queue ${queueName} (${category} runs on ${queueNameFor(testpoint, category)})`);
  }
  const tool = s['tool'];
  if (tool !== null && (typeof tool !== 'string' || !CATEGORY_INFO[category].tools.includes(tool))) {
    problems.push(`spec.tool ${showValue(tool)} is not a ${category} tool (${CATEGORY_INFO[category].tools.join(', ')}) or null`);
  }
  const dest = s['dest'] as Record<string, unknown> | null | undefined;
  const source = s['source'];
  if (typeof dest !== 'object' || dest === null || typeof dest['ip'] !== 'string' || typeof dest['name'] !== 'string') {
    problems.push(`spec.dest ${showValue(dest)} must be {ip, name} strings`);
  } else if (source !== null && typeof source !== 'string') {
    problems.push(`spec.source ${showValue(source)} must be a string or null`);
  } else {
    // Re-parse through the HOSTS rules: the destination must be one the configuration could hold.
    const ip = dest['ip'];
    const hostSpec = `${ip.includes(':') ? `[${ip}]` : ip}@${dest['name']}${source ? `%${source}` : ''}`;
    const parsed = parseHostSpec(hostSpec);
    if (!parsed.ok) {
      problems.push(`spec.dest ${showValue(hostSpec)} breaks the HOSTS rules: expected ${clipText(parsed.expected, 200)}`);
    } else if (parsed.value.ip !== ip || parsed.value.name !== dest['name'] || parsed.value.source !== source) {
      problems.push(`spec.dest ${showValue(hostSpec)} does not read back as the same destination`);
    }
  }
  const direction = s['direction'];
  if (direction !== 'forward' && direction !== 'reverse') {
    problems.push(`spec.direction ${showValue(direction)} must be forward or reverse`);
  } else if (direction === 'reverse' && (tool === null || typeof tool === 'string') && !reverseSupport(category, tool).ok) {
    problems.push(`spec.direction reverse is not measurable with ${category}/${clipText(tool ?? 'auto', 80)}`);
  }
  const args = s['args'];
  if (!isStringArray(args)) problems.push(`spec.args ${showValue(args)} must be an array of strings`);
  else problems.push(...validateTestArgs(category, args).map((p) => `spec.args: ${p}`));
  return problems;
}

/** Problems with the id of a compact job (one whose data carries no spec). */
function compactJobProblems(jobId: string | undefined, slotMs: number | null, testpoint: string, queueName: string | undefined): string[] {
  if (jobId === undefined) return ['spec is missing, and no job id was given to name it'];
  const parts = parseMeasureJobId(jobId, testpoint);
  if (parts === null) return [`job id ${showValue(jobId)} is not a measurement of this testpoint (${testpoint}), and the job data carries no spec`];
  const problems: string[] = [];
  if (!isCategory(parts.category)) return [`job id ${showValue(jobId)} names category ${showValue(parts.category)}, not a known category`];
  if (queueName !== undefined && queueName !== queueNameFor(testpoint, parts.category)) {
    problems.push(`job id ${showValue(jobId)} names category ${parts.category}, which does not belong on queue ${queueName} (${parts.category} runs on ${queueNameFor(testpoint, parts.category)})`);
  }
  if (slotMs !== null && parts.slotMs !== slotMs) problems.push(`job id ${showValue(jobId)} is for slot ${parts.slotMs}, not the data's slotMs ${slotMs}`);
  return problems;
}
