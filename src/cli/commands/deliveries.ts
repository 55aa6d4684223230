// psq replay and psq retry-failed: check the arguments, call the operations that put deliveries
// (back) in line and deliver them (src/operations/), print what they did, choose the exit code.
import type { Config } from '../../config/config.js';
import type { ArchiveJobRef } from '../../jobs/archive-job.js';
import { archiveJobOptions } from '../../jobs/archive-job.js';
import { chooseArchivers, parseFromArchiver } from '../../archive/configured-archivers.js';
import { deliverInProcess } from '../../operations/deliver-in-process.js';
import { enqueueDeliveries } from '../../operations/enqueue-deliveries.js';
import { moveFromArchiver } from '../../operations/move-from-archiver.js';
import { replayJobs, scanResults } from '../../operations/replay.js';
import { retryConfiguredArchivers } from '../../operations/retry-configured.js';
import { formatDeliveries } from '../../operations/round-summary.js';
import { strandedDeliveries } from '../../operations/stranded-deliveries.js';
import { closeAll } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { CATEGORIES, isCategory, type Category } from '../../plan/categories.js';
import type { QueueRegistry } from '../../queues/queue-registry.js';
import type { CliArgs } from '../args.js';
import { openQueues } from '../../composition.js';
import { deliveryProgress } from '../progress-display.js';
import { parseTime, TIME_EXPECTED } from '../parse-time.js';

/** Archivers for replay/retry-failed: all configured, or the one of them named by --archiver; never another (the token goes along). */
function archiversFor(config: Config, args: CliArgs): { urls: string[] } | { error: string } {
  const choice = chooseArchivers(config.archiveUrls, args.archiver);
  return choice.ok ? { urls: choice.urls } : { error: choice.error };
}

function categoryFilter(args: CliArgs): { category: Category | null } | { error: string } {
  if (args.category === null) return { category: null };
  return isCategory(args.category) ? { category: args.category } : { error: `--category ${JSON.stringify(args.category)}: expected one of ${CATEGORIES.join(', ')}` };
}

async function deliverAndReport(config: Config, args: CliArgs, logger: Logger, queues: QueueRegistry, refs: ArchiveJobRef[], urls: string[]): Promise<number> {
  if (args.enqueueOnly || refs.length === 0) {
    process.stdout.write(`${refs.length} deliveries enqueued${args.enqueueOnly ? ' for the running archive workers' : ''}\n`);
    return 0;
  }
  const progress = deliveryProgress(); // the live progress line at a terminal (progress-display.ts)
  const outcomes = await deliverInProcess({ config, logger, queues, urls, refs, waitMs: args.archiveWaitS * 1000, onProgress: progress.onProgress });
  progress.clear();
  process.stdout.write(`${formatDeliveries(urls, outcomes).join('\n')}\n`);
  return outcomes.every((o) => o.state === 'delivered') ? 0 : 1;
}

export async function replayCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
  const now = Date.now();
  const since = parseTime(args.since ?? '', now);
  const until = args.until === null ? null : parseTime(args.until, now);
  const archivers = archiversFor(config, args);
  const cat = categoryFilter(args);
  const problems = [
    since === null ? `--since ${JSON.stringify(args.since)}: expected ${TIME_EXPECTED}` : null,
    args.until !== null && until === null ? `--until ${JSON.stringify(args.until)}: expected ${TIME_EXPECTED}` : null,
    'error' in archivers ? archivers.error : null,
    'error' in cat ? cat.error : null,
  ].filter((p): p is string => p !== null);
  if (problems.length > 0 || since === null || 'error' in archivers || 'error' in cat) {
    process.stderr.write(problems.map((p) => `psq replay: ${p}\n`).join(''));
    return 2;
  }
  const scan = await scanResults(config.dataDir, { since, until, category: cat.category, legacy: args.legacy }, {
    testpoint: config.testpoint,
    src: { ip: config.hostIp, name: config.hostName },
  });
  for (const p of scan.problems) logger.warn({ file: p.file }, `not replayed: ${p.reason}`);
  const jobs = replayJobs(scan.items, archivers.urls, now, archiveJobOptions(config));
  process.stdout.write(
    `replay ${since.toISOString()} .. ${until?.toISOString() ?? 'now'}: ${scan.items.length} results × ${archivers.urls.length} archivers` +
      `${scan.notArchived > 0 ? ` (${scan.notArchived} retried-away failures left out)` : ''}${scan.problems.length > 0 ? `, ${scan.problems.length} unreadable files (see log)` : ''}\n` +
      (scan.legacySkipped > 0
        ? `${scan.legacySkipped} cron-runner files without .meta skipped; add --legacy to send them — only to an archiver that never received them ` +
          '(the cron runner sent no run_id or ts, so an archiver that got them then would store them twice)\n'
        : ''),
  );
  const { redis, queues } = await openQueues(config, logger);
  try {
    const refs = await enqueueDeliveries(queues, jobs);
    return await deliverAndReport(config, args, logger, queues, refs, archivers.urls);
  } finally {
    await closeAll([() => redis.stop(), () => queues.close()], (err) => logger.error({ err }, 'error during shutdown'));
  }
}

