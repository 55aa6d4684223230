// Overbooking, caught at plan time: throughput tests are exclusive (one at a time per testpoint, and
// per destination across testpoints), so the throughput seconds one period needs must fit in the
// period, or rounds pile up as tests that never start — the most common perfSONAR complaint. Pure.
import { CronExpressionParser } from 'cron-parser';

import { parseDuration } from '../config/iso-duration.js';
import type { ConfigProblem } from '../errors.js';
import type { FleetPlan, FleetSchedule } from './fleet-plan.js';
import type { MeasurementSpec } from './measurement-spec.js';

/** iperf3's own default duration, which pScheduler also uses when `-t` is absent (iperf3_defaults.py). */
export const DEFAULT_THROUGHPUT_DURATION_S = 10;

/**
 * Seconds each throughput test holds the slot beyond its `-t` and `-O`: pScheduler's iperf3 tool
 * reserves 3 s for the server to start before the client (DEFAULT_WAIT_SLEEP) and 4 s for the
 * control session (DEFAULT_FUDGE_FACTOR) in its time slot; the direct backend spends about the same
 * starting and stopping iperf3, so one allowance serves both.
 */
export const THROUGHPUT_SETUP_ALLOWANCE_S = 7;

/**
 * How many fire times of a cron pattern are looked at for its period, from the reference time and
 * around each DST change: 100 cover a week of an hourly pattern, three months of a daily one, two
 * years of a weekly one; cron-parser takes about a millisecond per fire.
 */
const PERIOD_MAX_FIRES = 100;
const PERIOD_WINDOW_MS = 8 * 366 * 86_400_000;
/** A fixed start, so the same fleet always gets the same verdict (and tests do not depend on today). */
export const PERIOD_REFERENCE_MS = Date.UTC(2026, 0, 1);

/** How long one throughput measurement holds the slot, seconds; 0 for any other category. */
export function throughputSeconds(spec: Pick<MeasurementSpec, 'category' | 'args'>): number {
  if (spec.category !== 'throughput') return 0;
  const duration = lastFlagValue(spec.args, ['-t', '--duration']) ?? DEFAULT_THROUGHPUT_DURATION_S;
  const omit = lastFlagValue(spec.args, ['-O', '--omit']) ?? 0;
  return duration + omit + THROUGHPUT_SETUP_ALLOWANCE_S;
}

/** The value of the last of `names` in `args` (as the tools read it: the last one wins), in seconds. */
function lastFlagValue(args: readonly string[], names: readonly string[]): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    let text: string | undefined;
    if (names.includes(arg)) text = args[++i];
    else if (arg.startsWith('--') && eq > 0 && names.includes(arg.slice(0, eq))) text = arg.slice(eq + 1);
    if (text === undefined) continue;
    const seconds = parseDuration(text);
    if (seconds !== undefined) found = seconds;
  }
  return found;
}

export interface CronPeriod {
  /** The smallest gap between consecutive fire times, seconds; null when it fires less than twice in the window. */
  readonly seconds: number | null;
  /** Whether every gap seen was that one (false: e.g. "0 9,17 * * *", or a daily pattern across a DST change). */
  readonly even: boolean;
}

/**
 * A pattern's period: the smallest gap between consecutive fire times over its next 100 fires (or
 * 8 years) from `fromMs`, and around each daylight-saving change of `tz` in the year after it (where a
 * daily pattern's gap is 23 or 25 hours). For uneven patterns the smallest gap is the period: the
 * rounds that follow each other most closely are the ones that must not overlap.
 */
