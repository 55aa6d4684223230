// Does Redis answer PING within the time? One short-lived connection, no retries, never throws.
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { connectionFor } from './connection-kinds.js';

export async function redisAnswers(options: RedisOptions, timeoutMs = 1000): Promise<boolean> {
  const client = new Redis(connectionFor('probe', options, timeoutMs) as Record<string, unknown>);
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
