// Does Redis answer PING within the time? One short-lived connection of our own (redis-wire.ts), no
// retries, never throws.
import type { RedisOptions } from 'bullmq';
import { askRedis } from './redis-wire.js';

export async function redisAnswers(options: RedisOptions, timeoutMs = 1000): Promise<boolean> {
  try {
    const [pong] = await askRedis(options, [['PING']], timeoutMs);
    return pong === 'PONG';
  } catch {
    return false;
  }
}
