// What every psq command shares: configuration from the environment and .env, Redis, warnings.
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { resolveRedis, type RedisHandle } from '../queues/embedded-redis.js';
import { requireRedis, waitForRedis, type WaitForRedisOptions } from '../queues/redis-check.js';
import { QueueRegistry } from '../queues/queue-registry.js';
import { startResponderRole } from '../roles/responder-role.js';
import type { Role } from '../roles/role.js';

// Reading the configuration lives in checked-config.ts (imported alone by the CLI for quick commands).
export { checkedConfigFrom, inContainer, needsHosts } from './checked-config.js';

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

