// psq start: the long-running roles, until SIGTERM/SIGINT.
import { settlesWithin } from '../../async.js';
import { defaultRoles, openQueues, rolesMeasure, rolesUseRedis, setUpMeasurement, startRoles, warnAboutConfig } from '../../composition.js';
import type { Config } from '../../config/config.js';
import { closeAll, handleShutdownSignals } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { formatProblem } from '../../errors.js';
import type { FleetSchedule } from '../../plan/fleet-plan.js';
import type { RoleName } from '../../roles/role-name.js';
import type { SchedulerRole } from '../../roles/scheduler-role.js';
import type { CliArgs } from '../args.js';
import { checkedConfigFrom } from '../checked-config.js';
import { releaseYoungGeneration } from '../young-generation.js';

// The fleet, planning and booking modules are imported only by the roles that use them (the
// scheduler, a fleet's measure role, a fleet's dashboard): a long-running role keeps what it loads.

/** The scheduler's schedules: the whole fleet's (FLEET_FILE), or the environment's one testpoint; refused when overbooked. */
async function fleetToSchedule(config: Config): Promise<{ ok: true; fleet: { schedules: FleetSchedule[]; ownsAll: boolean } } | { ok: false; text: string }> {
  const [{ fleetProblemsText, loadFleet }, { fleetSchedules, planFleet }, { checkBooking }] = await Promise.all([
    import('../read-fleet-file.js'),
    import('../../plan/fleet-plan.js'),
    import('../../plan/overbooking.js'),
  ]);
  const loaded = loadFleet(config);
  if (!loaded.ok) return { ok: false, text: fleetProblemsText(config.fleetFile, loaded.problems) };
  const fleetPlan = planFleet(loaded.fleet);
  const booking = checkBooking(fleetPlan);
  if (booking.problems.length > 0) return { ok: false, text: fleetProblemsText(config.fleetFile, booking.problems) };
  return { ok: true, fleet: { schedules: fleetSchedules(fleetPlan), ownsAll: config.fleetFile !== null } };
}

