// The embedded default: no REDIS_URL and nothing on the default address → a private redis-server.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { noRedisMessage, redisAnswers, resolveRedis, RedisUnavailableError } from '../../src/queues/embedded-redis.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { freePort } from '../helpers/ports.js';
import { testDir } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });

describe('Redis resolution', () => {
  it('REDIS_URL set: used as given, nothing started', async () => {
    const h = await resolveRedis({ redisUrl: TEST_REDIS_URL, dataDir: testDir(), logger, processEnv: process.env });
    expect(h.embedded).toBe(false);
    expect(await redisAnswers(h.options)).toBe(true);
  });

  it('unset and the default answers: the default is used', async () => {
    const h = await resolveRedis({ redisUrl: null, dataDir: testDir(), logger, processEnv: process.env, probeUrl: TEST_REDIS_URL });
    expect(h.embedded).toBe(false);
  });

  it('unset and nothing answers: starts redis-server under DATA_DIR with AOF and noeviction, stops it after', async () => {
    const port = await freePort();
    const h = await resolveRedis({ redisUrl: null, dataDir: testDir(), logger, processEnv: process.env, probeUrl: `redis://127.0.0.1:${port}` });
    try {
      expect(h.embedded).toBe(true);
      expect(h.options.path).toBe(join(testDir(), 'redis', 'redis.sock'));
      const client = new Redis({ path: h.options.path! });
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await client.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await client.config('GET', 'dir')).toEqual(['dir', join(testDir(), 'redis')]);
      await client.set('k', 'v');
      client.disconnect();
    } finally {
      await h.stop();
    }
    expect(await redisAnswers(h.options)).toBe(false);
    expect(existsSync(join(testDir(), 'redis', 'appendonlydir'))).toBe(true);
  });

  it('unset, nothing answers and no redis-server installed: says how to get Redis', async () => {
    const port = await freePort();
    const savedPath = process.env['PATH'];
    process.env['PATH'] = testDir(); // no redis-server here
    try {
      await expect(resolveRedis({ redisUrl: null, dataDir: testDir(), logger, processEnv: process.env, probeUrl: `redis://127.0.0.1:${port}` })).rejects.toThrow(RedisUnavailableError);
    } finally {
      process.env['PATH'] = savedPath;
    }
    expect(noRedisMessage()).toMatch(/apt-get install redis-server.*REDIS_URL.*docker compose -f docker-compose-redis\.yml up -d/);
  });
});
