// Before any queue is opened: does Redis answer, take our password and database? One bounded try,
// so a command fails within seconds with a reason instead of BullMQ reconnecting forever.
import type { RedisOptions } from 'bullmq';
import type { Logger } from '../logger.js';
import { describeRedisTarget } from './redis-options.js';
import { describeRedisProblem, reconnectDelayMs, type RedisProblem } from './redis-problem.js';
import { askRedis, type RedisReply } from './redis-wire.js';

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
  const asked = await askRedisChecked(options, [], timeoutMs);
  return asked.ok ? null : asked.problem;
}

/**
 * checkRedis, then `commands` on the same connection (one connection for `psq health`): their
 * replies (an error reply as a RedisReplyError value), or why Redis could not be used.
 */
export async function askRedisChecked(
  options: RedisOptions,
  commands: readonly (readonly string[])[],
  timeoutMs: number,
): Promise<{ ok: true; replies: RedisReply[] } | { ok: false; problem: RedisProblem }> {
  const target = describeRedisTarget(options);
  const tls = (options as { tls?: { cert?: unknown } }).tls;
  const facts = { tls: tls !== undefined, clientCert: tls?.cert !== undefined };
  // node:tls and the probes only for rediss://.
  const probe = tls !== undefined ? await import('./tls-alert-probe.js') : null;
  if (probe !== null) {
    // TLS trouble is asked about on a socket of our own first (tls-alert-probe.ts tlsRefusal).
    let refused = await probe.tlsRefusal(options, timeoutMs);
    if (refused !== null && isCutOff(refused)) refused = (await probe.tlsAlertAfterHandshake(options)) ?? refused;
    if (refused !== null) return { ok: false, problem: describeRedisProblem(refused, target, facts) };
  }
  // A short conversation of our own (redis-wire.ts), not a client library: AUTH, SELECT and PING in
  // order, where a refused password or database is the reply itself, and nothing reconnects.
  try {
    const [pong, ...replies] = await askRedis(options, [['PING'], ...commands], timeoutMs);
    if (pong instanceof Error) throw pong;
    return { ok: true, replies };
  } catch (err) {
    let cause = err;
    if (probe !== null && isCutOff(cause)) cause = (await probe.tlsAlertAfterHandshake(options)) ?? cause;
    return { ok: false, problem: describeRedisProblem(cause, target, facts) };
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
