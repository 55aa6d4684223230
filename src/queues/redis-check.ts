// Before any queue is opened: does Redis answer, take our password and database? One bounded try,
// so a command fails within seconds with a reason instead of BullMQ reconnecting forever.
import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { withTimeout } from '../async.js';
import type { Logger } from '../logger.js';
import { connectionFor } from './connection-kinds.js';
import { describeRedisTarget } from './redis-options.js';
import { describeRedisProblem, reconnectDelayMs, type RedisProblem } from './redis-problem.js';
import { tlsAlertAfterHandshake, tlsRefusal } from './tls-alert-probe.js';

/** A command cannot use Redis; `problem` says why and whether retrying could help. */
export class RedisConnectError extends Error {
  override readonly name = 'RedisConnectError';
  constructor(readonly problem: RedisProblem) {
    super(problem.message);
  }
  /** 2: REDIS_URL, a TLS certificate or the server's settings must change; 1: Redis is out of reach. */
  get exitCode(): number {
    return this.problem.kind === 'config' ? 2 : 1;
  }
}

/** null when Redis answers PING with these options (password and database included); else why not. */
export async function checkRedis(options: RedisOptions, timeoutMs = 5000): Promise<RedisProblem | null> {
  const { db, ...rest } = options as RedisOptions & { db?: number };
  const target = describeRedisTarget(options);
  const tls = (options as { tls?: { cert?: unknown } }).tls;
  if (tls !== undefined) {
    // TLS trouble is asked about on a socket of our own first (tls-alert-probe.ts tlsRefusal).
    let refused = await tlsRefusal(rest, timeoutMs);
    if (refused !== null && isCutOff(refused)) refused = (await tlsAlertAfterHandshake(rest)) ?? refused;
    if (refused !== null) return describeRedisProblem(refused, target, { tls: true, clientCert: tls.cert !== undefined });
  }
  // ioredis reports a refused SELECT on connect as an 'error' event and carries on in database 0,
  // so the database is selected here explicitly, where a refusal can be seen.
  const client = new Redis(connectionFor('probe', rest, timeoutMs) as Record<string, unknown>);
  let firstError: unknown = null;
  client.on('error', (err) => {
    firstError ??= err;
  });
  const answered = (async () => {
    await client.connect();
    if (db !== undefined && db > 0) await client.select(db);
    await client.ping();
  })();
  try {
    // A backstop past the client's own connectTimeout; it holds the process open, since the command
    // has nothing else to do until it has this answer.
    const timedOut = () => Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' });
    await withTimeout(answered, timeoutMs + 1000, 'Redis check', { keepAlive: true, error: timedOut });
    return null;
  } catch (err) {
    // "Connection is closed" hides the cause, which arrived as an 'error' event first.
    let cause = firstError ?? err;
    if (tls !== undefined && isCutOff(cause)) cause = (await tlsAlertAfterHandshake(rest)) ?? cause;
    return describeRedisProblem(cause, target, { tls: tls !== undefined, clientCert: tls?.cert !== undefined });
  } finally {
    client.disconnect();
  }
}

/** A reset or close with no reason given: over TLS, maybe a refused client certificate (tls-alert-probe.ts). */
function isCutOff(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === 'ECONNRESET' || e?.code === 'EPIPE' || (typeof e?.message === 'string' && /Connection is closed/i.test(e.message));
}

/** One try; throws RedisConnectError (exit 2 for a refused password or database, 1 when out of reach). */
export async function requireRedis(options: RedisOptions, timeoutMs = 5000): Promise<void> {
  const problem = await checkRedis(options, timeoutMs);
  if (problem !== null) throw new RedisConnectError(problem);
}

export interface WaitForRedisOptions {
  readonly logger: Logger;
  /** Resolves when the process is told to stop; waiting then ends with `false`. */
  readonly stopped?: Promise<unknown>;
  readonly delayMs?: (attempt: number) => number;
  readonly timeoutMs?: number;
}

/**
 * Long-running roles: try until Redis answers, one log line per failed attempt (no stack), waiting
 * longer each time. A refused password or database is not waited out: it throws RedisConnectError.
 * Returns false if `stopped` settled first.
 */
export async function waitForRedis(options: RedisOptions, opts: WaitForRedisOptions): Promise<boolean> {
  let stop = false;
  void opts.stopped?.then(() => {
    stop = true;
  });
  for (let attempt = 1; ; attempt++) {
    const problem = await checkRedis(options, opts.timeoutMs ?? 5000);
    if (problem === null) {
      if (attempt > 1) opts.logger.info({ redis: describeRedisTarget(options), attempts: attempt }, 'Redis answers now');
      return true;
    }
    if (problem.kind === 'config') throw new RedisConnectError(problem);
    const delay = (opts.delayMs ?? reconnectDelayMs)(attempt);
    opts.logger.warn({ attempt, retryInMs: delay, cause: problem.cause }, `${problem.message}; retrying in ${formatSeconds(delay)}`);
    let timer: NodeJS.Timeout | undefined;
    const slept = new Promise<void>((r) => {
      timer = setTimeout(r, delay);
    });
    await Promise.race([slept, opts.stopped ?? slept]);
    clearTimeout(timer);
    if (stop) return false;
  }
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
