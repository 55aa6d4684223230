// Signals → shutdown: the first SIGTERM/SIGINT closes everything gracefully, a second exits at once.

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
  off(signal: NodeJS.Signals, listener: () => void): unknown;
}

export interface ShutdownOptions {
  readonly shutdown: (signal: NodeJS.Signals) => Promise<void>;
  readonly exit: (code: number) => void;
  readonly source?: SignalSource;
  readonly onSecondSignal?: (signal: NodeJS.Signals) => void;
}

/** Returns a detach function. */
export function handleShutdownSignals(opts: ShutdownOptions): () => void {
  const source = opts.source ?? process;
  let started = false;
  const signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];
  const listeners = signals.map((signal) => {
    const listener = () => {
      if (started) {
        opts.onSecondSignal?.(signal);
        opts.exit(1);
        return;
      }
      started = true;
      opts.shutdown(signal).then(
        () => opts.exit(0),
        () => opts.exit(1),
      );
    };
    source.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) source.off(signal, listener);
  };
}

/** Run cleanups last-in first-out, each on its own, so one failure does not skip the rest. */
export async function closeAll(closers: ReadonlyArray<() => Promise<void>>, onError: (err: unknown) => void): Promise<void> {
  for (const close of [...closers].reverse()) {
    try {
      await close();
    } catch (err) {
      onError(err);
    }
  }
}
