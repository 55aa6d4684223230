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
import { createPschedulerBackend } from '../measure/pscheduler-backend.js';
import { CATEGORIES, CATEGORY_INFO } from '../plan/categories.js';
import { plan } from '../plan/plan.js';
import { resolveRedis, RedisUnavailableError } from '../queues/embedded-redis.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { startArchiveRole } from '../roles/archive-role.js';
import { startMeasureRole } from '../roles/measure-role.js';
import type { Role } from '../roles/role.js';
import { formatSummary, roundPassed } from '../roles/round-summary.js';
import { runOnce } from '../roles/run-once.js';
import { startSchedulerRole } from '../roles/scheduler-role.js';
import { parseCliArgs, USAGE, type CliArgs } from './args.js';

const SHUTDOWN_GRACE_MS = 60_000;

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

async function start(config: Config, args: CliArgs, logger: Logger): Promise<number> {
  warnAboutConfig(config, logger);
  const { redis, queues } = await openQueues(config, logger);
  const roles: Role[] = [];
  const { specs, notes } = plan(config);
  for (const n of notes) logger.warn({ category: n.category, tool: n.tool }, n.message);
  const backend = createPschedulerBackend(config.pschedulerBin);
  for (const role of args.roles) {
    if (role === 'measure') roles.push(await startMeasureRole({ config, queues, backend, logger, shutdownGraceMs: SHUTDOWN_GRACE_MS }));
    if (role === 'archive') roles.push(await startArchiveRole({ config, queues, logger, shutdownGraceMs: SHUTDOWN_GRACE_MS }));
    if (role === 'scheduler') {
      const schedules = [{ testpoint: config.testpoint, pattern: config.cronExpression, tz: config.tz, specs }];
      roles.push(await startSchedulerRole({ config, schedules, queues, logger }));
    }
  }
  logger.info({ roles: args.roles, testpoint: config.testpoint }, 'psq started');
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
  const { specs, notes } = plan(config);
  for (const n of notes) logger.warn({ category: n.category, tool: n.tool }, n.message);
  const { redis, queues } = await openQueues(config, logger);
  const backend = createPschedulerBackend(config.pschedulerBin);
  const roles: Role[] = [];
  try {
    roles.push(await startMeasureRole({ config, queues, backend, logger, shutdownGraceMs: SHUTDOWN_GRACE_MS }));
    roles.push(await startArchiveRole({ config, queues, logger, shutdownGraceMs: 5_000 }));
    const summary = await runOnce({ config, queues, logger, specs, archiveWaitMs: args.archiveWaitS * 1000 });
    process.stdout.write(`${formatSummary(summary)}\n`);
    return roundPassed(summary) ? 0 : 1;
  } finally {
    await closeAll([() => redis.stop(), () => queues.close(), ...roles.map((r) => () => r.close())], (err) => logger.error({ err }, 'error during shutdown'));
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
    const { specs, notes } = plan(config);
    for (const n of notes) process.stderr.write(`note: ${n.category}/${n.tool ?? 'auto'}: ${n.message}\n`);
    process.stdout.write(specs.map((s) => `${JSON.stringify(s)}\n`).join(''));
    return 0;
  }
  // run-once keeps stdout for its summary; the long-running roles log to stdout (JSON lines).
  const logger = createLogger({
    level: config.logLevel,
    pretty: config.logPretty,
    base: { testpoint: config.testpoint },
    ...(args.command === 'run-once' ? { destination: process.stderr } : {}),
  });
  try {
    return args.command === 'start' ? await start(config, args, logger) : await runOnceCommand(config, args, logger);
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      process.stderr.write(`psq: ${err.message}\n`);
      return 2;
    }
    logger.fatal({ err }, 'psq failed');
    return 1;
  }
}
