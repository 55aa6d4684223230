// HTTP basic auth for the dashboard, and a same-origin check on writes (basic auth alone invites CSRF).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export interface BasicCredentials {
  readonly user: string;
  /** A secret: never logged. */
  readonly password: string;
}

export const REALM = 'perfsonar-queue dashboard';

/** Hash first, so both sides have the same length and timingSafeEqual cannot leak the length. */
function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The user and password of an `Authorization: Basic …` header, or null when absent or malformed. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | null {
  if (header === undefined) return null;
  const m = /^\s*basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return null;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** A check of `Authorization` headers against `expected`, in constant time. */
export function credentialsCheck(expected: BasicCredentials): (header: string | undefined) => boolean {
  const expectedUser = digest(expected.user);
  const expectedPassword = digest(expected.password);
  return (header) => {
    const given = parseBasicAuth(header);
    // Both halves are always compared, so a wrong user costs as long as a wrong password.
    const userOk = given !== null && timingSafeEqual(digest(given.user), expectedUser);
    const passwordOk = given !== null && timingSafeEqual(digest(given.password), expectedPassword);
    return userOk && passwordOk;
  };
}

/** 401 with a Basic challenge unless the request carries `expected`. */
export function basicAuth(expected: BasicCredentials): RequestHandler {
  const matches = credentialsCheck(expected);
  return (req: Request, res: Response, next: NextFunction) => {
    if (matches(req.headers.authorization)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', `Basic realm="${REALM}", charset="UTF-8"`);
    res.set('Cache-Control', 'no-store');
    res.status(401).type('text/plain').send('authentication required\n');
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a browser sent on behalf of another site. Browsers attach
 * cached basic-auth credentials to cross-site requests, so without this a page elsewhere could
 * retry, clean or add jobs. Non-browser clients (curl, scripts) send no Origin and pass.
 */
export function sameOriginWrites(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    let crossSite = site === 'cross-site' || site === 'same-site';
    if (!crossSite && typeof origin === 'string' && origin !== 'null') {
      try {
        crossSite = new URL(origin).host !== req.headers.host;
      } catch {
        crossSite = true;
      }
    } else if (origin === 'null') {
      crossSite = true;
    }
    if (crossSite) {
      res.status(403).type('text/plain').send('cross-site request refused\n');
      return;
    }
    next();
  };
}
