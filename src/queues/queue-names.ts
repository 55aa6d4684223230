// Queue names. Each testpoint owns its measure queues; throughput has its own worker (one at a time).
import type { Category } from '../plan/categories.js';

export const SCHEDULE_QUEUE = 'schedule';
import { createHash } from 'node:crypto';

/**
 * One archive queue per archiver: a stalled archiver then ties up only its own workers' slots,
 * never the deliveries to the others. The host keeps the name readable in the dashboard; the hash
 * tells apart two archivers on one host.
 */
export function archiveQueueName(url: string): string {
  let host = 'archiver';
  try {
    host = new URL(url).host.replace(/[^A-Za-z0-9.-]/g, '-');
  } catch {
    // keep the generic name; the hash still makes it unique
  }
  return `archive-${host}-${createHash('sha256').update(url).digest('hex').slice(0, 8)}`;
}

export const ARCHIVE_QUEUE_PREFIX = 'archive-';

export function measureQueueName(testpoint: string): string {
  return `measure-${testpoint}`;
}

/** Throughput tests saturate the path: one at a time per testpoint and destination (measure/throughput-leases.ts). */
export function throughputQueueName(testpoint: string): string {
  return `throughput-${testpoint}`;
}

export function queueNameFor(testpoint: string, category: Category): string {
  return category === 'throughput' ? throughputQueueName(testpoint) : measureQueueName(testpoint);
}
