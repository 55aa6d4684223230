// psq roles in the fleet lab: the real `psq start <role>` (compiled CLI) inside a lab namespace, with
// its JSON log kept for the test to read. A testpoint runs `measure`; the scheduler can run in rt
// (psq's REDIS_URL must be redis://, so only the namespaces reach the lab's Redis — see fleet-lab.ts).
import { PSQ_BIN } from '../helpers/psq.js';
import { FLEET_LAB_PATH, type FleetHost, type FleetLab, type FleetTestpoint } from './fleet-lab.js';

export interface PsqRoleProcess {
  readonly host: FleetHost;
  readonly role: string;
  readonly pid: number;
  /** Everything it printed so far (stdout and stderr interleaved). */
  output(): string;
  /** Its JSON log lines so far (lines that are not JSON are left out). */
  logLines(): Record<string, unknown>[];
  /** Sends a signal (e.g. SIGHUP to reload, SIGKILL to play a dead worker). */
  signal(sig: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartPsqRoleOptions {
  /** Log text that says the role is up. */
  readonly ready: string;
  readonly timeoutMs?: number;
}

/**
 * Starts `psq start <role>` in `host`'s namespace with exactly `env` (plus PATH and LOG_FORMAT=json)
 * and resolves once its output contains `ready`. Resolves to a plain object: the execa subprocess
 * is a thenable, and returning it from an async function would wait for it to exit.
 */
export async function startPsqRole(lab: FleetLab, host: FleetHost, role: string, env: Readonly<Record<string, string>>, options: StartPsqRoleOptions): Promise<PsqRoleProcess> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const proc = lab.spawn(host, [process.execPath, PSQ_BIN, 'start', role], {
    env: { PATH: FLEET_LAB_PATH, LOG_FORMAT: 'json', ...env },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    all: true,
    cwd: lab.dir,
  });
  let out = '';
  proc.all?.on('data', (c: Buffer) => (out += c.toString('utf8')));
  let exited = false;
  let exitText = '';
  void proc
    .then((r) => {
      exitText = r.signal ? `was killed by ${r.signal}` : `exited with status ${r.exitCode}`;
    })
    .finally(() => (exited = true))
    .catch(() => {});
  let stopping: Promise<void> | undefined;
  const stop = (graceMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      if (exited) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await proc.catch(() => undefined);
      clearTimeout(timer);
    })();
    return stopping;
  };

  const deadline = Date.now() + timeoutMs;
  while (!out.includes(options.ready)) {
    if (exited || Date.now() > deadline) {
      await stop(1_000);
      throw new Error(`psq start ${role} in ${host} ${exited ? exitText : `did not log "${options.ready}" within ${timeoutMs} ms`}:\n${out.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`psq start ${role} in ${host} has no pid`);
  return {
    host,
    role,
    pid,
    output: () => out,
    logLines: () =>
      out.split('\n').flatMap((line) => {
        if (!line.startsWith('{')) return [];
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    signal: (sig) => {
      if (!exited) proc.kill(sig);
    },
    stop,
  };
}

/** A testpoint's worker: `psq start measure` in the testpoint's namespace. */
export function startMeasureWorker(lab: FleetLab, testpoint: FleetTestpoint, env: Readonly<Record<string, string>>, timeoutMs?: number): Promise<PsqRoleProcess> {
  return startPsqRole(lab, testpoint, 'measure', env, { ready: 'measure role started', ...(timeoutMs === undefined ? {} : { timeoutMs }) });
}
