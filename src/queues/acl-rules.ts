// Redis ACL users for a fleet (`psq acl`): one user per testpoint that reaches only its own queues, the
// archive queues it feeds and its own state; one user per central role. Pure: ids, archive URLs and the
// prefix in, rule text out (the fleet file can feed it the same way TESTPOINT does).
import { ARCHIVE_QUEUE_PREFIX, archiveQueueName, measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from './queue-names.js';

export type AclRole = 'testpoint' | 'scheduler' | 'archive' | 'dashboard';

export interface AclUser {
  /** The Redis user name: psq-tp-<testpoint>, psq-scheduler, psq-archive, psq-dashboard. */
  readonly name: string;
  readonly role: AclRole;
  readonly testpoint: string | null;
  /** Key rules: ~pattern (read and write) or %R~pattern (read only). */
  readonly keys: readonly string[];
  /** Command rules, in order (later ones win). */
  readonly commands: readonly string[];
}

export interface AclInput {
  readonly prefix: string;
  readonly testpoints: readonly string[];
  readonly archiveUrls: readonly string[];
}

/** Per-testpoint state (heartbeat, its throughput lease): <prefix>:tp:<testpoint>:*. */
export const testpointStatePattern = (prefix: string, testpoint: string): string => `${prefix}:tp:${testpoint}:*`;
/** Leases shared by testpoints (one throughput test per destination): <prefix>:lease:*. */
export const sharedLeasePattern = (prefix: string): string => `${prefix}:lease:*`;

/** A BullMQ queue's keys are <prefix>:<queue>:<suffix>; the bare name is included for completeness. */
const queueKeys = (prefix: string, queue: string): string[] => [`~${prefix}:${queue}`, `~${prefix}:${queue}:*`];

/**
 * What BullMQ and psq need, found against redis-server 7 with ACL LOG (test/integration/redis-acl.test.ts):
 * its Lua scripts (EVALSHA, EVAL on NOSCRIPT; the commands inside are checked against the same rules),
 * blocking pops on the marker (BZPOPMIN), streams for events, INFO for the version and eviction
 * check, TIME inside scripts (job ages), CLIENT SETNAME on worker connections and CLIENT LIST for
 * counting workers (`psq health`).
 * Everything @dangerous (FLUSHALL, FLUSHDB, CONFIG, KEYS, DEBUG, SHUTDOWN, ACL, MIGRATE, …) is off; of
 * it only INFO and those CLIENT subcommands come back.
 */
const BASE_COMMANDS = [
  '-@all',
  '+@read',
  '+@write',
  '+@scripting',
  '+@blocking',
  '+@transaction',
  '+@connection',
  '-@dangerous',
  '+info',
  // BullMQ's scripts read the server clock (job ages for removeOnComplete/removeOnFail, delays).
  '+time',
  '+client|setname',
  '+client|getname',
  '+client|id',
  '+client|list',
  // Script management is not needed to run scripts, and FUNCTION can hold code that outlives the user.
  '-script|flush',
  '-script|kill',
  '-function',
] as const;

/** Listing key names is not covered by key patterns: a testpoint must not see other testpoints' keys. */
const NO_KEY_LISTING = ['-scan', '-randomkey'] as const;

export function testpointUserName(testpoint: string): string {
  return `psq-tp-${testpoint}`;
}

export function aclUsers(input: AclInput): AclUser[] {
  const { prefix } = input;
  const archiveQueues = [...new Set(input.archiveUrls.map(archiveQueueName))];
  const archiveKeys = archiveQueues.flatMap((q) => queueKeys(prefix, q));
  const testpoints = [...new Set(input.testpoints)];
  const commands = [...BASE_COMMANDS];
  const users: AclUser[] = testpoints.map((tp) => ({
    name: testpointUserName(tp),
    role: 'testpoint',
    testpoint: tp,
    keys: [
      ...queueKeys(prefix, measureQueueName(tp)),
      ...queueKeys(prefix, throughputQueueName(tp)),
      ...archiveKeys,
      `~${testpointStatePattern(prefix, tp)}`,
      `~${sharedLeasePattern(prefix)}`,
    ],
    commands: [...commands, ...NO_KEY_LISTING],
  }));
  users.push(
    {
      name: 'psq-scheduler',
      role: 'scheduler',
      testpoint: null,
      // Every testpoint's queues, present and future: the scheduler adds their jobs and drops stale ones.
      keys: [
        ...queueKeys(prefix, SCHEDULE_QUEUE),
        `~${prefix}:${measureQueueName('*')}`,
        `~${prefix}:${throughputQueueName('*')}`,
        `%R~${prefix}:tp:*`,
      ],
      commands: [...commands, ...NO_KEY_LISTING],
    },
    {
      name: 'psq-archive',
      role: 'archive',
      testpoint: null,
      keys: [`~${prefix}:${ARCHIVE_QUEUE_PREFIX}*`],
      commands: [...commands, ...NO_KEY_LISTING],
    },
    {
      name: 'psq-dashboard',
      role: 'dashboard',
      testpoint: null,
      // The dashboard finds queues by listing keys (SCAN), so it keeps SCAN. It cannot be made read-only
      // in Redis: BullMQ reads through EVALSHA, and Redis counts a script's keys as written, so a %R~
      // user cannot even count jobs. DASHBOARD_READ_ONLY is enforced by the dashboard itself.
      keys: [`~${prefix}:*`],
      commands,
    },
  );
  return users;
}

/** A password as Redis stores it: `#<sha256 hex>`, so the rule text never holds the password itself. */
export type PasswordHash = string;

/** `ACL SETUSER …`: replaces the user whole (reset), for redis-cli or a script. */
export function setUserLine(user: AclUser, sha256Hex: PasswordHash): string {
  return ['ACL SETUSER', user.name, 'reset', 'on', `#${sha256Hex}`, ...user.keys, 'resetchannels', ...user.commands].join(' ');
}

/** One line of an aclfile (redis.conf `aclfile`). */
export function aclFileLine(user: AclUser, sha256Hex: PasswordHash): string {
  return ['user', user.name, 'reset', 'on', `#${sha256Hex}`, ...user.keys, 'resetchannels', ...user.commands].join(' ');
}
