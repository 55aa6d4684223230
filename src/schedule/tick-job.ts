// What a schedule tick job carries, and the check the scheduler runs before fanning one out. A
// tick is a reference — testpoint, schedule (the Job Scheduler's id) and plan hash — never the plan:
// the scheduler fans out the plan its own configuration gives for that schedule. A tick added by
// hand (dashboard "add job", Redis access) therefore cannot put jobs on any testpoint's queue
// beyond the rounds the configuration already plans. Pure.
import { showValue, jobDataSizeProblem } from '../jobs/job-data-bounds.js';

export interface TickJobData {
  readonly testpoint: string;
  /** The Job Scheduler that made the tick (schedulerIdFor). */
  readonly schedule: string;
  /** planHash of the specs the schedule was upserted with: which configuration the tick belongs to. */
  readonly planHash: string;
}

/** What this scheduler owns: schedule id → its testpoint and plan hash. */
export type OwnSchedules = ReadonlyMap<string, { readonly testpoint: string; readonly planHash: string }>;

export type TickCheck =
  /** Fan out this scheduler's own plan for `schedule`. */
  | { readonly kind: 'own'; readonly schedule: string }
  /**
   * Well-formed, but for a schedule or plan version this scheduler does not have: another scheduler
   * process (another testpoint's, or a replica with a newer configuration) may own it.
   */
  | { readonly kind: 'not-own'; readonly schedule: string; readonly reason: string }
  /** Refuse at once. */
  | { readonly kind: 'refuse'; readonly problems: readonly string[] };

const FIELDS = ['testpoint', 'schedule', 'planHash'] as const;
const TESTPOINT = /^[A-Za-z0-9._-]{1,64}$/;
const PLAN_HASH = /^[0-9a-f]{16}$/;
const SCHEDULE_PREFIX = 'round__';

/**
 * Checks a tick's data against the job it came in (`job.id`, `job.repeatJobKey`) and this
 * scheduler's own schedules.
 */
export function checkTick(data: unknown, job: { readonly id: string; readonly repeatJobKey?: string | undefined }, own: OwnSchedules): TickCheck {
  const tooBig = jobDataSizeProblem(data);
  if (tooBig !== null) return { kind: 'refuse', problems: [tooBig] };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return { kind: 'refuse', problems: [`tick data ${showValue(data)} is not an object`] };
  }
  const d = data as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(d)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      problems.push(`tick field ${showValue(key)} is not allowed: a tick names its schedule (${FIELDS.join(', ')}); the plan comes from the scheduler's configuration`);
    }
  }
  const { testpoint, schedule, planHash } = d;
  if (typeof testpoint !== 'string' || !TESTPOINT.test(testpoint)) problems.push(`testpoint ${showValue(testpoint)} is not a testpoint id`);
  if (typeof planHash !== 'string' || !PLAN_HASH.test(planHash)) problems.push(`planHash ${showValue(planHash)} is not 16 hex digits`);
  if (typeof schedule !== 'string' || !schedule.startsWith(`${SCHEDULE_PREFIX}${String(testpoint)}__`)) {
    problems.push(`schedule ${showValue(schedule)} is not a schedule of testpoint ${showValue(testpoint)}`);
  } else {
    // A tick is made by its Job Scheduler: id repeat:<schedule>:<slot ms>, repeatJobKey = schedule.
    if (job.repeatJobKey !== schedule) {
      problems.push(`schedule ${showValue(schedule)} did not make this job (its job scheduler: ${showValue(job.repeatJobKey ?? null)})`);
    }
    if (!new RegExp(`^repeat:${escapeRegExp(schedule)}:\\d+$`).test(job.id)) {
      problems.push(`job id ${showValue(job.id)} is not a tick id of schedule ${showValue(schedule)} (repeat:<schedule>:<slot ms>)`);
    }
  }
  if (problems.length > 0) return { kind: 'refuse', problems };
  const tick = data as TickJobData;
  const mine = own.get(tick.schedule);
  if (mine === undefined) return { kind: 'not-own', schedule: tick.schedule, reason: `testpoint ${tick.testpoint}'s schedule ${tick.schedule} is not scheduled by this scheduler` };
  if (mine.testpoint !== tick.testpoint) {
    return { kind: 'refuse', problems: [`testpoint ${showValue(tick.testpoint)} does not own schedule ${showValue(tick.schedule)} (${mine.testpoint} does)`] };
  }
  if (mine.planHash !== tick.planHash) {
    return { kind: 'not-own', schedule: tick.schedule, reason: `planHash ${tick.planHash} is not this scheduler's plan for ${tick.schedule} (${mine.planHash})` };
  }
  return { kind: 'own', schedule: tick.schedule };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
