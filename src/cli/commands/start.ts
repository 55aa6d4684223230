// psq start: the long-running roles, until SIGTERM/SIGINT.
import { settlesWithin } from '../../async.js';
import { defaultRoles, openQueues, setUpMeasurement, startRoles, warnAboutConfig } from '../../composition.js';
import type { Config } from '../../config/config.js';
import { closeAll, handleShutdownSignals } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import type { CliArgs } from '../args.js';

export async function startCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
  warnAboutConfig(config, logger);
  const measurement = setUpMeasurement(config, logger, { logBackend: args.roles.length === 0 || args.roles.includes('measure') });
  const roleNames = args.roles.length > 0 ? args.roles : defaultRoles(measurement.decision);
  // Redis may come up after us (a reboot, the central stack restarting): wait for it, one line per
  // attempt, and leave at once on SIGTERM/SIGINT meanwhile.
  const opened = await untilSignal((stopped) => openQueues(config, logger, { stopped }));
  if (opened === null) {
    logger.info('stopped while waiting for Redis');
    return 0;
  }
  const { redis, queues } = opened;
  const roles = await startRoles(roleNames, { config, logger, queues, measurement });
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
        const closed = closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) =>
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
