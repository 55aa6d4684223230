// REDIS_URL → ioredis options. BullMQ gets options, not instances, so it can duplicate connections.
import type { RedisOptions } from 'bullmq';

export function redisOptionsFromUrl(url: string): RedisOptions {
  if (url.startsWith('unix:') || url.startsWith('/')) {
    const u = url.startsWith('/') ? null : new URL(url);
    return { path: u ? u.pathname : url, ...(u?.password ? { password: decodeURIComponent(u.password) } : {}) };
  }
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : 6379,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** Workers wait out a Redis outage instead of failing commands (BullMQ's production guidance). */
export function workerConnection(base: RedisOptions): RedisOptions {
  return { ...base, maxRetriesPerRequest: null };
}

/** Lock and stalled-check timing, identical on every worker (BullMQ's stall check is queue-wide). */
export function stallOptions(stalledIntervalMs: number): { lockDuration: number; stalledInterval: number } {
  return { lockDuration: stalledIntervalMs, stalledInterval: stalledIntervalMs };
}

/** A Redis URL safe to log: the password replaced. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
