// A BullMQ prefix no other test uses (kept apart from redis.ts so naming one loads no Redis client).
import { randomUUID } from 'node:crypto';

export function uniquePrefix(): string {
  return `t-${randomUUID()}`;
}
