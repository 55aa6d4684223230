// Real processes on this machine, found by their argv (read from /proc; no pgrep patterns).
import { readdirSync, readFileSync } from 'node:fs';
import type { ResultPromise } from 'execa';
import { onCleanup } from './test-context.js';

/** Pids whose argv contains every one of `parts` as a whole argument, in any order. */
export function pidsWithArgs(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    if (parts.every((p) => argv.includes(p))) pids.push(Number(name));
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `proc`, killed (SIGKILL) after the running test if still alive, pass or fail. */
export function killedAfterTest(proc: ResultPromise): ResultPromise {
  onCleanup(async () => {
    if (proc.pid !== undefined && isAlive(proc.pid)) proc.kill('SIGKILL');
    await proc.catch(() => undefined);
  });
  return proc;
}