export async function startCommand(given: Config, args: CliArgs, logger: Logger): Promise<number> {
  let config = given;
  const runs = (role: RoleName) => args.roles.length === 0 || args.roles.includes(role);
  // A testpoint of a fleet measures what the fleet file gives it (TESTPOINT names it, or --testpoint).
  if (runs('measure') && config.fleetFile !== null && args.testpoint === null) {
    const { fleetProblemsText, testpointConfigFrom } = await import('../read-fleet-file.js');
    const picked = testpointConfigFrom(config, config.testpoint);
    if (!picked.ok) {
      process.stderr.write(`psq: ${fleetProblemsText(picked.fleetFile, picked.problems)}\nThe measure role runs one testpoint of the fleet: set TESTPOINT or pass --testpoint ID.\n`);
      return 2;
    }
    config = picked.config;
  }
  const toSchedule = runs('scheduler') ? await fleetToSchedule(config) : null;
  if (toSchedule !== null && !toSchedule.ok) {
    process.stderr.write(`psq: ${toSchedule.text}\nNothing was scheduled.\n`);
    return 2;
  }
  warnAboutConfig(config, logger);
  // The backend and plan only where they are used (no roles named: all of them, and the backend decides on the responder).
  const measurement = args.roles.length === 0 || rolesMeasure(args.roles) ? await setUpMeasurement(config, logger, { logBackend: runs('measure') }) : null;
  const roleNames = args.roles.length > 0 ? args.roles : defaultRoles(measurement!.decision);
  // Redis may come up after us (a reboot, the central stack restarting): wait for it, one line per
  // attempt, and leave at once on SIGTERM/SIGINT meanwhile. The responder alone does not use it.
  const opened = rolesUseRedis(roleNames) ? await untilSignal((stopped) => openQueues(config, logger, { stopped })) : undefined;
  if (opened === null) {
    logger.info('stopped while waiting for Redis');
    return 0;
  }
  const redis = opened?.redis ?? null;
  const queues = opened?.queues ?? null;
  const fleetTestpoints = config.fleetFile !== null && runs('dashboard') ? await fleetIds(config) : undefined;
  const roles = await startRoles(roleNames, {
    config,
    logger,
    queues,
    measurement,
    ...(toSchedule?.ok ? { fleet: toSchedule.fleet } : {}),
    ...(fleetTestpoints ? { fleetTestpoints } : {}),
  });
  logger.info({ roles: roleNames, testpoint: config.testpoint, fleetFile: config.fleetFile }, 'psq started');
  // Loaded and running: the young generation may grow with real work again (young-generation.ts).
  releaseYoungGeneration();
  const scheduler = roles.find((r): r is SchedulerRole => r.name === 'scheduler');
  const reload = scheduler ? () => void reloadPlan(args, scheduler, logger) : null;
  if (reload) process.on('SIGHUP', reload);
  // A role set with nothing to wait on (an archive role without ARCHIVE_URLS) must still stay up.
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<number>((resolveExit) => {
    handleShutdownSignals({
      shutdown: async (signal) => {
        logger.info({ signal }, 'shutting down: no new jobs; waiting for running ones');
        if (reload) process.off('SIGHUP', reload);
        clearInterval(keepAlive);
        // Bounded: with Redis gone, closing connections could otherwise wait forever.
        const boundMs = config.shutdownTimeoutMs + 5_000;
        const closed = closeAll([async () => redis?.stop(), async () => queues?.close(), ...roles.map((r) => () => r.close())], (err) =>
          logger.error({ err }, 'error during shutdown'),
        );
        if (!(await settlesWithin(closed, boundMs))) {
          logger.error({ boundMs }, 'shutdown did not finish in time (Redis unreachable?); exiting anyway');
          throw new Error('shutdown timed out');
        }
        logger.info('shutdown complete');
      },
      exit: resolveExit,
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal: exiting at once'),
    });
  });
}

/** Runs `task` with a promise that settles on the first SIGTERM/SIGINT; the listeners are removed after. */
async function untilSignal<T>(task: (stopped: Promise<void>) => Promise<T>): Promise<T> {
  let onSignal: () => void = () => undefined;
  const stopped = new Promise<void>((r) => {
    onSignal = r;
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await task(stopped);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

/**
 * SIGHUP: read the configuration and fleet file again and hand the scheduler the new plan. A file
 * with problems (or an overbooked fleet) is refused with the reasons and the running plan stays.
 * Other settings (Redis, archivers, ports) take a restart.
 */
async function reloadPlan(args: CliArgs, scheduler: SchedulerRole, logger: Logger): Promise<void> {
  logger.info('SIGHUP: reloading the plan');
  try {
    const { config, problems } = await checkedConfigFrom(args);
    if (problems.length > 0) {
      logger.error({ problems: problems.map(formatProblem) }, 'SIGHUP: the configuration has problems; the running plan stays');
      return;
    }
    const toSchedule = await fleetToSchedule(config);
    if (!toSchedule.ok) {
      logger.error({ problems: toSchedule.text.split('\n').slice(1).map((l) => l.trim()) }, 'SIGHUP: the fleet cannot be scheduled; the running plan stays');
      return;
    }
    await scheduler.reload(toSchedule.fleet.schedules);
  } catch (err) {
    logger.error({ err }, 'SIGHUP: reloading the plan failed; the running plan stays');
  }
}

/** FLEET_FILE's testpoint ids; a fleet file that cannot be read shows none (the scheduler reports why). */
async function fleetIds(config: Config): Promise<string[] | undefined> {
  const { loadFleet } = await import('../read-fleet-file.js');
  const loaded = loadFleet(config);
  return loaded.ok ? loaded.fleet.testpoints.map((t) => t.id) : undefined;
}
