// Tools die with the process that started them. Tools run in their own process group (so a timeout
// can kill the whole group), which also means nothing kills them when the worker itself is SIGKILLed
// or crashes: an orphaned `iperf3 -c` kept its destination busy for the rest of its test. util-linux
// `setpriv --pdeathsig SIGKILL` asks the kernel to SIGKILL the tool the moment its parent (this
// process) dies; the setting survives setpriv's exec of the tool.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export const SETPRIV_BIN = 'setpriv';

/** The command that runs `file args` under a parent-death SIGKILL. Pure. */
export function withParentDeathSignal(file: string, args: readonly string[]): { file: string; args: string[] } {
  return { file: SETPRIV_BIN, args: ['--pdeathsig', 'SIGKILL', '--', file, ...args] };
}

/**
 * setpriv's own answer when it could not exec the tool ("setpriv: failed to execute iperf3: No
 * such file or directory", exit 127): the tool is missing, exactly like an ENOENT spawn. Pure.
 */
export function setprivToolMissing(exitCode: number | null, stderr: string): boolean {
  return exitCode === 127 && /^setpriv: failed to execute .*: No such file or directory$/m.test(stderr);
}

const available = new Map<string, Promise<boolean>>();

/** Whether setpriv is on `path` (a PATH value; checked once per value; without it tools run unguarded). */
export function parentDeathSignalAvailable(path: string): Promise<boolean> {
  let found = available.get(path);
  if (found === undefined) {
    found = (async () => {
      for (const dir of path.split(delimiter)) {
        if (dir === '') continue;
        try {
          await access(join(dir, SETPRIV_BIN), constants.X_OK);
          return true;
        } catch {
          // not here
        }
      }
      return false;
    })();
    available.set(path, found);
  }
  return found;
}
