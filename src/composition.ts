// The one place a psq process is wired together: Redis and the queues, the measurement backend,
// the plan, and the roles. `psq start`, the workers/ entry points and `psq run-once` all go
// through here, so a round run now is wired exactly like a scheduled one.
//
// A role's modules are imported when that role starts (`await import(…)` below), and the queue and
// measurement modules when something needs them: a process running one role keeps in memory only
// what that role uses (the archive role no express or bull-board, the measure role no undici…).
import type { Config } from './config/config.js';
import type { Logger } from './logger.js';
import type { MeasureBackend, SkippedSpec } from './measure/backend.js';
import type { BackendDecision } from './measure/select-backend.js';
import type { MeasurementSpec } from './plan/measurement-spec.js';
import type { RedisHandle } from './queues/embedded-redis.js';
import type { QueueRegistry } from './queues/queue-registry.js';
import type { WaitForRedisOptions } from './queues/redis-check.js';
import type { Role } from './roles/role.js';
import type { RoleName } from './roles/role-name.js';
import type { RoundSchedule } from './schedule/scheduler-sync.js';

export interface Queues {
  readonly redis: RedisHandle;
  readonly queues: QueueRegistry;
}

export function warnAboutConfig(config: Config, logger: Logger): void {
  if (config.archiveUrls.length === 0) logger.warn('ARCHIVE_URLS is empty: results are kept on disk only');
}

/**
 * Redis, checked before any queue is opened. A command tries once and throws RedisConnectError
 * (exit 2 for a refused password or database, 1 when out of reach); with `wait`, a long-running
 * role retries with backoff until Redis answers, and gets null if told to stop meanwhile.
 */
export async function openQueues(config: Config, logger: Logger): Promise<Queues>;
export async function openQueues(config: Config, logger: Logger, wait: Omit<WaitForRedisOptions, 'logger'>): Promise<Queues | null>;
export async function openQueues(config: Config, logger: Logger, wait?: Omit<WaitForRedisOptions, 'logger'>): Promise<Queues | null> {
  const [{ resolveRedis }, { QueueRegistry }, { requireRedis, waitForRedis }, { readRedisTls }] = await Promise.all([
    import('./queues/embedded-redis.js'),
    import('./queues/queue-registry.js'),
    import('./queues/redis-check.js'),
    import('./queues/redis-tls.js'),
  ]);
  const redis = await resolveRedis({ redisUrl: config.redisUrl, dataDir: config.dataDir, logger, processEnv: config.processEnv, tls: await readRedisTls(config) });
  try {
    if (wait === undefined) await requireRedis(redis.options);
    else if (!(await waitForRedis(redis.options, { ...wait, logger }))) {
      await redis.stop();
      return null;
    }
  } catch (err) {
    await redis.stop();
    throw err;
  }
  logger.info({ redis: redis.description, prefix: config.queuePrefix }, 'using Redis');
  return { redis, queues: new QueueRegistry(redis.options, config.queuePrefix, logger) };
}

/** What this process measures with, and the plan it fans out. */
export interface Measurement {
  readonly decision: BackendDecision;
  readonly backend: MeasureBackend;
  /** The whole plan: in a fleet the testpoints' backends may differ (a measure worker reports what its backend cannot measure as skipped). */
  readonly specs: readonly MeasurementSpec[];
  /** The plan split by what this process's own backend can measure. */
  readonly runnable: readonly MeasurementSpec[];
  readonly skipped: readonly SkippedSpec[];
}

export async function setUpMeasurement(config: Config, logger: Logger, options: { readonly logBackend: boolean }): Promise<Measurement> {
  const [{ partitionSupported }, { createBackend }, { decideBackend, findExecutable }, { plan }] = await Promise.all([
    import('./measure/backend.js'),
    import('./measure/create-backend.js'),
    import('./measure/select-backend.js'),
    import('./plan/plan.js'),
  ]);
  const decision = decideBackend(config, (bin) => findExecutable(bin, config.path));
  if (options.logBackend) logger.info({ backend: decision.name, reason: decision.reason }, 'measurement backend');
  const backend = createBackend(decision.name, config, logger);
  const { specs, notes } = plan(config);
  for (const n of notes) logger.warn({ category: n.category, tool: n.tool }, n.message);
  const { runnable, skipped } = partitionSupported(specs, backend.supports);
  return { decision, backend, specs, runnable, skipped };
}

