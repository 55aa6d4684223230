// Which Redis the tests use (kept apart from redis.ts so reading it loads no Redis client).
export const TEST_REDIS_URL = process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
