// Finds the deployment's queues in Redis, so a testpoint that starts measuring appears on the board
// without restarting the dashboard (in a fleet the dashboard's own config does not list testpoints).
import type { Redis } from 'ioredis';
import type { Config } from '../config/config.js';
import { ARCHIVE_QUEUE_PREFIX, archiveQueueName, measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../queues/queue-names.js';

/**
 * The queues of this deployment; anything else under the prefix is not ours to show or measure.
 * Archive queues are one per archiver (`archive-<host>-<hash>`); a plain `archive` (one shared
 * queue, the earlier layout) is still recognised so its leftover jobs stay visible.
 */
const DEPLOYMENT_QUEUE = /^(schedule|archive(-[A-Za-z0-9.-]{1,200})?|(measure|throughput)-[A-Za-z0-9._-]{1,64})$/;

export function isDeploymentQueue(name: string): boolean {
  return DEPLOYMENT_QUEUE.test(name);
}

export function isArchiveQueue(name: string): boolean {
  return name === 'archive' || name.startsWith(ARCHIVE_QUEUE_PREFIX);
}

/**
 * The queue a BullMQ key belongs to when the key marks a queue's existence: `<prefix>:<queue>:meta`
 * (written by every Queue, even an empty one) or `<prefix>:<queue>:id` (the job counter).
 * Neither prefix nor queue names may contain ':' (load-config enforces it), so the split is exact.
 */
export function queueNameFromKey(prefix: string, key: string): string | null {
  const parts = key.split(':');
  if (parts.length !== 3 || parts[0] !== prefix) return null;
  const [, name, suffix] = parts as [string, string, string];
  if (suffix !== 'meta' && suffix !== 'id') return null;
  return isDeploymentQueue(name) ? name : null;
}

/** Board and metrics order: schedule, each testpoint's measure and throughput queue, then the archive queues. */
export function sortQueueNames(names: Iterable<string>): string[] {
  const rank = (n: string) => (n === SCHEDULE_QUEUE ? 0 : isArchiveQueue(n) ? 2 : 1);
  const testpointOf = (n: string) => n.replace(/^(measure|throughput)-/, '');
  return [...new Set(names)].sort(
    (a, b) => rank(a) - rank(b) || testpointOf(a).localeCompare(testpointOf(b)) || a.localeCompare(b),
  );
}

/** Roles whose process owns this testpoint's queues: the measure worker takes from them, the scheduler fills them. */
const TESTPOINT_ROLES = new Set(['measure', 'scheduler']);

/**
 * The queues this process's configuration names, watched from the start (not when discovery first
 * finds them, up to one discovery interval later): schedule, one archive queue per ARCHIVE_URLS
 * entry, and — when this process also runs the testpoint's measure worker or scheduler — its
 * measure-<TESTPOINT> and throughput-<TESTPOINT>. A dashboard running alone (the central stack's
 * container) leaves the testpoint's out: its TESTPOINT is only its own hostname's default there;
 * the real testpoints' queues are discovered.
 */
export function configuredQueueNames(config: Pick<Config, 'testpoint' | 'archiveUrls'>, roles: readonly string[]): string[] {
  const testpoint = roles.some((r) => TESTPOINT_ROLES.has(r)) ? [measureQueueName(config.testpoint), throughputQueueName(config.testpoint)] : [];
  return sortQueueNames([SCHEDULE_QUEUE, ...testpoint, ...config.archiveUrls.map(archiveQueueName)]);
}

/** Never more than this many queues: each costs a QueueEvents connection and metric series. */
export const MAX_QUEUES = 512;

/**
 * Every deployment queue under `prefix`, plus `known` ones (schedule, the configured archivers'),
 * which belong on the board before their first job. SCAN (not KEYS) so a large Redis is never
 * blocked; one pass with a glob that covers both markers.
 */
export async function discoverQueueNames(client: Redis, prefix: string, known: readonly string[] = [SCHEDULE_QUEUE]): Promise<string[]> {
  const found = new Set<string>(known);
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*:[im][de]*`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = queueNameFromKey(prefix, key);
      if (name !== null && found.size < MAX_QUEUES) found.add(name);
    }
  } while (cursor !== '0');
  return sortQueueNames(found);
}
