// The responder role: keeps an iperf3 server listening so other testpoints (and this one's own
// quick start) can measure throughput to this host, as a perfSONAR testpoint answers tests.
import { execa, type ResultPromise } from 'execa';
import type { Logger } from '../logger.js';
import type { Role } from './role.js';

export interface ResponderOptions {
  readonly port: number;
  /** Address to listen on; null = all. */
  readonly bind: string | null;
  readonly logger: Logger;
  readonly iperf3Bin?: string;
  /** First restart delay after the server died; doubles up to maxRestartDelayMs. */
  readonly restartDelayMs?: number;
  readonly maxRestartDelayMs?: number;
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

  const launch = (): void => {
    starts += 1;
    const started = Date.now();
    const proc = execa(bin, argv, { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true, maxBuffer: 1024 * 1024 });
    child = proc;
    log.info({ pid: proc.pid, argv: [bin, ...argv] }, 'iperf3 server started');
    exited = proc.then((r) => {
      child = null;
      if (stopping) return;
      const stderr = String(r.stderr ?? '').trim().split('\n').slice(-1)[0] ?? '';
      // A server that ran a while before dying gets a fresh, short delay; a crash loop backs off.
      if (Date.now() - started > 60_000) delay = opts.restartDelayMs ?? 1000;
      log.warn({ exitCode: r.exitCode, signal: r.signal, stderr, restartInMs: delay }, 'iperf3 server exited; restarting');
      restartTimer = setTimeout(launch, delay);
      delay = Math.min(delay * 2, opts.maxRestartDelayMs ?? 30_000);
    });
  };

  // A missing binary is a configuration problem, not something to retry forever.
  const probe = await execa(bin, ['--version'], { reject: false, stdin: 'ignore' });
  if ((probe as { code?: string }).code === 'ENOENT') {
    throw new Error(`${bin} not found: the responder role needs iperf3 (Debian/Ubuntu: apt-get install iperf3)`);
  }
  launch();

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
