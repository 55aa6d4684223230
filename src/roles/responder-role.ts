// The responder role: keeps an iperf3 server listening so other testpoints (and this one's own
// quick start) can measure throughput to this host, as a perfSONAR testpoint answers tests.
import { execa, type ResultPromise } from 'execa';
import { sleep } from '../async.js';
import type { Logger } from '../logger.js';
import { parentDeathSignalAvailable, withParentDeathSignal } from '../process/parent-death.js';
import { findPortHolders, holdsListeningPort, isAddressInUse, portHeldMessage } from './port-holder.js';
import { toolEnvironment } from '../process/tool-env.js';
import type { Role } from './role.js';

export interface ResponderOptions {
  readonly port: number;
  /** Address to listen on; null = all. */
  readonly bind: string | null;
  readonly logger: Logger;
  /**
   * The environment psq was started with (Config.processEnv): the server gets its allow-listed
   * part (tool-env.ts), and its PATH is where iperf3 and setpriv are looked up.
   */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  readonly iperf3Bin?: string;
  /** First restart delay after the server died; doubles up to maxRestartDelayMs. */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
  /** How long a new server may take to be seen listening before it is reported as unconfirmed. */
  readonly listenTimeoutMs?: number;
}

export function iperf3ServerArgv(port: number, bind: string | null): string[] {
  return ['-s', '-p', String(port), ...(bind ? ['-B', bind] : [])];
}

export interface ResponderRole extends Role {
  /** How many times the server was (re)started; for operators' logs and tests. */
  readonly starts: () => number;
  readonly pid: () => number | undefined;
}

export async function startResponderRole(opts: ResponderOptions): Promise<ResponderRole> {
  const bin = opts.iperf3Bin ?? 'iperf3';
  const argv = iperf3ServerArgv(opts.port, opts.bind);
  const log = opts.logger.child({ role: 'responder', port: opts.port });
  let stopping = false;
  let child: ResultPromise | null = null;
  let starts = 0;
  let delay = opts.restartDelayMs ?? 1000;
  let restartTimer: NodeJS.Timeout | undefined;
  let exited: Promise<unknown> = Promise.resolve();
  const maxDelay = opts.maxRestartDelayMs ?? 30_000;
  // Under setpriv the server dies with this process even on SIGKILL, so it cannot be orphaned holding the port.
  const env = toolEnvironment(bin, opts.processEnv); // no secrets for the server (tool-env.ts)
  const guarded = (await parentDeathSignalAvailable(opts.processEnv['PATH'] ?? '')) ? withParentDeathSignal(bin, argv) : { file: bin, args: argv };
  /** Settles once the first server is seen listening (or exits); rejects when its port is taken. */
  let firstSettled = false;
  let settleFirst: (err?: Error) => void = () => undefined;
  const first = new Promise<void>((resolve, reject) => {
    settleFirst = (err) => {
      if (firstSettled) return;
      firstSettled = true;
      if (err) reject(err);
      else resolve();
    };
  });

  const launch = (): void => {
    starts += 1;
    const started = Date.now();
    const proc = execa(guarded.file, guarded.args, {
      reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true, maxBuffer: 1024 * 1024,
      env, extendEnv: false,
    });
    child = proc;
    let ended = false;
    // "started" is said only once the server is seen listening: a server that cannot bind exits at
    // once, and saying "started" for each try hid that from the operator.
    void (async () => {
      const deadline = Date.now() + (opts.listenTimeoutMs ?? 5000);
      while (!ended && !stopping && Date.now() < deadline) {
        if (proc.pid !== undefined && (await holdsListeningPort(proc.pid, opts.port))) {
          log.info({ pid: proc.pid, argv: [bin, ...argv] }, 'iperf3 server started');
          settleFirst();
          return;
        }
        await sleep(50);
      }
      if (!ended && !stopping) {
        log.warn({ pid: proc.pid, argv: [bin, ...argv] }, `iperf3 server is running but was not seen listening on port ${opts.port} (no access to /proc?)`);
        settleFirst();
      }
    })();
    exited = proc.then(async (r) => {
      ended = true;
      child = null;
      if (stopping) return;
      const output = String(r.stderr ?? '').trim();
      const stderr = output.split('\n').find((l) => /error/i.test(l)) ?? output.split('\n').slice(-1)[0] ?? '';
      if (isAddressInUse(output)) {
        const message = portHeldMessage(opts.port, await findPortHolders(opts.port, proc.pid));
        if (!firstSettled) {
          // At start-up: a configuration problem for the operator, not something to loop on.
          // Shaped as a listen error (cause.syscall 'listen'), so the CLI prints the one line and exits 2.
          const cause = Object.assign(new Error(`listen EADDRINUSE: port ${opts.port}`), { code: 'EADDRINUSE', syscall: 'listen', port: opts.port });
          settleFirst(new Error(message, { cause }));
          return;
        }
        // Later (the port was taken while the server was down): keep trying, slowly, and say why.
        delay = maxDelay;
        log.error({ port: opts.port, restartInMs: delay }, message);
        restartTimer = setTimeout(launch, delay);
        return;
      }
      settleFirst();
      // A server that ran a while before dying gets a fresh, short delay; a crash loop backs off.
      if (Date.now() - started > 60_000) delay = opts.restartDelayMs ?? 1000;
      log.warn({ exitCode: r.exitCode, signal: r.signal, stderr, restartInMs: delay }, 'iperf3 server exited; restarting');
      restartTimer = setTimeout(launch, delay);
      delay = Math.min(delay * 2, maxDelay);
    });
  };

  // A missing binary is a configuration problem, not something to retry forever.
  const probe = await execa(bin, ['--version'], { reject: false, stdin: 'ignore', env, extendEnv: false });
  if ((probe as { code?: string }).code === 'ENOENT') {
    throw new Error(`${bin} not found: the responder role needs iperf3 (Debian/Ubuntu: apt-get install iperf3)`);
  }
  launch();
  await first;

  let closing: Promise<void> | null = null;
  return {
    name: 'responder',
    starts: () => starts,
    pid: () => child?.pid,
    close() {
      closing ??= (async () => {
        stopping = true;
        if (restartTimer) clearTimeout(restartTimer);
        const c = child as ResultPromise | null;
        if (c) {
          c.kill('SIGTERM');
          const force = setTimeout(() => c.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(force);
        }
        log.info('iperf3 server stopped');
      })();
      return closing;
    },
  };
}
