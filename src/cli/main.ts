// psq: the command-line entry point. The only place (with workers/) that reads process.env and exits.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { mergeEnv, readEnvFile } from '../config/env-file.js';
import { loadConfig } from '../config/load-config.js';
import { ConfigError } from '../errors.js';
import { closeAll, handleShutdownSignals } from '../lifecycle.js';
import { createLogger, type Logger } from '../logger.js';
import { partitionSupported } from '../measure/backend.js';
import { createBackend } from '../measure/create-backend.js';
import { decideBackend, type BackendDecision } from '../measure/select-backend.js';
import { CATEGORIES, CATEGORY_INFO, isCategory, type Category } from '../plan/categories.js';
import { plan } from '../plan/plan.js';
import { resolveRedis, RedisUnavailableError } from '../queues/embedded-redis.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { startArchiveRole } from '../roles/archive-role.js';
import { startMeasureRole } from '../roles/measure-role.js';
import { startResponderRole } from '../roles/responder-role.js';
import { startDashboardRole } from '../roles/dashboard-role.js';
import type { Role } from '../roles/role.js';
import { formatDeliveries, formatSummary, roundPassed } from '../roles/round-summary.js';
import { waitForDeliveries } from '../roles/wait-for-deliveries.js';
import type { ArchiveJobData, ArchiveJobRef } from '../archive/archive-job.js';
import { archiveJobOptions } from '../archive/archive-processor.js';
import { replayJobs, scanResults } from '../archive/replay.js';
import { retryFailedDeliveries } from '../archive/retry-failed.js';
import { parseArchiveUrl } from '../config/archive-urls.js';
import { archiveQueueName } from '../queues/queue-names.js';
import { parseTime, TIME_EXPECTED } from './parse-time.js';
import { runOnce } from '../roles/run-once.js';
import { startSchedulerRole } from '../roles/scheduler-role.js';
import { parseCliArgs, USAGE, type CliArgs, type RoleName } from './args.js';


/** In our images /data is the mounted volume; a container without one (a dev box) keeps ./data. */
function inContainer(): boolean {
  const container = existsSync('/.dockerenv') || existsSync('/run/.containerenv') || process.env['container'] !== undefined;
  return container && existsSync('/data');
}

function configFrom(args: CliArgs): Config {
  const envFile = args.envFile ?? (existsSync('.env') ? '.env' : null);
  const fileEnv = envFile ? readEnvFile(resolve(envFile)) : {};
  return loadConfig(mergeEnv(fileEnv, process.env), { hostname: hostname(), inContainer: inContainer() });
}

function listTests(): string {
  return CATEGORIES.map((c) => {
    const info = CATEGORY_INFO[c];
    const reverse = info.reverseTools.length > 0 ? `reverse with ${info.reverseTools.join(', ')}` : 'no reverse';
    return `${c.padEnd(11)} tools: ${info.tools.join(', ').padEnd(28)} auto: ${(info.autoTool ?? '(pScheduler picks)').padEnd(19)} ${reverse}`;
  }).join('\n');
}

function warnAboutConfig(config: Config, logger: Logger): void {
  if (config.archiveUrls.length === 0) logger.warn('ARCHIVE_URLS is empty: results are kept on disk only');
}

async function openQueues(config: Config, logger: Logger) {
  const redis = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger });
  logger.info({ redis: redis.description, prefix: config.queuePrefix }, 'using Redis');
  return { redis, queues: new QueueRegistry(redis.options, config.queuePrefix, logger) };
}

function defaultRoles(decision: BackendDecision): RoleName[] {
  const base: RoleName[] = ['scheduler', 'measure', 'archive', 'dashboard'];
  return decision.name === 'direct' ? [...base, 'responder'] : base;
}

function startResponder(config: Config, logger: Logger): Promise<Role> {
  return startResponderRole({ port: config.iperf3Port, bind: config.responderBind, logger });
}

async function start(config: Config, args: CliArgs, logger: Logger): Promise<number> {
  warnAboutConfig(config, logger);
  const decision = decideBackend(config);
  const roleNames = args.roles.length > 0 ? args.roles : defaultRoles(decision);
  const { redis, queues } = await openQueues(config, logger);
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
  return new Promise<number>((resolveExit) => {
    handleShutdownSignals({
      shutdown: async (signal) => {
        logger.info({ signal }, 'shutting down: no new jobs; waiting for running ones');
        await closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) => logger.error({ err }, 'error during shutdown'));
        logger.info('shutdown complete');
      },
      exit: resolveExit,
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal: exiting at once'),
    });
  });
}

async function runOnceCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
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
    if (decision.name === 'direct') roles.push(await startResponder(config, logger));
    roles.push(await startMeasureRole({ config, queues, backend, logger, shutdownGraceMs: config.shutdownTimeoutMs }));
    roles.push(await startArchiveRole({ config, queues, logger, shutdownGraceMs: 5_000 }));
    const summary = await runOnce({ config, queues, logger, specs: runnable, skipped, archiveWaitMs: args.archiveWaitS * 1000 });
    process.stdout.write(`${formatSummary(summary)}\n`);
    return roundPassed(summary) ? 0 : 1;
  } finally {
    await closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) => logger.error({ err }, 'error during shutdown'));
  }
}

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

async function replayCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
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

async function retryFailedCommand(config: Config, args: CliArgs, logger: Logger): Promise<number> {
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

export async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (!parsed.ok) {
    process.stderr.write(`psq: ${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  const args = parsed.args;
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.command === 'list-tests') {
    process.stdout.write(`${listTests()}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = configFrom(args);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`psq: ${err.message}\nNothing was enqueued. See env.template for every variable.\n`);
      return 2;
    }
    throw err;
  }
  if (args.command === 'plan') {
    const decision = decideBackend(config);
    process.stderr.write(`backend: ${decision.name} (${decision.reason})\n`);
    const { specs, notes } = plan(config);
    for (const n of notes) process.stderr.write(`note: ${n.category}/${n.tool ?? 'auto'}: ${n.message}\n`);
    const { supports } = createBackend(decision.name, config);
    const lines = specs.map((s) => {
      const support = supports(s);
      return JSON.stringify(support.ok ? s : { ...s, skipped: support.reason });
    });
    process.stdout.write(lines.map((l) => `${l}\n`).join(''));
    return 0;
  }
  // run-once keeps stdout for its summary; the long-running roles log to stdout (JSON lines).
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.logPretty,
    base: { testpoint: config.testpoint },
    ...(args.command === 'start' ? {} : { destination: process.stderr }),
  });
  try {
    switch (args.command) {
      case 'start':
        return await start(config, args, logger);
      case 'replay':
        return await replayCommand(config, args, logger);
      case 'retry-failed':
        return await retryFailedCommand(config, args, logger);
      default:
        return await runOnceCommand(config, args, logger);
    }
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return 2;
    }
    logger.fatal({ err }, 'psq failed');
    return 1;
  }
}