export function cronPeriod(pattern: string, tz: string, fromMs: number = PERIOD_REFERENCE_MS): CronPeriod {
  const windows: [number, number][] = [[fromMs, fromMs + PERIOD_WINDOW_MS]];
  for (const change of offsetChanges(tz, fromMs)) windows.push([change - 2 * DAY_MS, change + 2 * DAY_MS]);
  let smallest: number | null = null;
  let even = true;
  for (const [start, end] of windows) {
    const interval = CronExpressionParser.parse(pattern, { currentDate: new Date(start), endDate: new Date(end), tz });
    let previous: number | null = null;
    // next() throws past endDate; hasNext() would compute every fire twice.
    for (let n = 0; n < PERIOD_MAX_FIRES; n++) {
      let at: number;
      try {
        at = interval.next().getTime();
      } catch {
        break;
      }
      if (previous !== null) {
        const gap = at - previous;
        if (smallest !== null && gap !== smallest) even = false;
        if (smallest === null || gap < smallest) smallest = gap;
      }
      previous = at;
    }
  }
  return { seconds: smallest === null ? null : smallest / 1000, even };
}

const DAY_MS = 86_400_000;

/** Roughly (to the day) when `tz`'s UTC offset changes in the year after `fromMs`. */
function offsetChanges(tz: string, fromMs: number): number[] {
  if (tz === 'UTC' || tz === 'Etc/UTC') return [];
  const format = new Intl.DateTimeFormat('en', { timeZone: tz, timeZoneName: 'longOffset' });
  const offsetAt = (ms: number) => format.formatToParts(ms).find((p) => p.type === 'timeZoneName')?.value;
  const changes: number[] = [];
  let previous = offsetAt(fromMs);
  for (let day = 1; day <= 366; day++) {
    const at = fromMs + day * DAY_MS;
    const offset = offsetAt(at);
    if (offset !== previous) changes.push(at);
    previous = offset;
  }
  return changes;
}

/** One schedule's throughput against its period. */
export interface ScheduleLoad {
  readonly label: string;
  readonly testpoint: string;
  readonly scheduleKey: string;
  readonly pattern: string;
  readonly tz: string;
  readonly period: CronPeriod;
  /** Throughput measurements per round (a reverse run is one more). */
  readonly throughputRuns: number;
  /** Their slot time together, seconds. */
  readonly throughputS: number;
  /** Offset plus the largest slip: how late a round may start, seconds. */
  readonly delayS: number;
}

/** A destination's throughput from all the testpoints that measure it. */
export interface DestinationLoad {
  /** The address (lower case) that identifies it across testpoints. */
  readonly ip: string;
  readonly names: readonly string[];
  readonly from: readonly { readonly testpoint: string; readonly pattern: string; readonly periodS: number; readonly throughputS: number }[];
  /** The shortest of their periods, seconds. */
  readonly periodS: number;
  /** Their throughput seconds per `periodS` on average (each schedule's need scaled to it). */
  readonly throughputS: number;
}

export interface Booking {
  readonly schedules: readonly ScheduleLoad[];
  /** Destinations measured by more than one testpoint. */
  readonly destinations: readonly DestinationLoad[];
  /** The fleet cannot run as planned: refuse it. */
  readonly problems: readonly ConfigProblem[];
  /** Worth saying, not refusing (uneven periods). */
  readonly notes: readonly string[];
}