/** The roles `psq start` runs when none are named: all of them, and the iperf3 responder for the direct backend. */
export function defaultRoles(decision: BackendDecision): RoleName[] {
  const base: RoleName[] = ['scheduler', 'measure', 'archive', 'dashboard'];
  return decision.name === 'direct' ? [...base, 'responder'] : base;
}

export interface RoleWiring {
  readonly config: Config;
  readonly logger: Logger;
  /** null: no role started here uses Redis (the responder alone). */
  readonly queues: QueueRegistry | null;
  /** null: no role started here measures or schedules. */
  readonly measurement: Measurement | null;
  /** How long a closing archive role waits for deliveries in flight (default SHUTDOWN_TIMEOUT). */
  readonly archiveGraceMs?: number;
  /**
   * Whether a responder that cannot start is only a warning. run-once measures this host too (the
   * quick start measures 127.0.0.1): without iperf3 the other categories still measure, and
   * throughput then reports the tool missing.
   */
  readonly responderOptional?: boolean;
  /**
   * What the scheduler role schedules: the whole fleet's plan (FLEET_FILE), or by default this
   * configuration's one testpoint on CRON_EXPRESSION.
   */
  readonly fleet?: { readonly schedules: readonly RoundSchedule[]; readonly ownsAll: boolean };
  /** FLEET_FILE's testpoints: the ones the dashboard's status page expects. */
  readonly fleetTestpoints?: readonly string[];
}

/**
 * Starts `names` in order and returns them. Roles already started are closed again if a later
 * one fails, so a failed start leaves nothing running.
 */
export async function startRoles(names: readonly RoleName[], wiring: RoleWiring): Promise<Role[]> {
  const { logger } = wiring;
  const roles: Role[] = [];
  try {
    for (const name of names) {
      const role = await startRole(name, wiring, names).catch((err: unknown) => {
        if (name !== 'responder' || wiring.responderOptional !== true) throw err;
        logger.warn({ err: (err as Error).message }, 'no iperf3 responder for this round');
        return null;
      });
      if (role) roles.push(role);
    }
  } catch (err) {
    await Promise.allSettled(roles.map((r) => r.close()));
    throw err;
  }
  return roles;
}

async function startRole(name: RoleName, wiring: RoleWiring, all: readonly RoleName[]): Promise<Role> {
  const { config, logger } = wiring;
  const queues = () => wiring.queues ?? missing(name, 'Redis queues');
  const measurement = () => wiring.measurement ?? missing(name, 'a measurement set-up');
  switch (name) {
    case 'responder': {
      const { startResponderRole } = await import('./roles/responder-role.js');
      return startResponderRole({ port: config.iperf3Port, bind: config.responderBind, logger, processEnv: config.processEnv });
    }
    case 'dashboard': {
      const { startDashboardRole } = await import('./roles/dashboard-role.js');
      return startDashboardRole({ config, queues: queues(), logger, roles: () => [...all], ...(wiring.fleetTestpoints ? { testpoints: wiring.fleetTestpoints } : {}) });
    }
    case 'measure': {
      const { startMeasureRole } = await import('./roles/measure-role.js');
      return startMeasureRole({ config, queues: queues(), backend: measurement().backend, logger, shutdownGraceMs: config.shutdownTimeoutMs });
    }
    case 'archive': {
      const { startArchiveRole } = await import('./roles/archive-role.js');
      return startArchiveRole({ config, queues: queues(), logger, shutdownGraceMs: wiring.archiveGraceMs ?? config.shutdownTimeoutMs });
    }
    case 'scheduler': {
      const { startSchedulerRole } = await import('./roles/scheduler-role.js');
      const schedules = wiring.fleet?.schedules ?? [{ testpoint: config.testpoint, pattern: config.cronExpression, tz: config.tz, specs: measurement().specs }];
      return startSchedulerRole({ config, schedules, queues: queues(), logger, ownsAllSchedules: wiring.fleet?.ownsAll === true });
    }
  }
}

/** Whether `roles` need Redis: every role but the responder does. Pure. */
export function rolesUseRedis(roles: readonly RoleName[]): boolean {
  return roles.some((r) => r !== 'responder');
}

/** Whether `roles` need the backend and plan (setUpMeasurement): the measure and scheduler roles. Pure. */
export function rolesMeasure(roles: readonly RoleName[]): boolean {
  return roles.includes('measure') || roles.includes('scheduler');
}

function missing(role: RoleName, what: string): never {
  throw new Error(`the ${role} role was started without ${what}`);
}
