// A small network lab for integration tests: real Linux network namespaces joined by veth pairs,
// so ping / traceroute / tracepath / iperf3 send real packets through a real (namespaced) router.
//
//   tp (testpoint) ──── rt (router) ──── dst (destination, runs `iperf3 -s -p 5201`)
//        10.213.1.0/24            10.213.2.0/24
//        fd00:213:1::/64          fd00:213:2::/64
//        MTU 1500                 MTU 1400 (both ends)
//
// Every namespace is named `psqlab-<pid>-<id>-<host>`: the pid of the process that built it lets
// cleanupStaleLabs() tell a crashed run's leftovers from a lab another test process is still using.
// Veths are created directly inside their namespaces (`ip link add … netns …`), so they never exist
// in the root namespace and their names cannot clash with anything there. No traffic leaves the lab:
// no namespace has a link to the root namespace.
//
// The silent addresses (10.213.2.99, fd00:213:2::99) are on the rt–dst link with no host behind
// them. A ping to them is routed to rt, whose ARP / neighbour discovery gets no answer; rt then
// answers with ICMP "Destination Host Unreachable" (v4) / "Address unreachable" (v6). rt's neighbour
// timers on that link are shortened (1 probe, 300 ms) so that happens after ~0.3-1 s rather than the
// kernel default ~3 s; either way ping reports 100% loss and exits 1 (bounded by its own -w).
//
// To add a host: add it to HOSTS, add a link to LINKS (a/b, subnet number, MTU), and routes in
// startLab(). The a-side of each link gets .1 / ::1, the b-side .2 / ::2.
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa, execaSync, type Options, type ResultPromise } from 'execa';

export const LAB_PREFIX = 'psqlab-';
export const IPERF3_PORT = 5201;

export type LabHost = 'tp' | 'rt' | 'dst';
const HOSTS: readonly LabHost[] = ['tp', 'rt', 'dst'];

interface LinkSpec {
  /** Subnet number n: 10.213.n.0/24 and fd00:213:n::/64. */
  net: number;
  mtu: number;
  a: { host: LabHost; ifname: string }; // gets .1 / ::1
  b: { host: LabHost; ifname: string }; // gets .2 / ::2
}

// Interface names live inside the namespaces, so they only need to be unique per namespace (≤ 15 chars).
const LINKS: readonly LinkSpec[] = [
  { net: 1, mtu: 1500, a: { host: 'rt', ifname: 'rt-tp' }, b: { host: 'tp', ifname: 'tp-rt' } },
  { net: 2, mtu: 1400, a: { host: 'rt', ifname: 'rt-dst' }, b: { host: 'dst', ifname: 'dst-rt' } },
];

const v4 = (net: number, host: number | string) => `10.213.${net}.${host}`;
const v6 = (net: number, host: number | string) => `fd00:213:${net}::${host}`;

export interface LabAddrs {
  tpV4: string;
  tpV6: string;
  rtTpV4: string;
  rtTpV6: string;
  rtDstV4: string;
  rtDstV6: string;
  dstV4: string;
  dstV6: string;
  /** On the rt–dst subnet, routed, but no host answers: ARP/ND fails at rt, ping gets 100% loss. */
  silentV4: string;
  silentV6: string;
}

export const LAB_ADDRS: Readonly<LabAddrs> = Object.freeze({
  tpV4: v4(1, 2),
  tpV6: v6(1, 2),
  rtTpV4: v4(1, 1),
  rtTpV6: v6(1, 1),
  rtDstV4: v4(2, 1),
  rtDstV6: v6(2, 1),
  dstV4: v4(2, 2),
  dstV6: v6(2, 2),
  silentV4: v4(2, 99),
  silentV6: v6(2, 99),
});

export interface Lab {
  /** Short id shared by this lab's namespaces (`psqlab-<pid>-<id>-<host>`). */
  id: string;
  names: Record<LabHost, string>;
  addrs: LabAddrs;
  /** Interface names inside the namespaces. */
  ifaces: { tp: string; rtTp: string; rtDst: string; dst: string };
  /** The iperf3 server inside dst. */
  iperf3: { port: number; pid: number };
  /** `ip netns exec <ns> …argv` — execa semantics (rejects on non-zero exit unless `reject: false`). */
  exec<O extends Options = {}>(ns: LabHost, argv: readonly string[], opts?: O): ResultPromise<O>;
  /** Like exec, for long-running processes: tracked and killed by stop(). */
  spawn<O extends Options = {}>(ns: LabHost, argv: readonly string[], opts?: O): ResultPromise<O>;
  /** Kills every process started in the lab, deletes the namespaces. Idempotent, never throws. */
  stop(): Promise<void>;
}

