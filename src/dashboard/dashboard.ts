// Assembles the dashboard from its parts (connections, queue watch, metrics, board, app); no listen().
import type { RedisOptions } from 'bullmq';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import { connectionFor } from '../queues/connection-kinds.js';
import { withTimeout } from '../async.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { createDashboardApp } from './app.js';
import { createBoard } from './board.js';
import { checkHealth } from './health.js';
import { hostPolicy } from './host-check.js';
import { JobEventRecorder } from './job-events.js';
import { createDashboardMetrics, type DashboardMetrics } from './metrics.js';
import { PendingArchiveScanner } from './pending-archive.js';
import { configuredQueueNames } from './queue-discovery.js';
import { QueueWatch } from './queue-watch.js';
import { refreshScrapeGauges } from './scrape.js';
import { readStatusReport } from '../operations/testpoint-status-reader.js';
import { setTestpointGauges } from './testpoint-gauges.js';

export type DashboardConfig = Pick<
  Config,
  | 'authToken'
  | 'archiveUrls'
  | 'testpoint'
  | 'dashboardUser'
  | 'dashboardPassword'
  | 'dashboardReadOnly'
  | 'dashboardHost'
  | 'dashboardAllowedHosts'
>;

export interface DashboardDeps {
  readonly config: DashboardConfig;
  /** Base Redis options and BullMQ prefix (the QueueRegistry's). */
  readonly connection: RedisOptions;
  readonly prefix: string;
  readonly logger: Logger;
  /** Roles running in this process, for /healthz. */
  readonly roles: () => readonly string[];
  /** How often queues are re-discovered; default 30 s. */
  readonly discoveryIntervalMs?: number;
  /** The testpoints the status page expects (FLEET_FILE's); by default this process's own when it measures. */
  readonly testpoints?: readonly string[];
}

export interface Dashboard {
  readonly app: Express;
  readonly metrics: DashboardMetrics;
  /** Discovers queues once more now (the timer does it every discoveryIntervalMs). */
  refresh(): Promise<void>;
  /** Resolves when every queue's event listener is connected. */
  ready(timeoutMs: number): Promise<void>;
  /** Idempotent and bounded. */
  close(): Promise<void>;
}

export async function createDashboard(deps: DashboardDeps): Promise<Dashboard> {
  const { config, logger } = deps;
  // Fail fast: no offline queue, one retry. /healthz and scrapes must answer during an outage,
  // and the reconnect loop keeps trying in the background.
  const control = new Redis(connectionFor('control', deps.connection) as Record<string, unknown>);
  let redisDown = false;
  control.on('error', (err) => {
    if (!redisDown) logger.warn({ err: err.message }, 'dashboard cannot reach Redis; retrying');
    redisDown = true;
  });
  control.on('ready', () => {
    if (redisDown) logger.info('dashboard reconnected to Redis');
    redisDown = false;
  });

  // Give Redis a moment to answer before the first discovery; without it the board starts with the
  // known queues and the timer finds the rest.
  if (control.status !== 'ready') {
    await withTimeout(new Promise((resolve) => control.once('ready', resolve)), 2000, 'redis connect').catch(() => undefined);
  }

  const metrics = createDashboardMetrics();
  const recorder = new JobEventRecorder(metrics, logger);
  const redisPassword = (deps.connection as { password?: string }).password;
  const board = createBoard({ readOnly: config.dashboardReadOnly, secrets: [config.authToken, config.dashboardPassword, redisPassword] });
  const known = configuredQueueNames(config, deps.roles());
  const watch = new QueueWatch({ connection: deps.connection, prefix: deps.prefix, control, recorder, logger, known, onQueue: (q) => board.add(q) });
  const pending = new PendingArchiveScanner(control);

  await watch.refresh().catch((err: unknown) => logger.warn({ err }, 'queue discovery failed; showing the configured queues until Redis answers'));
  watch.start(deps.discoveryIntervalMs ?? 30_000);

  // The fleet's testpoints, or this process's own when it measures here (a central scheduler's
  // TESTPOINT is only its hostname's default); the rest are the testpoints whose queues the watch has found.
  const status = () =>
    readStatusReport(control, {
      prefix: deps.prefix,
      configured: deps.testpoints ?? (deps.roles().includes('measure') ? [config.testpoint] : []),
      queueNames: watch.names(),
      timeoutMs: 3000,
    });
  const credentials =
    config.dashboardUser !== null && config.dashboardPassword !== null
      ? { user: config.dashboardUser, password: config.dashboardPassword }
      : null;
  const app = createDashboardApp({
    board: board.router,
    credentials,
    hostPolicy: hostPolicy({ credentials: credentials !== null, allowedHosts: config.dashboardAllowedHosts, bindHost: config.dashboardHost }),
    logger,
    health: () => checkHealth({ control, queues: () => watch.queues(), roles: deps.roles }),
    status,
    metrics: async () => {
      await refreshScrapeGauges({ control, watch, metrics, recorder, pending, archiveUrls: config.archiveUrls, logger, timeoutMs: 5000 });
      setTestpointGauges(metrics, control.status === 'ready' ? await status().catch(() => null) : null);
      return { contentType: metrics.registry.contentType, text: await metrics.registry.metrics() };
    },
  });

  let closing: Promise<void> | null = null;
  return {
    app,
    metrics,
    refresh: () => watch.refresh(),
    ready: (timeoutMs) => watch.ready(timeoutMs),
    close() {
      closing ??= (async () => {
        // With Redis gone there is nothing to close gracefully: do not make shutdown wait for it.
        await watch.close(control.status === 'ready' ? 5000 : 500);
        await withTimeout(control.quit(), 2000, 'redis quit').catch(() => control.disconnect());
      })();
      return closing;
    },
  };
}
