// The dashboard's express app: /healthz (always open), then auth, /metrics and Bull Board. No listen():
// the role (or a test) owns the server.
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from '../logger.js';
import { basicAuth, sameOriginWrites, type BasicCredentials } from './auth.js';
import { BOARD_PATH } from './board.js';
import type { HealthReport } from './health.js';

export interface DashboardAppOptions {
  /** Bull Board's router (board.ts). */
  readonly board: RequestHandler;
  /** null: no authentication (the role then binds to loopback unless DASHBOARD_PUBLIC=true). */
  readonly credentials: BasicCredentials | null;
  readonly health: () => Promise<HealthReport>;
  /** Prometheus exposition text and its content type. */
  readonly metrics: () => Promise<{ contentType: string; text: string }>;
  readonly logger: Logger;
}

export function createDashboardApp(opts: DashboardAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.set('X-Content-Type-Options', 'nosniff');
    res.set('Referrer-Policy', 'no-referrer');
    next();
  });

  // Before auth: load balancers and orchestrators probe it without credentials. It reveals counts only.
  app.get('/healthz', async (_req, res) => {
    const report = await opts.health();
    res.set('Cache-Control', 'no-store');
    res.status(report.httpStatus).json(report.body);
  });

  if (opts.credentials !== null) app.use(basicAuth(opts.credentials));
  app.use(sameOriginWrites());

  app.get('/metrics', async (_req, res) => {
    const { contentType, text } = await opts.metrics();
    res.set('Cache-Control', 'no-store');
    res.type(contentType).send(text);
  });
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
