// One run per job id at a time in this process. Pure (no I/O).
//
// When a worker cannot renew a job's lock (Redis unreachable for longer than the lock duration),
// BullMQ's stalled-job check hands the job out again once Redis is back — often to this very process,
// while the first run is still measuring. A second run would measure the same thing twice and
// deliver it under another `ts`. Instead the second run waits for the first and ends with the same
// outcome, so the job is finished by whichever run still holds the lock.

export interface JoinNotice {
  readonly key: string;
  /** How many runs of this key were waiting already (0 for the first to join). */
  readonly alreadyWaiting: number;
}

export interface RunOptions {
  /** This run's cancel signal. A waiting run that is cancelled cancels the run it waits for too. */
  readonly signal?: AbortSignal;
  readonly onJoin?: (notice: JoinNotice) => void;
}

export interface InFlightRuns<R> {
  /**
   * Run `start` for `key`, or, when a run of `key` is in flight, wait for it and take its outcome.
   * A rejection is shared only when `shareFailure(err)` says it is the job's outcome (a measurement
   * that failed); any other (an interrupted run, a lost lock) lets the waiting run start afresh.
   */
  run(key: string, start: (signal: AbortSignal) => Promise<R>, options?: RunOptions): Promise<R>;
  /** Keys with a run in flight (for logs and tests). */
  keys(): string[];
}

export function inFlightRuns<R>(shareFailure: (err: unknown) => boolean): InFlightRuns<R> {
  const running = new Map<string, { promise: Promise<R>; waiting: number; cancel: AbortController }>();

  async function run(key: string, start: (signal: AbortSignal) => Promise<R>, options: RunOptions = {}): Promise<R> {
    const { signal, onJoin } = options;
    const current = running.get(key);
    if (current) {
      onJoin?.({ key, alreadyWaiting: current.waiting });
      current.waiting += 1;
      // BullMQ tracks one cancel signal per job id (the latest run's), so a shutdown that cancels this
      // run must reach the one doing the work.
      const forward = () => current.cancel.abort(signal?.reason);
      if (signal?.aborted) forward();
      else signal?.addEventListener('abort', forward, { once: true });
      try {
        return await current.promise;
      } catch (err) {
        if (shareFailure(err)) throw err;
        if (running.get(key) === current) running.delete(key);
        // The first run ended without an outcome: this one does the work (or joins whoever got there first).
        return run(key, start, options);
      } finally {
        signal?.removeEventListener('abort', forward);
      }
    }
    const cancel = new AbortController();
    const promise = start(signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal);
    const entry = { promise, waiting: 0, cancel };
    running.set(key, entry);
    try {
      return await promise;
    } finally {
      if (running.get(key) === entry) running.delete(key);
    }
  }

  return { run, keys: () => [...running.keys()] };
}
