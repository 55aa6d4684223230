// psq plan: what would run, and with which tools — for the environment's testpoint, or for every
// testpoint of FLEET_FILE. No Redis, no measurements. (list-tests: list-tests.ts)
import type { Config } from '../../config/config.js';
import { findTestpoint, fleetFromConfig, type Fleet } from '../../config/fleet.js';
import { formatProblem, type ConfigProblem } from '../../errors.js';
import { createBackend } from '../../measure/create-backend.js';
import { decideBackend, findExecutable } from '../../measure/select-backend.js';
import { planFleet, type FleetPlan, type TestpointPlan } from '../../plan/fleet-plan.js';
import type { MeasurementSpec } from '../../plan/measurement-spec.js';
import { checkBooking, type Booking } from '../../plan/overbooking.js';
import { fleetProblemsText, readFleetFile } from '../read-fleet-file.js';

type Supports = (spec: MeasurementSpec) => { ok: true } | { ok: false; reason: string };

/**
 * Plan lines on stdout (one JSON object each); the backend, plan notes and problems on stderr.
 * Exit 2, with nothing on stdout, when the fleet is invalid or its throughput cannot fit its schedules.
 */
export function planCommand(config: Config, testpoint: string | null = null): number {
  if (config.fleetFile === null) return planEnvironment(config, testpoint);
  const loaded = readFleetFile(config.fleetFile);
  if (!loaded.ok) return refuse(fleetProblemsText(config.fleetFile, loaded.problems));
  let fleet = loaded.fleet;
  if (testpoint !== null) {
    const found = findTestpoint(fleet, testpoint);
    if (!found.ok) return refuse(fleetProblemsText(null, [found.problem]));
    fleet = { ...fleet, testpoints: [found.testpoint] };
  }
  const fleetPlan = planFleet(fleet);
  const booking = checkBooking(fleetPlan);
  const count = fleetPlan.testpoints.reduce((n, t) => n + t.schedules.reduce((m, s) => m + s.specs.length, 0), 0);
  process.stderr.write(`fleet: ${config.fleetFile}: ${plural(fleet.testpoints.length, 'testpoint')}, ${plural(count, 'measurement')} over all their schedules\n`);
  const lines: string[] = [];
  for (const tp of fleetPlan.testpoints) {
    const supports = supportsFor(tp, config);
    for (const s of tp.schedules) {
      const load = booking.schedules.find((l) => l.scheduleKey === s.scheduleKey);
      const throughput = load && load.throughputRuns > 0 && load.period.seconds !== null ? `; throughput ${Math.ceil(load.throughputS)} s of every ${load.period.seconds} s` : '';
      process.stderr.write(
        `  schedule ${s.scheduleKey}: "${s.pattern}" ${s.tz} (${s.categories.join(', ')}), offset ${s.offsetMs / 1000} s, slip up to ${s.slipMs / 1000} s, ${plural(s.specs.length, 'measurement')}${throughput}\n`,
      );
      const extra = { schedule: s.scheduleKey, cron: s.pattern, tz: s.tz, offsetS: s.offsetMs / 1000, slipS: s.slipMs / 1000 };
      for (const spec of s.specs) {
        const support = supports?.(spec) ?? { ok: true };
        lines.push(JSON.stringify({ ...spec, ...extra, ...(support.ok ? {} : { skipped: support.reason }) }));
      }
    }
    for (const n of tp.notes) process.stderr.write(`note: ${tp.testpoint.id}: ${n.category}/${n.tool ?? 'auto'}: ${n.message}\n`);
  }
  return finish(booking, lines);
}

/** The environment's testpoint: the lines exactly as before fleets (the fleet of one adds no field). */
function planEnvironment(config: Config, testpoint: string | null): number {
  const fleet: Fleet = fleetFromConfig(config);
  if (testpoint !== null) {
    const found = findTestpoint(fleet, testpoint);
    if (!found.ok) return refuse(fleetProblemsText(null, [found.problem]));
  }
  const decision = decideBackend(config, (bin) => findExecutable(bin, config.path));
  process.stderr.write(`backend: ${decision.name} (${decision.reason})\n`);
  const fleetPlan: FleetPlan = planFleet(fleet);
  const tp = fleetPlan.testpoints[0]!;
  for (const n of tp.notes) process.stderr.write(`note: ${n.category}/${n.tool ?? 'auto'}: ${n.message}\n`);
  const { supports } = createBackend(decision.name, config);
  const lines = tp.schedules.flatMap((s) =>
    s.specs.map((spec) => {
      const support = supports(spec);
      return JSON.stringify(support.ok ? spec : { ...spec, skipped: support.reason });
    }),
  );
  return finish(checkBooking(fleetPlan), lines);
}

/** What the testpoint's backend cannot measure; null when it decides on the testpoint (auto). */
function supportsFor(tp: TestpointPlan, config: Config): Supports | null {
  const backend = tp.testpoint.backend;
  if (backend === 'auto') {
    process.stderr.write(`testpoint ${tp.testpoint.id}: backend auto (decided on the testpoint: pscheduler when installed, else direct)\n`);
    return null;
  }
  process.stderr.write(`testpoint ${tp.testpoint.id}: backend ${backend}\n`);
  return createBackend(backend, config).supports;
}

function finish(booking: Booking, lines: readonly string[]): number {
  for (const note of booking.notes) process.stderr.write(`note: ${note}\n`);
  if (booking.problems.length > 0) return refuse(bookingText(booking.problems));
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  return 0;
}

function bookingText(problems: readonly ConfigProblem[]): string {
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  return [`overbooked: throughput cannot fit its schedules (${count}):`, ...problems.map((p) => `  ${formatProblem(p)}`),
    'Lengthen the schedule, shorten -t/-O, measure fewer destinations or directions, or spread the testpoints over other schedules.'].join('\n');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function refuse(text: string): number {
  process.stderr.write(`psq: ${text}\n`);
  return 2;
}