export async function retryFailedCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
  const cat = categoryFilter(args);
  const archivers = archiversFor(config, args);
  const from = args.from === null ? null : parseFromArchiver(config.archiveUrls, args.from);
  const problems = [
    from !== null && !from.ok ? from.error : null,
    'error' in archivers ? archivers.error : null,
    'error' in cat ? cat.error : null,
  ].filter((p): p is string => p !== null);
  if (problems.length > 0 || 'error' in archivers || 'error' in cat || (from !== null && !from.ok)) {
    process.stderr.write(problems.map((p) => `psq retry-failed: ${p}\n`).join(''));
    return 2;
  }
  const { redis, queues } = await openQueues(config, logger);
  try {
    if (from !== null) return await moveFrom(config, args, logger, queues, from.url, archivers.urls, cat.category);
    const retried = await retryConfiguredArchivers(queues, archivers.urls, cat.category);
    const left = retried.namingAnother.map(
      (n) => `${n.count} failed deliveries in ${n.queue} name another archiver (${n.named}): not re-sent; the archive worker of that queue sends only to ${n.url}`,
    );
    for (const s of await strandedDeliveries(queues, config.archiveUrls, logger)) {
      if (s.workers > 0) {
        // Served by an archive worker with another configuration: its failures are retried there.
        process.stdout.write(
          `note: ${s.failed} failed deliveries in ${s.queue} (${s.url ?? 'an archiver'}, not in ARCHIVE_URLS here) are left alone: ` +
            `${s.workers} archive workers elsewhere serve that queue; run psq retry-failed where that archiver is configured\n`,
        );
        continue;
      }
      left.push(
        s.url === null
          ? `${s.failed} failed deliveries in ${s.queue} belong to an archiver that is not in ARCHIVE_URLS (its URL is not recorded in its jobs): not re-sent; psq replay re-sends their results from DATA_DIR`
          : `${s.failed} failed deliveries in ${s.queue} belong to ${s.url}, which is not in ARCHIVE_URLS: not re-sent. ` +
              `To send them to the configured archivers: psq retry-failed --from ${s.url}`,
      );
    }
    logger.info({ retried: retried.refs.length, archivers: archivers.urls, category: cat.category }, 'failed deliveries put back in line');
    if (left.length > 0) process.stdout.write(left.map((l) => `note: ${l}\n`).join(''));
    const code = await deliverAndReport(config, args, logger, queues, retried.refs, archivers.urls);
    // Failed deliveries it could not re-send are still undelivered: say so in the exit status too.
    return left.length > 0 ? Math.max(code, 1) : code;
  } finally {
    await closeAll([() => redis.stop(), () => queues.close()], (err) => logger.error({ err }, 'error during shutdown'));
  }
}

/** retry-failed --from OLD_URL: move the old archiver's failed deliveries onto the configured ones, then deliver. */
async function moveFrom(config: Config, args: CliArgs, logger: Logger, queues: QueueRegistry, oldUrl: string, targets: string[], category: Category | null): Promise<number> {
  const result = await moveFromArchiver(config, queues, oldUrl, targets, category);
  const oldName = result.queue;
  if (result.kind === 'still-served') {
    process.stderr.write(
      `psq retry-failed: --from ${oldUrl}: ${result.workers} archive workers still serve its queue ${oldName}, so a psq with that URL in its ARCHIVE_URLS is running ` +
        '(not restarted since ARCHIVE_URLS was fixed?); restart it with the fixed configuration first, or run plain psq retry-failed where that archiver is configured\n',
    );
    return 2;
  }
  const { outcome } = result;
  const { moved, added, alreadyThere } = outcome;
  logger.info({ from: oldUrl, queue: oldName, archivers: targets, category, moved, added, alreadyThere, invalid: outcome.invalid.length }, 'failed deliveries moved from an archiver no longer configured');
  const lines = [
    `retry-failed --from ${oldUrl} (queue ${oldName}): ${moved} failed deliveries moved onto ${targets.length} archivers ` +
      `(${added} jobs added, ${alreadyThere} already there from an earlier run); ${moved} removed from ${oldName}`,
  ];
  for (const bad of outcome.invalid.slice(0, 10)) lines.push(`note: job ${bad.jobId} left in ${oldName}: ${bad.reason}`);
  if (outcome.invalid.length > 10) lines.push(`note: … and ${outcome.invalid.length - 10} more left in ${oldName}`);
  if (result.unserved > 0) {
    lines.push(`note: ${result.unserved} deliveries in ${oldName} are not failed (waiting or delayed) and stay there, where no configured archive worker serves them; psq replay re-sends their results from DATA_DIR`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const code = await deliverAndReport(config, args, logger, queues, outcome.refs, targets);
  return outcome.invalid.length > 0 ? Math.max(code, 1) : code;
}
