// What this test process holds open that a test file must give back: TCP connections to the test
// Redis and child processes. Read from /proc (this process's socket fds matched to the kernel's
// socket table, and the process table's parent links), so it sees every client library and every
// way of spawning, whatever the connection is named or the child is called.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { eventually } from './eventually.js';
import { TEST_REDIS_URL } from './redis-url.js';

export interface Holdings {
  /** Local ports of this process's TCP sockets to the test Redis. */
  readonly redisPorts: ReadonlySet<number>;
  /** This process's live descendants: pid → command line. */
  readonly children: ReadonlyMap<number, string>;
}

const redisPort = Number(new URL(TEST_REDIS_URL).port || 6379);

function socketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

function redisLocalPorts(): Set<number> {
  const ours = socketInodes();
  const ports = new Set<number>();
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) continue;
      const [local, remote, state, inode] = [f[1]!, f[2]!, f[3]!, f[9]!];
      // 0A is LISTEN: a server of the test's own, not a client connection.
      if (state === '0A' || !ours.has(inode)) continue;
      if (parseInt(remote.split(':')[1]!, 16) !== redisPort) continue;
      ports.add(parseInt(local.split(':')[1]!, 16));
    }
  }
  return ports;
}

function descendants(): Map<number, string> {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after "(comm)": state, ppid, …; comm itself may hold spaces and parentheses.
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z') continue; // exited, only waiting to be reaped
      parentOf.set(Number(name), Number(ppid));
    } catch {
      // gone meanwhile
    }
  }
  const found = new Map<number, string>();
  let frontier = [process.pid];
  while (frontier.length > 0) {
    const next: number[] = [];
    for (const [pid, ppid] of parentOf) {
      if (!frontier.includes(ppid) || found.has(pid)) continue;
      let cmd = '?';
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
      } catch {
        // gone meanwhile
      }
      found.set(pid, cmd);
      next.push(pid);
    }
    frontier = next;
  }
  return found;
}

export function holdings(): Holdings {
  return { redisPorts: redisLocalPorts(), children: descendants() };
}

interface Leaks {
  readonly redisPorts: number[];
  readonly children: [number, string][];
}

function leaksSince(before: Holdings): Leaks {
  const now = holdings();
  return {
    redisPorts: [...now.redisPorts].filter((p) => !before.redisPorts.has(p)),
    children: [...now.children].filter(([pid]) => !before.children.has(pid)),
  };
}

/** The server's view of the leaked connections (name, last command, age), by their local port. */
async function describeConnections(ports: number[]): Promise<string[]> {
  // Loaded only now: a file that leaks nothing loads no Redis client for the check.
  const { Redis } = await import('ioredis');
  const client = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const list = String(await client.client('LIST'));
    return ports.map((port) => {
      const entry = list.split('\n').find((l) => new RegExp(`\\baddr=\\S+:${port}\\b`).test(l));
      if (!entry) return `a connection from local port ${port}`;
      const field = (k: string) => new RegExp(`\\b${k}=(\\S*)`).exec(entry)?.[1] ?? '';
      return `a connection from local port ${port} (name=${field('name') || '(none)'} last cmd=${field('cmd')} age=${field('age')}s)`;
    });
  } catch (err) {
    return ports.map((port) => `a connection from local port ${port} (CLIENT LIST failed: ${String(err)})`);
  } finally {
    client.disconnect();
  }
}

/**
 * Waits up to `settleMs` for this process to hold no more than it did at `before` (sockets close and
 * children are reaped a moment after close()/kill()), then describes what is still held: an empty
 * list when nothing leaked. Leaked child processes are killed, so they do not outlive the run.
 */
export async function leakedSince(before: Holdings, settleMs = 3000): Promise<string[]> {
  let leaks = leaksSince(before);
  try {
    await eventually(() => {
      leaks = leaksSince(before);
      return leaks.redisPorts.length === 0 && leaks.children.length === 0;
    }, { timeoutMs: settleMs, intervalMs: 100 });
    return [];
  } catch {
    // still held after settling: a leak
  }
  const found: string[] = [];
  if (leaks.redisPorts.length > 0) {
    found.push(`${leaks.redisPorts.length} Redis connection(s) to ${TEST_REDIS_URL} still open: ${(await describeConnections(leaks.redisPorts)).join('; ')}`);
  }
  if (leaks.children.length > 0) {
    found.push(`${leaks.children.length} child process(es) still running: ${leaks.children.map(([pid, cmd]) => `pid ${pid} \`${cmd.slice(0, 200)}\``).join('; ')}`);
    for (const [pid] of leaks.children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  return found;
}
