// A fleet: the testpoints one scheduler plans, from FLEET_FILE (fleet-file.ts) or, without one, the
// environment's configuration as a fleet of one. Pure.
import type { ConfigProblem } from '../errors.js';
import type { Category } from '../plan/categories.js';
import type { BackendChoice, Config, Destination, ToolMode } from './config.js';

/** One testpoint with every field resolved (its own value, else the fleet's defaults, else psq's). */
export interface FleetTestpoint {
  /** [A-Za-z0-9._-], unique in the fleet; owns the queues measure-<id> and throughput-<id>. */
  readonly id: string;
  readonly hosts: readonly Destination[];
  /** In the canonical order (CATEGORIES), like TESTS. */
  readonly tests: readonly Category[];
  readonly reverse: boolean;
  readonly toolMode: ToolMode;
  /** The tools of toolMode subset; empty otherwise. */
  readonly tools: readonly string[];
  /** Per-category extra test args; null = the defaults (plan.ts DEFAULT_CATEGORY_ARGS). */
  readonly categoryArgs: Readonly<Record<Category, readonly string[] | null>>;
  /** Extra args when the tool is iperf3. */
  readonly iperf3Args: readonly string[];
  /** 5-field cron pattern of every category without one of its own in `schedules`. */
  readonly schedule: string;
  /** Per-category cron patterns (throughput every 6 h, rtt every 5 min). */
  readonly schedules: Readonly<Partial<Record<Category, string>>>;
  /** IANA timezone of every pattern of this testpoint. */
  readonly tz: string;
  readonly backend: BackendChoice;
  /** Largest random delay after each tick, ms (like pScheduler's sliprand): spreads testpoints sharing a pattern. */
  readonly slipMs: number;
  /** Fixed delay after each tick, ms. */
  readonly offsetMs: number;
  /** Light tests (everything but throughput) run in parallel up to this many. */
  readonly concurrency: number;
}

export interface Fleet {
  /** The fleet file's path; null for the environment's fleet of one. */
  readonly file: string | null;
  readonly testpoints: readonly FleetTestpoint[];
}

/** The environment's configuration as a fleet of one, so the rest of the code always sees a fleet. */
export function fleetFromConfig(config: Config): Fleet {
  return {
    file: null,
    testpoints: [
      {
        id: config.testpoint,
        hosts: config.hosts,
        tests: config.tests,
        reverse: config.reverse,
        toolMode: config.toolMode,
        tools: config.tools,
        categoryArgs: config.categoryArgs,
        iperf3Args: config.iperf3Args,
        schedule: config.cronExpression,
        schedules: {},
        tz: config.tz,
        backend: config.backend,
        slipMs: 0,
        offsetMs: 0,
        concurrency: config.measureConcurrency,
      },
    ],
  };
}

/** How problems name a testpoint: its place in the file (`testpoints[1] (ship-3)`), or TESTPOINT for the environment's. */
export function testpointLabel(fleet: Pick<Fleet, 'file'>, index: number, id: string): string {
  return fleet.file === null ? `TESTPOINT ${id}` : `testpoints[${index}] (${id})`;
}

/** The testpoint `id` of the fleet, or the problem naming the ids it has. */
export function findTestpoint(fleet: Fleet, id: string): { ok: true; testpoint: FleetTestpoint } | { ok: false; problem: ConfigProblem } {
  const testpoint = fleet.testpoints.find((t) => t.id === id);
  if (testpoint !== undefined) return { ok: true, testpoint };
  const ids = fleet.testpoints.map((t) => t.id).join(', ');
  const where = fleet.file === null ? 'the environment configures only' : `the fleet file ${fleet.file} has`;
  return { ok: false, problem: { variable: '--testpoint', value: id, expected: `a testpoint of the fleet: ${where} ${ids}` } };
}

/** What the testpoint plans, in Config's names: what plan() reads (fleet-plan.ts) and configForTestpoint sets. */
export function plannedFieldsOf(
  testpoint: FleetTestpoint,
): Pick<Config, 'testpoint' | 'hosts' | 'tests' | 'reverse' | 'toolMode' | 'tools' | 'categoryArgs' | 'iperf3Args'> {
  return {
    testpoint: testpoint.id,
    hosts: testpoint.hosts,
    tests: testpoint.tests,
    reverse: testpoint.reverse,
    toolMode: testpoint.toolMode,
    tools: testpoint.tools,
    categoryArgs: testpoint.categoryArgs,
    iperf3Args: testpoint.iperf3Args,
  };
}

/**
 * The configuration a process runs one testpoint of the fleet with: the environment's (Redis, archivers,
 * timeouts, data directory…) with the testpoint's own fields in place of HOSTS, TESTS, TESTPOINT, etc.
 * The cron pattern is the testpoint's default `schedule`; its per-category ones are in fleet-plan.ts.
 */
export function configForTestpoint(config: Config, testpoint: FleetTestpoint): Config {
  return Object.freeze({
    ...config,
    ...plannedFieldsOf(testpoint),
    cronExpression: testpoint.schedule,
    tz: testpoint.tz,
    backend: testpoint.backend,
    measureConcurrency: testpoint.concurrency,
  });
}
