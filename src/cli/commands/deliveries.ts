// psq replay and psq retry-failed: put deliveries (back) in line, then deliver them in-process
// and report, or only enqueue them for the running archive workers.
import type { ArchiveJobData, ArchiveJobRef } from '../../archive/archive-job.js';
import { archiveJobOptions } from '../../archive/archive-processor.js';
import { replayJobs, scanResults } from '../../archive/replay.js';
import { retryFailedDeliveries } from '../../archive/retry-failed.js';
import { parseArchiveUrl } from '../../config/archive-urls.js';
import type { Config } from '../../config/config.js';
import { closeAll } from '../../lifecycle.js';
import type { Logger } from '../../logger.js';
import { CATEGORIES, isCategory, type Category } from '../../plan/categories.js';
import { archiveQueueName } from '../../queues/queue-names.js';
import type { QueueRegistry } from '../../queues/queue-registry.js';
import { startArchiveRole } from '../../roles/archive-role.js';
import { formatDeliveries } from '../../roles/round-summary.js';
import { waitForDeliveries } from '../../roles/wait-for-deliveries.js';
import type { CliArgs } from '../args.js';
import { openQueues } from '../context.js';
import { parseTime, TIME_EXPECTED } from '../parse-time.js';

/** Archivers for replay/retry-failed: --archiver (any http(s) URL, e.g. a newly added one) or all configured. */
function archiversFor(config: Config, args: CliArgs): { urls: string[] } | { error: string } {
  if (args.archiver === null) {
    return config.archiveUrls.length > 0 ? { urls: [...config.archiveUrls] } : { error: 'no archivers: set ARCHIVE_URLS or pass --archiver URL' };
  }
  const parsed = parseArchiveUrl(args.archiver);
  return parsed.ok ? { urls: [parsed.value] } : { error: `--archiver ${parsed.shown}: expected ${parsed.expected}` };
}

function categoryFilter(args: CliArgs): { category: Category | null } | { error: string } {
  if (args.category === null) return { category: null };
  return isCategory(args.category) ? { category: args.category } : { error: `--category ${JSON.stringify(args.category)}: expected one of ${CATEGORIES.join(', ')}` };
}

async function deliverAndReport(config: Config, args: CliArgs, logger: Logger, queues: QueueRegistry, refs: ArchiveJobRef[], urls: string[]): Promise<number> {
  if (args.enqueueOnly || refs.length === 0) {
    process.stdout.write(`${refs.length} deliveries enqueued${args.enqueueOnly ? ' for the running archive workers' : ''}\n`);
    const unserved = urls.filter((u) => !config.archiveUrls.includes(u));
    if (args.enqueueOnly && unserved.length > 0) {
      process.stderr.write(`note: ${unserved.join(', ')} is not in ARCHIVE_URLS, so running archive workers do not serve it; run without --enqueue-only or add it\n`);
    }
    return 0;
  }
  const role = await startArchiveRole({ config, urls, queues, logger, shutdownGraceMs: 5_000 });
  try {
    const outcomes = await waitForDeliveries((name) => queues.get<ArchiveJobData>(name), refs, args.archiveWaitS * 1000);
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
  const scan = await scanResults(config.dataDir, { since, until, category: cat.category }, {
    testpoint: config.testpoint,
    src: { ip: config.hostIp, name: config.hostName },
  });
  for (const p of scan.problems) logger.warn({ file: p.file }, `not replayed: ${p.reason}`);
  const jobs = replayJobs(scan.items, archivers.urls, now, archiveJobOptions(config));
  process.stdout.write(
    `replay ${since.toISOString()} .. ${until?.toISOString() ?? 'now'}: ${scan.items.length} results × ${archivers.urls.length} archivers` +
      `${scan.notArchived > 0 ? ` (${scan.notArchived} retried-away failures left out)` : ''}${scan.problems.length > 0 ? `, ${scan.problems.length} unreadable files (see log)` : ''}\n`,
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
  let url: string | null = null;
  if (args.archiver !== null) {
    const a = archiversFor(config, args);
    if ('error' in a) {
      process.stderr.write(`psq retry-failed: ${a.error}\n`);
      return 2;
    }
    url = a.urls[0]!;
  }
  if ('error' in cat) {
    process.stderr.write(`psq retry-failed: ${cat.error}\n`);
    return 2;
  }
  const { redis, queues } = await openQueues(config, logger);
  try {
    const urls = url ? [url] : [...config.archiveUrls];
    const refs: ArchiveJobRef[] = [];
    for (const u of urls) {
      const name = archiveQueueName(u);
      const ids = await retryFailedDeliveries(queues.get<ArchiveJobData>(name), { url: u, category: cat.category });
      refs.push(...ids.map((id) => ({ queue: name, id })));
    }
    logger.info({ retried: refs.length, archivers: urls, category: cat.category }, 'failed deliveries put back in line');
    return await deliverAndReport(config, args, logger, queues, refs, urls);
  } finally {
    await closeAll([() => redis.stop(), () => queues.close()], (err) => logger.error({ err }, 'error during shutdown'));
  }
}

