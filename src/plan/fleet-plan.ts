// Fleet → per testpoint its measurements, grouped into one schedule per distinct cron pattern (a
// testpoint's per-category `schedules` override its `schedule`). Pure: plan.ts decides the
// measurements, this file only splits them by pattern, carries the testpoint's spreading, and
// staggers the order of throughput runs across the fleet (staggerThroughput).
import { plannedFieldsOf, testpointLabel, type Fleet, type FleetTestpoint } from '../config/fleet.js';
import { schedulerIdFor, type RoundSchedule } from '../schedule/scheduler-sync.js';
import type { Category } from './categories.js';
import type { MeasurementSpec, PlanNote } from './measurement-spec.js';
import { plan, type PlanInput } from './plan.js';

/** One Job Scheduler's worth of a testpoint: what the scheduler role consumes (a RoundSchedule). */
export interface FleetSchedule extends RoundSchedule {
  /** The Job Scheduler's id (schedulerIdFor): stable while testpoint, pattern and tz stay. */
  readonly scheduleKey: string;
  /** The categories this pattern runs, in canonical order. */
  readonly categories: readonly Category[];
  readonly offsetMs: number;
  readonly slipMs: number;
}

export interface TestpointPlan {
  readonly testpoint: FleetTestpoint;
  /** How problems and notes name it: `testpoints[1] (ship-3)`, or `TESTPOINT tp` for the environment's. */
  readonly label: string;
  /** In the order of their first category; a pattern whose categories plan nothing is left out (and noted). */
  readonly schedules: readonly FleetSchedule[];
  readonly notes: readonly PlanNote[];
}

export interface FleetPlan {
  readonly fleet: Fleet;
  readonly testpoints: readonly TestpointPlan[];
}


/** The testpoint's categories by the cron pattern each runs on, patterns in the order of their first category. */
export function categoriesByPattern(testpoint: Pick<FleetTestpoint, 'tests' | 'schedule' | 'schedules'>): Map<string, Category[]> {
  const byPattern = new Map<string, Category[]>();
  for (const category of testpoint.tests) {
    const pattern = testpoint.schedules[category] ?? testpoint.schedule;
    byPattern.set(pattern, [...(byPattern.get(pattern) ?? []), category]);
  }
  return byPattern;
}

/**
 * The specs with their throughput runs taken destination by destination from a different starting
 * point for each testpoint of the fleet (the `index`-th of `fleetSize`, spread evenly over the
 * destinations); everything else keeps its place. Testpoints that share destinations fan their rounds
 * out at the same moment, and each takes its throughput jobs in order: started at the same
 * destination they would queue behind each other's lease at every step; started apart, each finds its
 * next destination free as the others move on.
 */
export function staggerThroughput(specs: readonly MeasurementSpec[], index: number, fleetSize: number): MeasurementSpec[] {
  const throughput = specs.filter((s) => s.category === 'throughput');
  const byDest = new Map<string, MeasurementSpec[]>();
  for (const s of throughput) {
    const ip = s.dest.ip.toLowerCase();
    byDest.set(ip, [...(byDest.get(ip) ?? []), s]);
  }
  const groups = [...byDest.values()];
  const shift = fleetSize > 1 ? Math.floor((index * groups.length) / fleetSize) % Math.max(groups.length, 1) : 0;
  if (shift === 0) return [...specs];
  const rotated = [...groups.slice(shift), ...groups.slice(0, shift)].flat();
  let next = 0;
  return specs.map((s) => (s.category === 'throughput' ? rotated[next++]! : s));
}

export function planTestpoint(fleet: Pick<Fleet, 'file'>, testpoint: FleetTestpoint, index: number, fleetSize = 1): TestpointPlan {
  const input: PlanInput = plannedFieldsOf(testpoint);
  const schedules: FleetSchedule[] = [];
  const notes: PlanNote[] = [];
  for (const [pattern, categories] of categoriesByPattern(testpoint)) {
    const part = plan({ ...input, tests: categories });
    notes.push(...part.notes);
    if (part.specs.length === 0) {
      notes.push({ category: categories.join(','), tool: null, message: `no schedule for "${pattern}": its categories plan no measurement` });
      continue;
    }
    const base = { testpoint: testpoint.id, pattern, tz: testpoint.tz };
    schedules.push({
      ...base,
      scheduleKey: schedulerIdFor(base),
      categories,
      specs: staggerThroughput(part.specs, index, fleetSize),
      offsetMs: testpoint.offsetMs,
      slipMs: testpoint.slipMs,
    });
  }
  return { testpoint, label: testpointLabel(fleet, index, testpoint.id), schedules, notes };
}

export function planFleet(fleet: Fleet): FleetPlan {
  return { fleet, testpoints: fleet.testpoints.map((t, i) => planTestpoint(fleet, t, i, fleet.testpoints.length)) };
}

/** Every schedule of the plan (or of the testpoints `only` names): what the scheduler role upserts. */
export function fleetSchedules(fleetPlan: FleetPlan, only?: ReadonlySet<string>): FleetSchedule[] {
  return fleetPlan.testpoints.filter((t) => only === undefined || only.has(t.testpoint.id)).flatMap((t) => t.schedules);
}

/** All measurements of a testpoint plan, schedule by schedule. */
export function testpointSpecs(testpointPlan: Pick<TestpointPlan, 'schedules'>): MeasurementSpec[] {
  return testpointPlan.schedules.flatMap((s) => s.specs);
}
