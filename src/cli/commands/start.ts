// psq start: the long-running roles, until SIGTERM/SIGINT.
import type { Config } from '../../config/config.js';
import { closeAll, handleShutdownSignals } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { createBackend } from '../../measure/create-backend.js';
import { decideBackend, type BackendDecision } from '../../measure/select-backend.js';
import { plan } from '../../plan/plan.js';
import { startArchiveRole } from '../../roles/archive-role.js';
import { startDashboardRole } from '../../roles/dashboard-role.js';
import { startMeasureRole } from '../../roles/measure-role.js';
import type { Role } from '../../roles/role.js';
import { startSchedulerRole } from '../../roles/scheduler-role.js';
import type { CliArgs, RoleName } from '../args.js';
import { openQueues, startResponder, warnAboutConfig } from '../context.js';

function defaultRoles(decision: BackendDecision): RoleName[] {
  const base: RoleName[] = ['scheduler', 'measure', 'archive', 'dashboard'];
  return decision.name === 'direct' ? [...base, 'responder'] : base;
}

export async function startCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
  warnAboutConfig(config, logger);
  const decision = decideBackend(config);
  const roleNames = args.roles.length > 0 ? args.roles : defaultRoles(decision);
  // Redis may come up after us (a reboot, the central stack restarting): wait for it, one line per
  // attempt, and leave at once on SIGTERM/SIGINT meanwhile.
  const opened = await untilSignal((stopped) => openQueues(config, logger, { stopped }));
  if (opened === null) {
    logger.info('stopped while waiting for Redis');
    return 0;
  }
  const { redis, queues } = opened;
  const roles: Role[] = [];
  // The scheduler fans out the whole plan: in a fleet the testpoints' backends may differ, and a
  // measure worker reports what its backend cannot measure as skipped.
  const { specs, notes } = plan(config);
  for (const n of notes) logger.warn({ category: n.category, tool: n.tool }, n.message);
  if (roleNames.includes('measure')) logger.info({ backend: decision.name, reason: decision.reason }, 'measurement backend');
  const backend = createBackend(decision.name, config, logger);
  for (const role of roleNames) {
    if (role === 'responder') roles.push(await startResponder(config, logger));
    if (role === 'dashboard') roles.push(await startDashboardRole({ config, queues, logger, roles: () => [...roleNames] }));
    if (role === 'measure') roles.push(await startMeasureRole({ config, queues, backend, logger, shutdownGraceMs: config.shutdownTimeoutMs }));
    if (role === 'archive') roles.push(await startArchiveRole({ config, queues, logger, shutdownGraceMs: config.shutdownTimeoutMs }));
    if (role === 'scheduler') {
      const schedules = [{ testpoint: config.testpoint, pattern: config.cronExpression, tz: config.tz, specs }];
      roles.push(await startSchedulerRole({ config, schedules, queues, logger }));
    }
  }
  logger.info({ roles: roleNames, testpoint: config.testpoint }, 'psq started');
  // A role set with nothing to wait on (an archive role without ARCHIVE_URLS) must still stay up.
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<number>((resolveExit) => {
    handleShutdownSignals({
      shutdown: async (signal) => {
        logger.info({ signal }, 'shutting down: no new jobs; waiting for running ones');
        clearInterval(keepAlive);
        // Bounded: with Redis gone, closing connections could otherwise wait forever.
        const boundMs = config.shutdownTimeoutMs + 5_000;
        let timer: NodeJS.Timeout | undefined;
        const closed = closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) =>
          logger.error({ err }, 'error during shutdown'),
        ).then(() => true);
        const timedOut = new Promise<false>((r) => {
          timer = setTimeout(() => r(false), boundMs);
        });
        const clean = await Promise.race([closed, timedOut]);
        clearTimeout(timer);
        if (!clean) {
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
