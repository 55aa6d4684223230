// psq replay and psq retry-failed: put deliveries (back) in line, then deliver them in-process
// and report, or only enqueue them for the running archive workers.
import { Redis } from 'ioredis';
import { connectionFor } from '../../queues/connection-kinds.js';
import type { ArchiveJobData, ArchiveJobRef } from '../../jobs/archive-job.js';
import { archiveBodyLimit } from '../../archive/archive-job-schema.js';
import { archiveJobOptions } from '../../jobs/archive-job.js';
import { chooseArchivers, parseFromArchiver } from '../../archive/configured-archivers.js';
import { moveFailedDeliveries } from '../../operations/move-failed.js';
import { replayJobs, scanResults } from '../../operations/replay.js';
import { retryFailedDeliveries } from '../../operations/retry-failed.js';
import { findStrandedDeliveries } from '../../operations/stranded-deliveries.js';
import type { Config } from '../../config/config.js';
import { closeAll } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { CATEGORIES, isCategory, type Category } from '../../plan/categories.js';
import { archiveQueueName } from '../../queues/queue-names.js';
import type { QueueRegistry } from '../../queues/queue-registry.js';
import { startArchiveRole } from '../../roles/archive-role.js';
import { formatDeliveries } from '../../operations/round-summary.js';
import { waitForDeliveries } from '../../operations/wait-for-deliveries.js';
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
  const role = await startArchiveRole({ config, urls, queues, logger, shutdownGraceMs: 5_000 });
  try {
    const progress = deliveryProgress(); // the live progress line at a terminal (progress-display.ts)
    const outcomes = await waitForDeliveries((name) => queues.get<ArchiveJobData>(name), refs, args.archiveWaitS * 1000, undefined, progress.onProgress);
    progress.clear();
    process.stdout.write(`${formatDeliveries(urls, outcomes).join('\n')}\n`);
    return outcomes.every((o) => o.state === 'delivered') ? 0 : 1;
  } finally {
    await role.close();
  }
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
    for (const url of archivers.urls) {
      const name = archiveQueueName(url);
      const batch = jobs.filter((j) => j.queue === name);
      for (let i = 0; i < batch.length; i += 1000) await queues.get<ArchiveJobData>(name).addBulk(batch.slice(i, i + 1000));
    }
    return await deliverAndReport(config, args, logger, queues, jobs.map((j) => ({ queue: j.queue, id: j.opts.jobId })), archivers.urls);
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
    const refs: ArchiveJobRef[] = [];
    const left: string[] = [];
    for (const u of archivers.urls) {
      const name = archiveQueueName(u);
      const outcome = await retryFailedDeliveries(queues.get<ArchiveJobData>(name), { url: u, category: cat.category });
      refs.push(...outcome.retried.map((id) => ({ queue: name, id })));
      for (const [named, n] of outcome.otherArchiver) {
        left.push(`${n} failed deliveries in ${name} name another archiver (${named}): not re-sent; the archive worker of that queue sends only to ${u}`);
      }
    }
    for (const s of await strandedQueues(config, queues, logger)) {
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
    logger.info({ retried: refs.length, archivers: archivers.urls, category: cat.category }, 'failed deliveries put back in line');
    if (left.length > 0) process.stdout.write(left.map((l) => `note: ${l}\n`).join(''));
    const code = await deliverAndReport(config, args, logger, queues, refs, archivers.urls);
    // Failed deliveries it could not re-send are still undelivered: say so in the exit status too.
    return left.length > 0 ? Math.max(code, 1) : code;
  } finally {
    await closeAll([() => redis.stop(), () => queues.close()], (err) => logger.error({ err }, 'error during shutdown'));
  }
}

/** Archive queues under our prefix that no configured archiver serves, with failed jobs in them. */
async function strandedQueues(config: Config, queues: QueueRegistry, logger: Logger) {
  // Its own connection for SCAN: BullMQ's queue connections are not ours to issue commands on.
  const client = new Redis({ ...(connectionFor('control', queues.connection) as Record<string, unknown>), lazyConnect: true });
  client.on('error', (err: Error) => logger.debug({ err: err.message }, 'queue scan connection error'));
  try {
    await client.connect();
    return await findStrandedDeliveries(client, queues.prefix, config.archiveUrls, (name) => queues.get<ArchiveJobData>(name));
  } finally {
    client.disconnect();
  }
}

/** retry-failed --from OLD_URL: move the old archiver's failed deliveries onto the configured ones, then deliver. */
async function moveFrom(config: Config, args: CliArgs, logger: Logger, queues: QueueRegistry, oldUrl: string, targets: string[], category: Category | null): Promise<number> {
  const oldName = archiveQueueName(oldUrl);
  const oldQueue = queues.get<ArchiveJobData>(oldName);
  const serving = await oldQueue.getWorkersCount();
  if (serving > 0) {
    // Someone still delivers to the old URL: moving its failures would leave new ones piling up there.
    process.stderr.write(
      `psq retry-failed: --from ${oldUrl}: ${serving} archive workers still serve its queue ${oldName}, so a psq with that URL in its ARCHIVE_URLS is running ` +
        '(not restarted since ARCHIVE_URLS was fixed?); restart it with the fixed configuration first, or run plain psq retry-failed where that archiver is configured\n',
    );
    return 2;
  }
  const limits = { maxBodyBytes: archiveBodyLimit(config.maxResultBytes) };
  const outcome = await moveFailedDeliveries(oldQueue, (name) => queues.get<ArchiveJobData>(name), targets, { category }, archiveJobOptions(config), limits);
  const { moved, added, alreadyThere } = outcome;
  logger.info({ from: oldUrl, queue: oldName, archivers: targets, category, moved, added, alreadyThere, invalid: outcome.invalid.length }, 'failed deliveries moved from an archiver no longer configured');
  const lines = [
    `retry-failed --from ${oldUrl} (queue ${oldName}): ${outcome.moved} failed deliveries moved onto ${targets.length} archivers ` +
      `(${outcome.added} jobs added, ${outcome.alreadyThere} already there from an earlier run); ${outcome.moved} removed from ${oldName}`,
  ];
  for (const bad of outcome.invalid.slice(0, 10)) lines.push(`note: job ${bad.jobId} left in ${oldName}: ${bad.reason}`);
  if (outcome.invalid.length > 10) lines.push(`note: … and ${outcome.invalid.length - 10} more left in ${oldName}`);
  const counts = await oldQueue.getJobCounts('waiting', 'delayed', 'prioritized');
  const unserved = Object.values(counts).reduce((a, b) => a + b, 0);
  if (unserved > 0) {
    lines.push(`note: ${unserved} deliveries in ${oldName} are not failed (waiting or delayed) and stay there, where no configured archive worker serves them; psq replay re-sends their results from DATA_DIR`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const code = await deliverAndReport(config, args, logger, queues, outcome.refs, targets);
  return outcome.invalid.length > 0 ? Math.max(code, 1) : code;
}
