// REDIS_URL → ioredis options. BullMQ gets options, not instances, so it can duplicate connections.
import type { RedisOptions } from 'bullmq';

export type RedisUrlResult = { ok: true; options: RedisOptions } | { ok: false; expected: string };

const URL_FORM = 'a redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://… URL';

/**
 * Pure: a redis:// or rediss:// URL → options, or what is wrong with it. The password goes in the
 * userinfo only; a `?password=` (or any query) is refused rather than half-honoured, so it can never
 * be silently dropped or end up in a log line that masks only the userinfo.
 */
export function parseRedisUrl(raw: string): RedisUrlResult {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return { ok: false, expected: URL_FORM };
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') return { ok: false, expected: `${URL_FORM} (got the scheme ${u.protocol})` };
  if (u.hostname === '') return { ok: false, expected: `${URL_FORM} (the host is missing)` };
  if (u.search !== '' || u.hash !== '') {
    return { ok: false, expected: `${URL_FORM} without "?…" or "#…": put the password in the URL as redis://:PASSWORD@HOST:PORT` };
  }
  const dbText = u.pathname.replace(/^\/+/, '');
  if (dbText !== '' && !/^\d{1,5}$/.test(dbText)) return { ok: false, expected: `${URL_FORM}: the path is a database number (got /${dbText})` };
  const db = dbText === '' ? 0 : Number(dbText);
  let username = '';
  let password = '';
  try {
    username = decodeURIComponent(u.username);
    password = decodeURIComponent(u.password);
  } catch {
    return { ok: false, expected: `${URL_FORM} with "%" in the user or password written as %25 (the value does not decode)` };
  }
  return {
    ok: true,
    options: {
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: u.port ? Number(u.port) : 6379,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(db > 0 ? { db } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  };
}

/** PEM text for a rediss:// connection (REDIS_CA_FILE, REDIS_CERT_FILE, REDIS_KEY_FILE, read by redis-tls.ts). */
export interface RedisTlsPem {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/**
 * The base options every connection kind spreads (connection-kinds.ts), so the CA and client
 * certificate reach workers, queues, probes and side connections alike. `tls` applies only to a
 * rediss:// URL: configuration refuses the files with any other.
 */
export function redisOptionsFromUrl(url: string, tls: RedisTlsPem = {}): RedisOptions {
  if (url.startsWith('unix:') || url.startsWith('/')) {
    const u = url.startsWith('/') ? null : new URL(url);
    return { path: u ? u.pathname : url, ...(u?.password ? { password: decodeURIComponent(u.password) } : {}) };
  }
  const parsed = parseRedisUrl(url);
  // Configuration was checked with parseRedisUrl; this only guards callers that skipped it.
  if (!parsed.ok) throw new Error(`REDIS_URL ${redactRedisUrl(url)}: expected ${parsed.expected}`);
  const options = parsed.options;
  if (options.tls === undefined) return options;
  return { ...options, tls: { ...options.tls, ...tls } };
}

/**
 * How often a job may lose its lock and be handed out again before BullMQ fails it with "job stalled
 * more than allowable limit". Every Redis outage longer than the lock and every worker death costs
 * each active job one stall; BullMQ's default of 1 turned the second of these into a failure of a
 * job that had succeeded. Re-runs are idempotent here (measured-marker.ts, in-flight.ts; deliveries
 * upsert by run_id + ts), so stalls are harmless; the limit only stops a job that kills every worker
 * that takes it.
 */
export const MAX_STALLS = 10;

/** Lock and stalled-check timing, identical on every worker (BullMQ's stall check is queue-wide). */
export function stallOptions(stalledIntervalMs: number): { lockDuration: number; stalledInterval: number; maxStalledCount: number } {
  return { lockDuration: stalledIntervalMs, stalledInterval: stalledIntervalMs, maxStalledCount: MAX_STALLS };
}

/** A Redis URL safe to log: the password (in the userinfo or a query) replaced. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.search !== '') u.search = '?***';
    return u.toString();
  } catch {
    // Unparseable: with an "@" or "?" a password could sit anywhere in it, so show only the scheme.
    if (!/[@?]/.test(url)) return url;
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? '';
    return `${scheme}… (not shown: it may hold a password)`;
  }
}

/** Where the options point, for messages (never the password). */
export function describeRedisTarget(options: RedisOptions): string {
  const o = options as { path?: string; host?: string; port?: number; db?: number };
  if (o.path) return `unix:${o.path}`;
  const host = (o.host ?? '127.0.0.1').includes(':') ? `[${o.host}]` : (o.host ?? '127.0.0.1');
  return `${host}:${o.port ?? 6379}${o.db ? `/${o.db}` : ''}`;
}