/** Each testpoint's and each shared destination's throughput against the period of its schedule. */
export function checkBooking(fleetPlan: FleetPlan, fromMs: number = PERIOD_REFERENCE_MS): Booking {
  const periods = new Map<string, CronPeriod>();
  const periodOf = (s: Pick<FleetSchedule, 'pattern' | 'tz'>): CronPeriod => {
    const key = `${s.tz} ${s.pattern}`;
    let p = periods.get(key);
    if (p === undefined) {
      p = cronPeriod(s.pattern, s.tz, fromMs);
      periods.set(key, p);
    }
    return p;
  };
  const schedules: ScheduleLoad[] = [];
  const problems: ConfigProblem[] = [];
  const notes: string[] = [];
  const byDestination = new Map<string, { names: Set<string>; from: Map<string, DestinationLoad['from'][number]> }>();

  for (const tp of fleetPlan.testpoints) {
    for (const s of tp.schedules) {
      const runs = s.specs.filter((spec) => spec.category === 'throughput');
      const delayS = (s.offsetMs + s.slipMs) / 1000;
      if (runs.length === 0 && delayS === 0) continue;
      const period = periodOf(s);
      const throughputS = sum(runs.map(throughputSeconds));
      schedules.push({ label: tp.label, testpoint: tp.testpoint.id, scheduleKey: s.scheduleKey, pattern: s.pattern, tz: s.tz, period, throughputRuns: runs.length, throughputS, delayS });
      if (period.seconds === null) {
        notes.push(`${tp.label}: schedule "${s.pattern}" (${s.tz}) fires at most once in 8 years: nothing to fit into a period`);
        continue;
      }
      if (!period.even) notes.push(`${tp.label}: schedule "${s.pattern}" (${s.tz}) fires at uneven gaps; the shortest, ${period.seconds} s, is the period checked`);
      const fires = `its schedule "${s.pattern}" fires every ${period.seconds} s`;
      if (runs.length > 0 && throughputS + delayS > period.seconds) {
        const delay = delayS > 0 ? ` plus up to ${ceil(delayS)} s of offset and slip,` : '';
        problems.push(problem(tp.label, `throughput needs ${ceil(throughputS)} s per period${delay} but ${fires} (${runsText(runs)})`));
      } else if (delayS >= period.seconds) {
        problems.push(problem(tp.label, `offset and slip delay a round by up to ${ceil(delayS)} s but ${fires}: a round delayed that long is not started before the next one is due and is dropped as stale`));
      }
      for (const spec of runs) {
        const ip = spec.dest.ip.toLowerCase();
        const entry = byDestination.get(ip) ?? { names: new Set<string>(), from: new Map() };
        entry.names.add(spec.dest.name);
        const key = `${tp.testpoint.id}\n${s.scheduleKey}`;
        const before = entry.from.get(key);
        entry.from.set(key, { testpoint: tp.testpoint.id, pattern: s.pattern, periodS: period.seconds, throughputS: (before?.throughputS ?? 0) + throughputSeconds(spec) });
        byDestination.set(ip, entry);
      }
    }
  }

  const destinations: DestinationLoad[] = [];
  for (const [ip, entry] of byDestination) {
    const from = [...entry.from.values()];
    const testpoints = [...new Set(from.map((f) => f.testpoint))];
    // One testpoint alone is already checked above: its own slot keeps its tests apart.
    if (testpoints.length < 2) continue;
    const periodS = Math.min(...from.map((f) => f.periodS));
    const throughputS = sum(from.map((f) => (f.throughputS * periodS) / f.periodS));
    const load: DestinationLoad = { ip, names: [...entry.names], from, periodS, throughputS };
    destinations.push(load);
    if (throughputS <= periodS) continue;
    const same = from.every((f) => f.periodS === periodS);
    const parts = from.map((f) => (same ? `${f.testpoint} ${ceil(f.throughputS)} s` : `${f.testpoint} ${ceil(f.throughputS)} s every ${f.periodS} s`)).join(', ');
    const need = same
      ? `needs ${ceil(throughputS)} s per period but their schedules fire every ${periodS} s`
      : `needs on average ${ceil(throughputS)} s in every ${periodS} s (the shortest of their periods)`;
    const name = load.names.filter((n) => n.toLowerCase() !== ip).join(', ');
    problems.push(problem(`destination ${ip}${name ? ` (${name})` : ''}`, `throughput from ${testpoints.join(', ')} ${need} (${parts}); a destination takes one throughput test at a time`));
  }
  return { schedules, destinations, problems, notes };
}

function runsText(runs: readonly MeasurementSpec[]): string {
  const longest = Math.max(...runs.map(throughputSeconds));
  const reverse = runs.filter((r) => r.direction === 'reverse').length;
  const what = `${runs.length} run${runs.length === 1 ? '' : 's'}${reverse > 0 ? ` (${reverse} reverse)` : ''}`;
  return `${what} of up to ${ceil(longest)} s each: -t and -O plus ${THROUGHPUT_SETUP_ALLOWANCE_S} s setup`;
}

function problem(variable: string, message: string): ConfigProblem {
  return { variable, value: undefined, expected: message, field: true };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/** Whole seconds, rounded up (a fraction still needs its second); exact enough to read. */
function ceil(seconds: number): number {
  return Math.ceil(seconds - 1e-9);
}
