// Who holds a TCP port: read from /proc, so an "Address already in use" can name the process
// (typically an iperf3 -s left running by an earlier responder) instead of leaving the operator
// to guess.
import { readdir, readFile, readlink } from 'node:fs/promises';

/** Inodes of sockets listening on `port`, from /proc/net/tcp or tcp6 text. Pure. */
export function listeningInodes(procNetTcp: string, port: number): string[] {
  const inodes: string[] = [];
  for (const line of procNetTcp.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
    if (f.length < 10 || f[3] !== '0A') continue; // 0A = TCP_LISTEN
    const local = f[1]!;
    if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
    if (f[9] !== '0') inodes.push(f[9]!);
  }
  return inodes;
}

export interface PortHolder {
  readonly pid: number;
  /** Its command line, arguments joined by spaces. */
  readonly command: string;
}

async function listeningSockets(port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const inode of listeningInodes(await readFile(table, 'utf8'), port)) inodes.add(`socket:[${inode}]`);
    } catch {
      // no IPv6, or no /proc
    }
  }
  return inodes;
}

async function holdsOneOf(pid: string, sockets: Set<string>): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false; // gone, or another user's process
  }
  for (const fd of fds) {
    if (sockets.has(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))) return true;
  }
  return false;
}

/** Whether process `pid` is listening on `port` (our own server, seen actually serving). */
export async function holdsListeningPort(pid: number, port: number): Promise<boolean> {
  const sockets = await listeningSockets(port);
  return sockets.size > 0 && holdsOneOf(String(pid), sockets);
}

/** The processes holding a listening socket on `port` (other than `exceptPid`); empty when none can be seen. */
export async function findPortHolders(port: number, exceptPid?: number): Promise<PortHolder[]> {
  const sockets = await listeningSockets(port);
  if (sockets.size === 0) return [];
  const holders: PortHolder[] = [];
  for (const name of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name) || Number(name) === exceptPid || !(await holdsOneOf(name, sockets))) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    holders.push({ pid: Number(name), command: cmdline.split('\0').filter((a) => a !== '').join(' ') });
  }
  return holders;
}

/** The operator's sentence for a port someone else holds. Pure. */
export function portHeldMessage(port: number, holders: readonly PortHolder[]): string {
  const who = holders.length > 0 ? holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ') : 'another process (its pid is not visible from here)';
  const fix = holders.length > 0 ? `stop it (kill ${holders.map((h) => h.pid).join(' ')})` : 'find it with `ss -ltnp`, stop it';
  return `iperf3 server cannot listen: port ${port} is already in use by ${who}; ${fix}, or set IPERF3_PORT to a free port`;
}

/** iperf3's answer when its port is taken ("unable to start listener for connections: Address already in use"). Pure. */
export function isAddressInUse(iperf3Output: string): boolean {
  return /Address already in use/i.test(iperf3Output);
}