export type LabAvailability = { ok: true } | { ok: false; reason: string };

// ip, sysctl, traceroute live in sbin directories, which a non-login PATH may lack: the lab appends them.
const LAB_PATH = [...new Set([...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(delimiter);
const LAB_ENV = { PATH: LAB_PATH };
/** Tools startLab() itself needs (tests may need more: ping, traceroute, tracepath…). */
const LAB_TOOLS = ['ip', 'sysctl', 'ss', 'iperf3'] as const;

function onPath(tool: string): boolean {
  return LAB_PATH.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, tool), fsConstants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

const log = (msg: string) => console.warn(`[lab] ${msg}`);
function errText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const { shortMessage, stderr } = e as Error & { shortMessage?: string; stderr?: unknown };
  const err = typeof stderr === 'string' ? stderr.trim() : '';
  return `${shortMessage ?? e.message}${err ? ` — ${err}` : ''}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ip(args: readonly string[]): Promise<void> {
  await execa('ip', args, { env: LAB_ENV, stdin: 'ignore', timeout: 10_000 });
}

async function netnsList(): Promise<string[]> {
  const r = await execa('ip', ['netns', 'list'], { env: LAB_ENV, reject: false, timeout: 10_000 });
  return parseNetnsList(String(r.stdout ?? ''));
}

function parseNetnsList(stdout: string): string[] {
  // Lines look like "name" or "name (id: 3)".
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.length > 0);
}

export async function labAvailable(): Promise<LabAvailability> {
  const fail = (why: string): LabAvailability => ({ ok: false, reason: `lab tests need root and iproute2 (ip netns): ${why}` });
  if (process.platform !== 'linux') return fail(`not Linux (platform ${process.platform})`);
  const uid = process.getuid?.();
  if (uid !== 0) return fail(`not running as root (uid ${uid ?? 'unknown'})`);
  try {
    await execa('ip', ['-V'], { env: LAB_ENV, timeout: 10_000 });
  } catch (e) {
    return fail(`\`ip -V\` failed: ${errText(e)}`);
  }
  const missing = LAB_TOOLS.filter((t) => !onPath(t));
  if (missing.length > 0) return fail(`not found on PATH (+ sbin dirs): ${missing.join(', ')}`);
  const probe = `${LAB_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}-probe`;
  try {
    await ip(['netns', 'add', probe]);
  } catch (e) {
    return fail(`\`ip netns add ${probe}\` failed: ${errText(e)}`);
  }
  try {
    await ip(['netns', 'del', probe]);
  } catch (e) {
    return fail(`\`ip netns del ${probe}\` failed: ${errText(e)}`);
  }
  return { ok: true };
}

/** Pids of processes inside a namespace (`ip netns pids`), excluding ourselves. */
function netnsPidsSync(name: string): number[] {
  const r = execaSync('ip', ['netns', 'pids', name], { env: LAB_ENV, reject: false, timeout: 10_000 });
  return String(r.stdout ?? '')
    .split(/\s+/)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
}

async function netnsPids(name: string): Promise<number[]> {
  const r = await execa('ip', ['netns', 'pids', name], { env: LAB_ENV, reject: false, timeout: 10_000 });
  return String(r.stdout ?? '')
    .split(/\s+/)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
}

function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* already gone */
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kill whatever still runs inside the namespace (only processes the lab started can be there), then delete it. */
async function destroyNamespace(name: string): Promise<void> {
  for (const pid of await netnsPids(name)) killPid(pid, 'SIGKILL');
  const r = await execa('ip', ['netns', 'del', name], { env: LAB_ENV, reject: false, timeout: 10_000 });
  if (r.failed && (await netnsList()).includes(name)) log(`could not delete namespace ${name}: ${String(r.stderr ?? '') || r.shortMessage}`);
}

function destroyNamespaceSync(name: string): void {
  for (const pid of netnsPidsSync(name)) killPid(pid, 'SIGKILL');
  execaSync('ip', ['netns', 'del', name], { env: LAB_ENV, reject: false, timeout: 10_000 });
}

/**
 * Deletes leftover `psqlab-*` namespaces from crashed runs: those whose owner pid (the number after
 * `psqlab-`) is no longer alive, or whose name has no pid. Namespaces of live processes (a lab in
 * use by another test run, or by this process) are kept unless `force` is set. Processes still
 * running inside a deleted namespace (orphans of a SIGKILLed run, e.g. its iperf3 server) are killed. Nothing but `psqlab-*` is ever touched.
 * Returns the names deleted.
 */
