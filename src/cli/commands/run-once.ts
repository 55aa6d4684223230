// psq run-once: one round now through the real queues, workers in-process, a summary at the end.
import type { Config } from '../../config/config.js';
import { closeAll } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { partitionSupported } from '../../measure/backend.js';
import { createBackend } from '../../measure/create-backend.js';
import { decideBackend } from '../../measure/select-backend.js';
import { plan } from '../../plan/plan.js';
import { startArchiveRole } from '../../roles/archive-role.js';
import { startMeasureRole } from '../../roles/measure-role.js';
import type { Role } from '../../roles/role.js';
import { formatSummary, roundPassed } from '../../roles/round-summary.js';
import { runOnce } from '../../roles/run-once.js';
import type { CliArgs } from '../args.js';
import { openQueues, startResponder, warnAboutConfig } from '../context.js';
import { NO_PROGRESS, type ProgressDisplay } from '../progress-display.js';

export async function runOnceCommand(config: Config, args: CliArgs, logger: Logger, progress: ProgressDisplay = NO_PROGRESS): Promise<number> {
  warnAboutConfig(config, logger);
  const decision = decideBackend(config);
  logger.info({ backend: decision.name, reason: decision.reason }, 'measurement backend');
  const backend = createBackend(decision.name, config, logger);
  const { specs, notes } = plan(config);
  for (const n of notes) logger.warn({ category: n.category, tool: n.tool }, n.message);
  const { runnable, skipped } = partitionSupported(specs, backend.supports);
  const { redis, queues } = await openQueues(config, logger);
  const roles: Role[] = [];
  try {
    // So throughput to this host (the quick start measures 127.0.0.1) has a server to talk to.
    if (decision.name === 'direct') {
      // Without iperf3 the other categories still measure; throughput then reports the tool missing.
      try {
        roles.push(await startResponder(config, logger));
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'no iperf3 responder for this round');
      }
    }
    roles.push(await startMeasureRole({ config, queues, backend, logger, shutdownGraceMs: config.shutdownTimeoutMs }));
    roles.push(await startArchiveRole({ config, queues, logger, shutdownGraceMs: 5_000 }));
    const summary = await runOnce({ config, queues, logger, specs: runnable, skipped, archiveWaitMs: args.archiveWaitS * 1000, ...(progress.live ? { onProgress: (p) => progress.show(p) } : {}) });
    progress.clear();
    process.stdout.write(`${formatSummary(summary)}\n`);
    return roundPassed(summary) ? 0 : 1;
  } finally {
    await closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) => logger.error({ err }, 'error during shutdown'));
  }
}

