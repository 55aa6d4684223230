// Real processes on this machine, found by their argv (read from /proc; no pgrep patterns).
import { readdirSync, readFileSync } from 'node:fs';

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