export async function cleanupStaleLabs(options: { force?: boolean } = {}): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await netnsList()) {
    if (!name.startsWith(LAB_PREFIX)) continue;
    const owner = /^psqlab-(\d+)-/.exec(name)?.[1];
    const ownerPid = owner === undefined ? NaN : Number(owner);
    // A live owner (this process included) may still be using it.
    if (!options.force && Number.isInteger(ownerPid) && alive(ownerPid)) continue;
    try {
      await destroyNamespace(name);
      removed.push(name);
    } catch (e) {
      log(`cleanupStaleLabs: ${name}: ${errText(e)}`);
    }
  }
  return removed;
}

// ---- process-exit safety net -------------------------------------------------------------------

/** Namespaces of labs not yet stopped, and the processes those labs started, across all labs in this process. */
const liveNamespaces = new Set<string>();
/** What the lab needs of an execa child, whatever its options type. */
type AnyChild = Promise<unknown> & { kill(signal?: NodeJS.Signals): boolean; readonly pid?: number | undefined };
const liveChildren = new Set<AnyChild>();
let exitHooksInstalled = false;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function emergencyCleanupSync(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* ignore */
    }
  }
  liveChildren.clear();
  for (const name of liveNamespaces) {
    try {
      destroyNamespaceSync(name);
    } catch {
      /* nothing more we can do while exiting */
    }
  }
  liveNamespaces.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  emergencyCleanupSync();
  uninstallExitHooks();
  // If nobody else handles the signal, fall back to its default action (terminate).
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', emergencyCleanupSync);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstallExitHooks(): void {
  if (!exitHooksInstalled) return;
  exitHooksInstalled = false;
  process.off('exit', emergencyCleanupSync);
  for (const s of SIGNALS) process.off(s, onSignal);
}

// ---- building the lab --------------------------------------------------------------------------

