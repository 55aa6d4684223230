// Instruments the scenarios share: event-loop stalls, peak RSS, CPU time of a process (this one or
// a child, from /proc), and Redis's own counters (commands processed, memory used).
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Redis } from 'ioredis';

/** Longest event-loop stall while `fn` runs, in ms (histogram at 10 ms resolution: a stall shows as its full delay). */
export async function withStallMonitor<T>(fn: () => Promise<T>): Promise<{ result: T; maxStallMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const result = await fn();
    return { result, maxStallMs: h.max / 1e6 };
  } finally {
    h.disable();
  }
}

/** Samples a process's RSS every `everyMs` until stopped; peak in bytes. `pid` default: this process. */
export function rssSampler(pid: number = process.pid, everyMs = 20): { stop(): number; peak(): number } {
  let peak = 0;
  const sample = () => {
    const rss = pid === process.pid ? process.memoryUsage.rss() : rssOf(pid);
    if (rss > peak) peak = rss;
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return peak;
    },
    peak: () => peak,
  };
}

/** Resident set size of a process, in bytes, from /proc (0 if it is gone). */
export function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time a process has used so far, in ms, from /proc/PID/stat. */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
  return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
}

/** This process's CPU time so far, in ms. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Commands Redis has processed since it started (INFO stats), minus the INFO call that reads it. */
export async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)![1]);
}

/** Redis's used_memory, in bytes. */
export async function redisUsedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))![1]);
}

export const MB = 1_000_000;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: readonly number[]) => percentile(xs, 50);
