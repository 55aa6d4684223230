// psq run-once: one round now through the real queues, workers in-process, a summary at the end.
import { openQueues, setUpMeasurement, startRoles, warnAboutConfig } from '../../composition.js';
import type { Config } from '../../config/config.js';
import { closeAll } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { formatSummary, roundPassed } from '../../operations/round-summary.js';
import { runOnce } from '../../operations/run-once.js';
import type { Role } from '../../roles/role.js';
import type { RoleName } from '../../roles/role-name.js';
import type { CliArgs } from '../args.js';
import { NO_PROGRESS, type ProgressDisplay } from '../progress-display.js';

export async function runOnceCommand(config: Config, args: CliArgs, logger: Logger, progress: ProgressDisplay = NO_PROGRESS): Promise<number> {
  warnAboutConfig(config, logger);
  const measurement = await setUpMeasurement(config, logger, { logBackend: true });
  const { redis, queues } = await openQueues(config, logger);
  let roles: Role[] = [];
  try {
    // A responder so throughput to this host (the quick start measures 127.0.0.1) has a server.
    const names: RoleName[] = [...(measurement.decision.name === 'direct' ? (['responder'] as const) : []), 'measure', 'archive'];
    roles = await startRoles(names, { config, logger, queues, measurement, archiveGraceMs: 5_000, responderOptional: true });
    const summary = await runOnce({
      config,
      queues,
      logger,
      specs: measurement.runnable,
      skipped: measurement.skipped,
      archiveWaitMs: args.archiveWaitS * 1000,
      ...(progress.live ? { onProgress: (p) => progress.show(p) } : {}),
    });
    progress.clear();
    process.stdout.write(`${formatSummary(summary)}\n`);
    return roundPassed(summary) ? 0 : 1;
  } finally {
    await closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) => logger.error({ err }, 'error during shutdown'));
  }
}
