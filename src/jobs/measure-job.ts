// What a measurement job carries, and the check that runs before anything is executed.
// Job data is untrusted (the dashboard or anyone with Redis access can write it): it must obey
// the same rules as the configuration, so Redis access never becomes command execution.
import { parseHostSpec } from '../config/hosts.js';
import { validateTestArgs } from '../config/test-args.js';
import { CATEGORY_INFO, isCategory } from '../plan/categories.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import { reverseSupport } from '../plan/plan.js';
import { clipText, jobDataSizeProblem, showValue } from './job-data-bounds.js';
import { queueNameFor } from '../queues/queue-names.js';

export interface MeasureJobData {
  readonly spec: MeasurementSpec;
  /** The scheduled tick this measurement belongs to (ms since epoch). */
  readonly slotMs: number;
  /**
   * The next round's slot (ms since epoch): a measurement not started by then is dropped, not run
   * late (stale-round.ts). Absent for a round without a schedule (run-once).
   */
  readonly notAfterMs?: number;
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * Problems with the job, empty when it may run on this testpoint. `queueName`, when given, is the
 * queue the job was taken from: its category must belong there (a throughput job on measure-<tp>
 * would escape the one-at-a-time throughput queue). Every quoted value is clipped (showValue), and
 * odd data (null, arrays, numbers where strings belong) gives a problem, never a TypeError.
 */
export function validateMeasureJob(data: unknown, testpoint: string, queueName?: string): string[] {
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
