// Run an external tool with an argv array, a timeout and cancellation; one result shape either way.
import { execa } from 'execa';

export interface ToolRun {
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly canceled: boolean;
  /** The executable could not be started because it does not exist. */
  readonly notFound: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

export interface RunToolOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  readonly env?: Record<string, string | undefined>;
  /** Time between SIGTERM and SIGKILL to the process group. */
  readonly killGraceMs?: number;
}

export async function runTool(file: string, args: readonly string[], options: RunToolOptions): Promise<ToolRun> {
  const started = Date.now();
  // detached: the tool gets its own process group, so a timeout can kill its grandchildren too
  // (pscheduler execs watch/result; a surviving grandchild would keep stdout open and hang us).
  const child = execa(file, args, {
    reject: false,
    detached: true,
    stdin: 'ignore',
    maxBuffer: 16 * 1024 * 1024,
    env: options.env,
    extendEnv: true,
  });
  let timedOut = false;
  let canceled = false;
  const killGroup = (sig: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  let forceTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    killGroup('SIGTERM');
    forceTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? 5000);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const onAbort = () => {
    canceled = true;
    stop();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const result = await child;
  clearTimeout(timer);
  if (forceTimer) clearTimeout(forceTimer);
  options.signal?.removeEventListener('abort', onAbort);

  const code = (result as { code?: string }).code;
  return {
    command: [file, ...args].join(' '),
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut,
    canceled,
    notFound: code === 'ENOENT',
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    durationMs: Date.now() - started,
  };
}
