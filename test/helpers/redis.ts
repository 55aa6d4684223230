// Real Redis for tests: a unique BullMQ prefix per test, and cleanup of exactly that prefix's keys.
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../../src/queues/redis-options.js';
import { TEST_REDIS_URL } from './redis-url.js';

export { TEST_REDIS_URL };
export { uniquePrefix } from './prefix.js';
export const testRedisOptions = () => redisOptionsFromUrl(TEST_REDIS_URL);

export async function keysWithPrefix(prefix: string): Promise<string[]> {
  const client = new Redis(TEST_REDIS_URL);
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    return keys;
  } finally {
    client.disconnect();
  }
}

export async function deletePrefix(prefix: string): Promise<void> {
  const keys = await keysWithPrefix(prefix);
  if (keys.length === 0) return;
  const client = new Redis(TEST_REDIS_URL);
  try {
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}
