// The one place a psq process is wired together: Redis and the queues, the measurement backend,
// the plan, and the roles. `psq start`, the workers/ entry points and `psq run-once` all go
// through here, so a round run now is wired exactly like a scheduled one.
import type { Config } from './config/config.js';
import type { Logger } from './logger.js';
import { partitionSupported, type MeasureBackend, type SkippedSpec } from './measure/backend.js';
import { createBackend } from './measure/create-backend.js';
import { decideBackend, findExecutable, type BackendDecision } from './measure/select-backend.js';
import type { MeasurementSpec } from './plan/measurement-spec.js';
import { plan } from './plan/plan.js';
import { resolveRedis, type RedisHandle } from './queues/embedded-redis.js';
import { QueueRegistry } from './queues/queue-registry.js';
import { requireRedis, waitForRedis, type WaitForRedisOptions } from './queues/redis-check.js';
import { readRedisTls } from './queues/redis-tls.js';
import { startArchiveRole } from './roles/archive-role.js';
import { startDashboardRole } from './roles/dashboard-role.js';
import { startMeasureRole } from './roles/measure-role.js';
import { startResponderRole } from './roles/responder-role.js';
import type { Role } from './roles/role.js';
import type { RoleName } from './roles/role-name.js';
import type { RoundSchedule } from './schedule/scheduler-sync.js';
import { startSchedulerRole } from './roles/scheduler-role.js';

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

export function setUpMeasurement(config: Config, logger: Logger, options: { readonly logBackend: boolean }): Measurement {
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
  readonly queues: QueueRegistry;
  readonly measurement: Measurement;
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
  const { config, logger, queues, measurement } = wiring;
  switch (name) {
    case 'responder':
      return startResponderRole({ port: config.iperf3Port, bind: config.responderBind, logger, processEnv: config.processEnv });
    case 'dashboard':
      return startDashboardRole({ config, queues, logger, roles: () => [...all], ...(wiring.fleetTestpoints ? { testpoints: wiring.fleetTestpoints } : {}) });
    case 'measure':
      return startMeasureRole({ config, queues, backend: measurement.backend, logger, shutdownGraceMs: config.shutdownTimeoutMs });
    case 'archive':
      return startArchiveRole({ config, queues, logger, shutdownGraceMs: wiring.archiveGraceMs ?? config.shutdownTimeoutMs });
    case 'scheduler': {
      const schedules = wiring.fleet?.schedules ?? [{ testpoint: config.testpoint, pattern: config.cronExpression, tz: config.tz, specs: measurement.specs }];
      return startSchedulerRole({ config, schedules, queues, logger, ownsAllSchedules: wiring.fleet?.ownsAll === true });
    }
  }
}
