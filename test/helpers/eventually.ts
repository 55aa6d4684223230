// The one way tests wait for something that happens in another process, connection or timer:
// ask again until the answer is there, and on timeout say what was being waited for.

export interface EventuallyOptions {
  /** How long to keep asking before giving up; default 15 s. */
  readonly timeoutMs?: number;
  /** Pause between two questions; default 50 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message; a function is asked only then (it may show the last state seen). Default: the probe's source. */
  readonly what?: string | (() => string);
}

/**
 * Calls `probe` until it returns something other than `false`, `undefined` or `null`, and returns
 * that. An error thrown by `probe` is not retried: it is a fault, not "not yet", and ends the wait.
 */
export async function eventually<T>(probe: () => T | Promise<T>, options: EventuallyOptions = {}): Promise<Exclude<T, false | undefined | null>> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const intervalMs = options.intervalMs ?? 50;
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false && value !== undefined && value !== null) return value as Exclude<T, false | undefined | null>;
    if (Date.now() > end) {
      const what = typeof options.what === 'function' ? options.what() : (options.what ?? `\`${String(probe).replace(/\s+/g, ' ').slice(0, 200)}\``);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
