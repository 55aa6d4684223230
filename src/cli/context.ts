// What every psq command shares: configuration from the environment and .env, Redis, warnings.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { mergeEnv, readEnvFile } from '../config/env-file.js';
import { readConfig } from '../config/load-config.js';
import type { ConfigProblem } from '../errors.js';
import type { Logger } from '../logger.js';
import { resolveRedis, type RedisHandle } from '../queues/embedded-redis.js';
import { requireRedis, waitForRedis, type WaitForRedisOptions } from '../queues/redis-check.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { startResponderRole } from '../roles/responder-role.js';
import type { Role } from '../roles/role.js';
import type { CliArgs } from './args.js';
import { environmentProblems } from './preflight.js';

/** In our images /data is the mounted volume; a container without one (a dev box) keeps ./data. */
export function inContainer(): boolean {
  const container = existsSync('/.dockerenv') || existsSync('/run/.containerenv') || process.env['container'] !== undefined;
  return container && existsSync('/data');
}

/** Commands and roles that plan or measure need HOSTS; delivering, the dashboard and the responder do not. */
export function needsHosts(args: Pick<CliArgs, 'command' | 'roles'>): boolean {
  if (args.command === 'plan' || args.command === 'run-once') return true;
  if (args.command !== 'start') return false;
  return args.roles.length === 0 || args.roles.includes('scheduler') || args.roles.includes('measure');
}

/** The configuration with every problem in it and in this machine's files and ports it names (DATA_DIR, …). */
export async function checkedConfigFrom(args: CliArgs): Promise<{ config: Config; problems: ConfigProblem[] }> {
  const { config, problems } = readConfig(envFor(args), loadContext(args));
  return { config, problems: [...problems, ...(await environmentProblems(config, args, problems))] };
}

function envFor(args: CliArgs): Record<string, string> {
  const envFile = args.envFile ?? (existsSync('.env') ? '.env' : null);
  const fileEnv = envFile ? readEnvFile(resolve(envFile)) : {};
  return mergeEnv(fileEnv, process.env);
}

function loadContext(args: CliArgs) {
  return { hostname: hostname(), inContainer: inContainer(), requireHosts: needsHosts(args) };
}

export function warnAboutConfig(config: Config, logger: Logger): void {
  if (config.archiveUrls.length === 0) logger.warn('ARCHIVE_URLS is empty: results are kept on disk only');
}

/**
 * Redis, checked before any queue is opened. A command tries once and throws RedisConnectError
 * (exit 2 for a refused password or database, 1 when out of reach); with `wait`, a long-running
 * role retries with backoff until Redis answers, and gets null if told to stop meanwhile.
 */
export async function openQueues(config: Config, logger: Logger): Promise<{ redis: RedisHandle; queues: QueueRegistry }>;
export async function openQueues(config: Config, logger: Logger, wait: Omit<WaitForRedisOptions, 'logger'>): Promise<{ redis: RedisHandle; queues: QueueRegistry } | null>;
export async function openQueues(config: Config, logger: Logger, wait?: Omit<WaitForRedisOptions, 'logger'>) {
  const redis = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger });
  try {
    if (wait === undefined) await requireRedis(redis.options);
    else if (!(await waitForRedis(redis.options, { ...wait, logger }))) {
      await redis.stop();
      return null;
    }
  } catch (err) {
    await redis.stop();
    throw err;
  }
  logger.info({ redis: redis.description, prefix: config.queuePrefix }, 'using Redis');
  return { redis, queues: new QueueRegistry(redis.options, config.queuePrefix, logger) };
}

export function startResponder(config: Config, logger: Logger): Promise<Role> {
  return startResponderRole({ port: config.iperf3Port, bind: config.responderBind, logger });
}

