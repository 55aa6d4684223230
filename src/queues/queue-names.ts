// Queue names. Each testpoint owns its measure queues; throughput has its own so it never overlaps.
import type { Category } from '../plan/categories.js';

export const SCHEDULE_QUEUE = 'schedule';
export { ARCHIVE_QUEUE } from '../archive/archive-job.js';

export function measureQueueName(testpoint: string): string {
  return `measure-${testpoint}`;
}

/** Throughput tests saturate the path: one at a time per testpoint (global concurrency 1). */
export function throughputQueueName(testpoint: string): string {
  return `throughput-${testpoint}`;
}

export function queueNameFor(testpoint: string, category: Category): string {
  return category === 'throughput' ? throughputQueueName(testpoint) : measureQueueName(testpoint);
}
