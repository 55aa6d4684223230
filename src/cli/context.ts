// What every psq command shares: configuration from the environment and .env, Redis, warnings.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { mergeEnv, readEnvFile } from '../config/env-file.js';
import { loadConfig } from '../config/load-config.js';
import type { Logger } from '../logger.js';
import { resolveRedis } from '../queues/embedded-redis.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { startResponderRole } from '../roles/responder-role.js';
import type { Role } from '../roles/role.js';
import type { CliArgs } from './args.js';

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

export function configFrom(args: CliArgs): Config {
  const envFile = args.envFile ?? (existsSync('.env') ? '.env' : null);
  const fileEnv = envFile ? readEnvFile(resolve(envFile)) : {};
  return loadConfig(mergeEnv(fileEnv, process.env), { hostname: hostname(), inContainer: inContainer(), requireHosts: needsHosts(args) });
}

export function warnAboutConfig(config: Config, logger: Logger): void {
  if (config.archiveUrls.length === 0) logger.warn('ARCHIVE_URLS is empty: results are kept on disk only');
}

export async function openQueues(config: Config, logger: Logger) {
  const redis = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger });
  logger.info({ redis: redis.description, prefix: config.queuePrefix }, 'using Redis');
  return { redis, queues: new QueueRegistry(redis.options, config.queuePrefix, logger) };
}

export function startResponder(config: Config, logger: Logger): Promise<Role> {
  return startResponderRole({ port: config.iperf3Port, bind: config.responderBind, logger });
}

