// BullMQ emits 'error' for every failed reconnect of every connection it holds. Connection errors
// become one short line per source and cause (repeated at most every `repeatMs`), with no stack;
// other errors are logged whole, as they may be bugs.
import type { Logger } from '../logger.js';
import { describeRedisProblem, isConnectionError } from './redis-problem.js';

export type ErrorLogger = (err: Error) => void;

export function redisErrorLogger(logger: Logger, fields: Record<string, unknown>, message: string, repeatMs = 30_000, now: () => number = Date.now): ErrorLogger {
  let lastCause: string | null = null;
  let lastAt = 0;
  return (err) => {
    if (!isConnectionError(err)) {
      logger.error({ ...fields, err }, message);
      return;
    }
    const problem = describeRedisProblem(err, 'REDIS_URL');
    const t = now();
    if (problem.cause === lastCause && t - lastAt < repeatMs) return;
    lastCause = problem.cause;
    lastAt = t;
    logger.warn({ ...fields, cause: problem.cause }, `${message}: ${problem.message}; reconnecting`);
  };
}
