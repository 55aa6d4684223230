// Run an external tool with an argv array, a timeout and cancellation; one result shape either way.
import { execa } from 'execa';
import { parentDeathSignalAvailable, setprivToolMissing, withParentDeathSignal } from '../process/parent-death.js';
import { toolEnvironment } from '../process/tool-env.js';

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
  /**
   * The environment psq was started with (Config.processEnv): the tool gets its allow-listed part
   * (tool-env.ts), and its PATH is where the tool and setpriv are looked up.
   */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  /** Variables set on purpose for this tool, on top of that. */
  readonly env?: Record<string, string | undefined>;
  /** Time between SIGTERM and SIGKILL to the process group. */
  readonly killGraceMs?: number;
  /** Told when the tool starts and ends, so a later worker can kill what a dead one left running. */
  readonly track?: ToolTracker;
}

/** Keeps a record of running tools (orphan-tools.ts keeps it on disk). Failures are its own business. */
export interface ToolTracker {
  started(pid: number, command: string): Promise<void>;
  finished(pid: number): Promise<void>;
}

export async function runTool(file: string, args: readonly string[], options: RunToolOptions): Promise<ToolRun> {
  const started = Date.now();
  // Under setpriv the kernel SIGKILLs the tool if this worker dies (parent-death.ts); its own
  // process group would otherwise let it run on as an orphan.
  const guarded = (await parentDeathSignalAvailable(options.processEnv['PATH'] ?? '')) ? withParentDeathSignal(file, args) : { file, args: [...args] };
  // detached: the tool gets its own process group, so a timeout can kill its grandchildren too
  // (pscheduler execs watch/result; a surviving grandchild would keep stdout open and hang us).
  const child = execa(guarded.file, guarded.args, {
    reject: false,
    detached: true,
    stdin: 'ignore',
    maxBuffer: 16 * 1024 * 1024,
    // Only an allow-list of the worker's environment (tool-env.ts): never AUTH_TOKEN, REDIS_URL or
    // a password, whether set in the process or read from an --env-file.
    env: toolEnvironment(file, options.processEnv, options.env),
    extendEnv: false,
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

  const command = [file, ...args].join(' ');
  const tracked = child.pid !== undefined && options.track ? options.track.started(child.pid, command).catch(() => undefined) : null;
  const result = await child;
  if (tracked && child.pid !== undefined) await tracked.then(() => options.track?.finished(child.pid!)).catch(() => undefined);
  clearTimeout(timer);
  if (forceTimer) clearTimeout(forceTimer);
  options.signal?.removeEventListener('abort', onAbort);

  const code = (result as { code?: string }).code;
  const stderrText = typeof result.stderr === 'string' ? result.stderr : '';
  return {
    command,
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut,
    canceled,
    notFound: code === 'ENOENT' || (guarded.file !== file && setprivToolMissing(result.exitCode ?? null, stderrText)),
    stdout: typeof result.stdout === 'string' ? result.stdout : '',
    stderr: typeof result.stderr === 'string' ? result.stderr : '',
    durationMs: Date.now() - started,
  };
}
