// Does Redis answer PING within the time? One short-lived connection, no retries, never throws.
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';

export async function redisAnswers(options: RedisOptions, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis({ ...(options as Record<string, unknown>), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