/** Waits (bounded) until something listens on TCP `port` inside namespace `ns`. */
async function waitForListener(ns: string, port: number, child: AnyChild, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  let exited = false;
  void child.finally(() => {
    exited = true;
  }).catch(() => {});
  while (Date.now() < deadline) {
    if (exited) throw new Error(`iperf3 server in ${ns} exited before listening on port ${port}`);
    const r = await execa('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`], { env: LAB_ENV, reject: false, timeout: 5_000 });
    if (!r.failed && String(r.stdout ?? '').trim().length > 0) return;
    await sleep(50);
  }
  throw new Error(`iperf3 server in ${ns} not listening on port ${port} after ${deadlineMs} ms`);
}

async function sysctl(ns: string, settings: readonly string[]): Promise<void> {
  await execa('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...settings], { env: LAB_ENV, timeout: 10_000 });
}

export async function startLab(options: { suffix?: string } = {}): Promise<Lab> {
  const id = options.suffix ?? randomBytes(2).toString('hex');
  if (!/^[a-z0-9]{1,12}$/.test(id)) throw new Error(`startLab: suffix must be 1-12 of [a-z0-9], got ${JSON.stringify(id)}`);
  // Leftovers of crashed runs (their owner pid is gone); live labs of other processes are kept.
  await cleanupStaleLabs();

  const names = Object.fromEntries(HOSTS.map((h) => [h, `${LAB_PREFIX}${process.pid}-${id}-${h}`])) as Record<LabHost, string>;
  const children = new Set<AnyChild>();
  /** Only namespaces this lab created are ever deleted by its stop() (a clashing suffix must not delete another lab's). */
  const created: string[] = [];
  let stopped = false;
  let stopping: Promise<void> | undefined;

  const track = <P extends AnyChild>(child: P): P => {
    children.add(child);
    liveChildren.add(child);
    // The promise may reject when stop() kills it; mark it handled here (callers awaiting it still see the rejection).
    child.catch(() => {});
    void child
      .finally(() => {
        children.delete(child);
        liveChildren.delete(child);
      })
      .catch(() => {});
    return child;
  };

  const run = <O extends Options = {}>(ns: LabHost, argv: readonly string[], opts?: O): ResultPromise<O> => {
    if (stopped) throw new Error(`lab ${id} is stopped`);
    if (argv.length === 0) throw new Error('lab exec: empty argv');
    // execa types the result as ResultPromise<{} & O>, which is the same thing as ResultPromise<O>.
    const options = { ...opts, env: { ...LAB_ENV, ...opts?.env } };
    return track(execa('ip', ['netns', 'exec', names[ns], ...argv], options) as unknown as ResultPromise<O>);
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      try {
        const list = [...children];
        for (const c of list) c.kill('SIGTERM');
        const graceful = Promise.allSettled(list);
        const timedOut = await Promise.race([graceful.then(() => false), sleep(2_000).then(() => true)]);
        if (timedOut) {
          for (const c of children) c.kill('SIGKILL');
          await Promise.race([Promise.allSettled(list), sleep(2_000)]);
        }
        for (const name of created) {
          await destroyNamespace(name);
          liveNamespaces.delete(name);
        }
      } catch (e) {
        log(`stop(${id}): ${errText(e)}`);
      } finally {
        if (liveNamespaces.size === 0 && liveChildren.size === 0) uninstallExitHooks();
      }
    })();
    return stopping;
  };

  installExitHooks();
  try {
    for (const ns of Object.values(names)) {
      await ip(['netns', 'add', ns]);
      created.push(ns);
      liveNamespaces.add(ns);
    }
    // Per-namespace sysctls before any interface exists, so new interfaces inherit the defaults:
    // no DAD (v6 addresses usable at once), IPv6 on, no forwarding except in rt.
    await Promise.all(
      HOSTS.map((h) =>
        sysctl(names[h], [
          'net.ipv6.conf.default.disable_ipv6=0',
          'net.ipv6.conf.all.disable_ipv6=0',
          'net.ipv6.conf.default.accept_dad=0',
          'net.ipv6.conf.all.accept_dad=0',
          'net.ipv6.conf.default.accept_ra=0',
          `net.ipv4.ip_forward=${h === 'rt' ? 1 : 0}`,
        ]),
      ),
    );
    await Promise.all(HOSTS.map((h) => ip(['-n', names[h], 'link', 'set', 'lo', 'up'])));

    for (const link of LINKS) {
      const a = names[link.a.host];
      const b = names[link.b.host];
      await ip(['link', 'add', link.a.ifname, 'netns', a, 'mtu', String(link.mtu), 'type', 'veth', 'peer', 'name', link.b.ifname, 'netns', b, 'mtu', String(link.mtu)]);
      for (const [ns, ifname, host] of [
        [a, link.a.ifname, 1],
        [b, link.b.ifname, 2],
      ] as const) {
        await ip(['-n', ns, 'link', 'set', ifname, 'mtu', String(link.mtu)]);
        await ip(['-n', ns, 'addr', 'add', `${v4(link.net, host)}/24`, 'dev', ifname]);
        await ip(['-n', ns, '-6', 'addr', 'add', `${v6(link.net, host)}/64`, 'dev', ifname, 'nodad']);
        await ip(['-n', ns, 'link', 'set', ifname, 'up']);
      }
    }

    // Router: forward v4 and v6 (ip_forward set above). Shorten ARP/ND on the dst link so the silent
    // address fails fast: 1 multicast probe, 300 ms, then ICMP host/address unreachable back to tp.
    await sysctl(names.rt, [
      'net.ipv6.conf.all.forwarding=1',
      'net.ipv4.neigh.rt-dst.mcast_solicit=1',
      'net.ipv4.neigh.rt-dst.retrans_time_ms=300',
      'net.ipv6.neigh.rt-dst.mcast_solicit=1',
      'net.ipv6.neigh.rt-dst.retrans_time_ms=300',
    ]);
    for (const [host, gw4, gw6] of [
      ['tp', LAB_ADDRS.rtTpV4, LAB_ADDRS.rtTpV6],
      ['dst', LAB_ADDRS.rtDstV4, LAB_ADDRS.rtDstV6],
    ] as const) {
      await ip(['-n', names[host], 'route', 'add', 'default', 'via', gw4]);
      await ip(['-n', names[host], '-6', 'route', 'add', 'default', 'via', gw6]);
    }

    // iperf3 server in dst, on all addresses (v4 and v6).
    const server = run('dst', ['iperf3', '-s', '-p', String(IPERF3_PORT)], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false });
    await waitForListener(names.dst, IPERF3_PORT, server, 10_000);
    const pid = server.pid;
    if (pid === undefined) throw new Error('iperf3 server has no pid');

    return {
      id,
      names,
      addrs: { ...LAB_ADDRS },
      ifaces: { tp: 'tp-rt', rtTp: 'rt-tp', rtDst: 'rt-dst', dst: 'dst-rt' },
      iperf3: { port: IPERF3_PORT, pid },
      exec: run,
      spawn: run,
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`startLab failed: ${errText(e)}`, { cause: e });
  }
}
