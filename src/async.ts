// Waiting, once for the whole code base: a pause, and a deadline on work that may never settle
// (Redis that stopped answering, a stalled socket). Pure of any I/O but timers.

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface TimeoutOptions {
  /** The error to reject with when time is up; by default "`what` timed out after `ms` ms". */
  readonly error?: (ms: number) => Error;
  /**
   * Whether the deadline alone keeps the process alive. By default it does not: a deadline is a
   * bound, not work, so a process with nothing else left to do exits instead of waiting it out.
   */
  readonly keepAlive?: boolean;
}

/**
 * `work`'s own answer (value or rejection), or a rejection after `ms` when it has none by then.
 * The timer is cleared as soon as either happens. `work` itself is not cancelled.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string, options: TimeoutOptions = {}): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(options.error?.(ms) ?? new Error(`${what} timed out after ${ms} ms`)), ms);
    if (options.keepAlive !== true) timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Whether `work` settled (either way) within `ms`; false when the deadline came first. For a
 * graceful step with a forced fallback: close, and if that does not finish in time, destroy.
 * A rejection of `work` within the deadline is passed on.
 */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
