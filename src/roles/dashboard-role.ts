// The dashboard role: Bull Board, /healthz and /metrics over HTTP for every queue of the deployment.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { withTimeout } from '../async.js';
import type { Config } from '../config/config.js';
import { BOARD_PATH } from '../dashboard/board.js';
import { createDashboard } from '../dashboard/dashboard.js';
import { formatHost, hostPolicy, LOOPBACK_HOSTS } from '../dashboard/host-check.js';
import type { Logger } from '../logger.js';
import type { QueueRegistry } from '../queues/queue-registry.js';
import type { Role } from './role.js';

export interface DashboardRoleDeps {
  readonly config: Config;
  /** Only its connection options and prefix are used: the dashboard owns fail-fast connections. */
  readonly queues: QueueRegistry;
  readonly logger: Logger;
  /** Roles running in this process, for /healthz. */
  readonly roles: () => string[];
  /** Queue re-discovery period; default 30 s. */
  readonly discoveryIntervalMs?: number;
  /** The fleet's testpoints, for the status page (see dashboard.ts). */
  readonly testpoints?: readonly string[];
}

/** A URL a client on this machine can open: wildcard binds are reached through loopback. */
export function dashboardUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startDashboardRole(deps: DashboardRoleDeps): Promise<Role & { url: string }> {
  const { config, logger } = deps;
  const log = logger.child({ role: 'dashboard' });
  const dashboard = await createDashboard({
    config,
    connection: deps.queues.connection,
    prefix: deps.queues.prefix,
    logger: log,
    roles: deps.roles,
    ...(deps.discoveryIntervalMs !== undefined ? { discoveryIntervalMs: deps.discoveryIntervalMs } : {}),
    ...(deps.testpoints !== undefined ? { testpoints: deps.testpoints } : {}),
  });
  const server = createServer(dashboard.app);
  // Idle keep-alive sockets would otherwise hold close() until the browser gives up on them.
  server.keepAliveTimeout = 5000;
  let address: AddressInfo;
  try {
    address = await listen(server, config.dashboardPort, config.dashboardHost);
  } catch (err) {
    await dashboard.close();
    throw new Error(`dashboard cannot listen on ${config.dashboardHost}:${config.dashboardPort} (DASHBOARD_HOST, DASHBOARD_PORT): ${(err as Error).message}`, { cause: err });
  }
  const url = dashboardUrl(config.dashboardHost, address.port);
  const auth = config.dashboardUser !== null ? 'basic' : 'none';
  const policy = hostPolicy({ credentials: auth === 'basic', allowedHosts: config.dashboardAllowedHosts, bindHost: config.dashboardHost });
  // Which Host names are answered, so an operator whose browser gets 421 sees why in the start line.
  const hostNames = policy.any ? 'any' : [...new Set([...LOOPBACK_HOSTS.map((h) => formatHost({ host: h, port: null })), ...policy.allowed.map(formatHost)])];
  const where = { url: `${url}${BOARD_PATH}`, host: config.dashboardHost, port: address.port, auth, readOnly: config.dashboardReadOnly, hostNames };
  if (auth === 'basic') log.info(where, 'dashboard listening');
  else if (config.dashboardPublic) {
    log.warn(where, `dashboard listening WITHOUT authentication on ${config.dashboardHost} (DASHBOARD_PUBLIC=true): anyone who reaches it can retry and delete jobs`);
  } else {
    log.warn(where, `dashboard has no authentication (DASHBOARD_USER/DASHBOARD_PASSWORD unset), so it listens on ${config.dashboardHost} only`);
  }

  let closing: Promise<void> | null = null;
  return {
    name: 'dashboard',
    url,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A request in flight gets 2 s; then every socket is dropped so shutdown stays bounded.
        await withTimeout(closed, 2000, 'http close').catch(() => server.closeAllConnections());
        await dashboard.close();
        log.info('dashboard stopped');
      })();
      return closing;
    },
  };
}
