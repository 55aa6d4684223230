// The dashboard's express app: /healthz (open, detail only with credentials), then the Host check
// (DNS rebinding), auth, /metrics and Bull Board. No listen(): the role (or a test) owns the server.
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logger.js';
import { basicAuth, credentialsCheck, sameOriginWrites, type BasicCredentials } from './auth.js';
import { BOARD_PATH } from './board.js';
import { summarizeHealth, type HealthReport } from './health.js';
import { hostAllowed, type HostPolicy } from './host-check.js';
import type { StatusReport } from '../operations/testpoint-status.js';
import { renderStatusPage, STATUS_PAGE_CSP } from './status-page.js';

export interface DashboardAppOptions {
  /** Bull Board's router (board.ts). */
  readonly board: RequestHandler;
  /** null: no authentication (the role then binds to loopback unless DASHBOARD_PUBLIC=true). */
  readonly credentials: BasicCredentials | null;
  /** Which Host names are answered (host-check.ts). */
  readonly hostPolicy: HostPolicy;
  readonly health: () => Promise<HealthReport>;
  /** Prometheus exposition text and its content type. */
  readonly metrics: () => Promise<{ contentType: string; text: string }>;
  /** The testpoints' status (`psq status`) for /status and /status.json; absent: no such pages. */
  readonly status?: () => Promise<StatusReport>;
  readonly logger: Logger;
}

export const HOST_REFUSED_TEXT =
  'misdirected request: this dashboard does not answer to the Host name in this request (DNS-rebinding protection).\n' +
  'If clients reach it under that name, add the name to DASHBOARD_ALLOWED_HOSTS (comma list, optional :port) and restart it.\n';

/** 421 for a Host the policy does not allow; the refused name reaches the log at most once a minute. */
function hostGuard(policy: HostPolicy, logger: Logger): RequestHandler {
  let lastWarnMs = 0;
  return (req: Request, res: Response, next: NextFunction) => {
    if (hostAllowed(req.headers.host, policy)) {
      next();
      return;
    }
    const now = Date.now();
    // An operator who uses a new name sees it here; a stream of probes cannot flood the log.
    if (now - lastWarnMs >= 60_000) {
      lastWarnMs = now;
      logger.warn(
        { host: (req.headers.host ?? '(none)').slice(0, 100), method: req.method, path: req.path.slice(0, 100) },
        'dashboard refused a request for a Host name it does not serve (421); if clients use that name, add it to DASHBOARD_ALLOWED_HOSTS',
      );
    }
    res.set('Cache-Control', 'no-store');
    res.status(421).type('text/plain').send(HOST_REFUSED_TEXT);
  };
}

export function createDashboardApp(opts: DashboardAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });

  // Before the Host check and auth: load balancers and orchestrators probe it without credentials
  // and often by address (a kubelet sends the pod IP as Host). Without valid credentials it tells
  // up/down and totals only, so a rebound page learns nothing it could not learn from the status.
  // The detail (queue names carry testpoint ids and archiver hosts) needs the credentials and an
  // allowed Host; a dashboard without credentials shows it on the board and /metrics instead.
  const authenticated = opts.credentials !== null ? credentialsCheck(opts.credentials) : () => false;
  app.get('/healthz', async (req, res) => {
    const report = await opts.health();
    const detail = authenticated(req.headers.authorization) && hostAllowed(req.headers.host, opts.hostPolicy);
    res.set('Cache-Control', 'no-store');
    res.status(report.httpStatus).json(detail ? report.body : summarizeHealth(report.body));
  });

  // Before everything else, auth included: a rebound page must not even learn that auth is there.
  app.use(hostGuard(opts.hostPolicy, opts.logger));
  if (opts.credentials !== null) app.use(basicAuth(opts.credentials));
  app.use(sameOriginWrites());

  app.get('/metrics', async (_req, res) => {
    const { contentType, text } = await opts.metrics();
    res.set('Cache-Control', 'no-store');
    res.type(contentType).send(text);
  });
  if (opts.status) {
    const status = opts.status;
    // Redis not answering is the one expected failure: a 503 that says so, not the generic 500.
    const unavailable = 'testpoint status unavailable: Redis did not answer';
    app.get('/status.json', async (_req, res) => {
      res.set('Cache-Control', 'no-store');
      const report = await status().catch(() => null);
      if (report === null) res.status(503).json({ error: unavailable });
      else res.json(report);
    });
    app.get('/status', async (_req, res) => {
      res.set('Cache-Control', 'no-store');
      res.set('Content-Security-Policy', STATUS_PAGE_CSP);
      const report = await status().catch(() => null);
      if (report === null) res.status(503).type('text/plain').send(`${unavailable}\n`);
      else res.type('html').send(renderStatusPage(report));
    });
  }
  app.get('/', (_req, res) => res.redirect(302, BOARD_PATH));
  app.use(BOARD_PATH, opts.board);

  // Express 5 hands rejected async handlers here. Details go to the log, not to the client.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    opts.logger.error({ err, method: req.method, path: req.path }, 'dashboard request failed');
    if (res.headersSent) {
      next(err);
      return;
    }
    res.status(500).type('text/plain').send('internal error\n');
  });
  return app;
}
