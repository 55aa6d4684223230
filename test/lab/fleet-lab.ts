// A fleet lab: three testpoints and two destinations, each on its own link to one router, with the
// fleet's Redis in the router. Real namespaces, real packets (see lab.ts for the single-path lab).
//
//        tp1 ── 10.214.1.0/24 ──┐                 ┌── 10.214.4.0/24 ── d1 (iperf3 -s)
//        tp2 ── 10.214.2.0/24 ──┤── rt ───────────┤
//        tp3 ── 10.214.3.0/24 ──┘  (Redis on      └── 10.214.5.0/24 ── d2 (iperf3 -s), MTU 1400
//                                   10.214.0.1)
//   IPv6 likewise: fd00:214:n::/64 per link, the service address fd00:214::1.
//
// Redis is reached by the testpoints over the lab's network, as a fleet reaches its central Redis:
// redis-server in rt listens on a service address (10.214.0.1/32 on rt's loopback) that every
// testpoint routes to via its gateway. psq's configuration takes redis:// URLs only, so the
// testpoints cannot share a unix socket; the same redis-server also listens on a unix socket in a
// temp directory for the test process, which lives in the root namespace (unix sockets are files,
// not network endpoints, so they cross namespaces).
//
// The iperf3 servers print iperf3's own JSON for every test they served (`-J --logfile`): who
// connected (remote_host) and when (start.timestamp.timesecs) — the destinations' record of what
// reached them, independent of what the testpoints claim.
//
// Namespaces are named like lab.ts's (`psqlab-<pid>-<id>-<host>`) so its cleanupStaleLabs() removes
// a crashed run's leftovers of this lab too.
import { randomBytes } from 'node:crypto';
import { accessSync, constants as fsConstants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa, execaSync, type Options, type ResultPromise } from 'execa';
import { redisAnswers } from '../../src/queues/redis-answers.js';
import { cleanupStaleLabs, LAB_PREFIX, labAvailable, type LabAvailability } from './lab.js';

export type FleetTestpoint = 'tp1' | 'tp2' | 'tp3';
export type FleetDestination = 'd1' | 'd2';
export type FleetHost = FleetTestpoint | FleetDestination | 'rt';

export const FLEET_TESTPOINTS: readonly FleetTestpoint[] = ['tp1', 'tp2', 'tp3'];
export const FLEET_DESTINATIONS: readonly FleetDestination[] = ['d1', 'd2'];
const HOSTS: readonly FleetHost[] = ['rt', ...FLEET_TESTPOINTS, ...FLEET_DESTINATIONS];

export const FLEET_IPERF3_PORT = 5201;
export const FLEET_REDIS_PORT = 6379;

/** Every non-router host's link to rt: subnet number n (10.214.n.0/24, fd00:214:n::/64) and MTU. */
const LINKS: Readonly<Record<Exclude<FleetHost, 'rt'>, { net: number; mtu: number }>> = {
  tp1: { net: 1, mtu: 1500 },
  tp2: { net: 2, mtu: 1500 },
  tp3: { net: 3, mtu: 1500 },
  d1: { net: 4, mtu: 1500 },
  // A smaller MTU on one path, so the two destinations are not interchangeable.
  d2: { net: 5, mtu: 1400 },
};

const v4 = (net: number, host: number) => `10.214.${net}.${host}`;
const v6 = (net: number, host: number) => `fd00:214:${net}::${host}`;
/** On rt's loopback, routed from every host: where the fleet's services (Redis) live. */
const SERVICE_V4 = '10.214.0.1';
const SERVICE_V6 = 'fd00:214::1';

export interface FleetAddrs {
  /** Each testpoint's and destination's own address on its link. */
  readonly v4: Readonly<Record<Exclude<FleetHost, 'rt'>, string>>;
  readonly v6: Readonly<Record<Exclude<FleetHost, 'rt'>, string>>;
  /** The router's service address (Redis listens there). */
  readonly serviceV4: string;
  readonly serviceV6: string;
}

export const FLEET_ADDRS: FleetAddrs = Object.freeze({
  v4: Object.freeze(Object.fromEntries(Object.entries(LINKS).map(([h, l]) => [h, v4(l.net, 2)])) as Record<Exclude<FleetHost, 'rt'>, string>),
  v6: Object.freeze(Object.fromEntries(Object.entries(LINKS).map(([h, l]) => [h, v6(l.net, 2)])) as Record<Exclude<FleetHost, 'rt'>, string>),
  serviceV4: SERVICE_V4,
  serviceV6: SERVICE_V6,
});

/** One test an iperf3 server served, from the JSON iperf3 wrote for it. */
export interface Iperf3ServedTest {
  /** The client's address as the server saw it. */
  readonly remoteHost: string;
  /** start.timestamp.timesecs: when the control connection arrived (whole seconds, iperf3's resolution). */
  readonly startSecs: number;
  /** test_start.omit + test_start.duration: the seconds the client asked to run for. */
  readonly requestedSecs: number;
  /** end.sum_received.seconds: what it measured for. */
  readonly measuredSecs: number | null;
  /** iperf3's own error text, if the test ended in one. */
  readonly error: string | null;
}

export interface FleetLab {
  readonly id: string;
  readonly names: Readonly<Record<FleetHost, string>>;
  readonly addrs: FleetAddrs;
  /** redis:// URL the namespaces reach Redis by (over the lab's network). */
  readonly redisUrl: string;
  /** The same Redis's unix socket, for the test process in the root namespace. */
  readonly redisSocket: string;
  /** A temp directory that stop() removes (Redis's socket, the iperf3 logs); tests may keep files in it. */
  readonly dir: string;
  /** What the iperf3 server in `dest` served so far. */
  iperf3Served(dest: FleetDestination): Iperf3ServedTest[];
  /** `ip netns exec <ns> …argv`; execa semantics. Processes are tracked and killed by stop(). */
  spawn<O extends Options = {}>(host: FleetHost, argv: readonly string[], opts?: O): ResultPromise<O>;
  /** Kills every process the lab started, deletes its namespaces and its directory. Idempotent, never throws. */
  stop(): Promise<void>;
}

const LAB_PATH = [...new Set([...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'])].join(delimiter);
/** PATH with the sbin directories (ip, sysctl, traceroute), for whatever runs in the lab. */
export const FLEET_LAB_PATH = LAB_PATH;
const LAB_ENV = { PATH: LAB_PATH };
/** Besides lab.ts's own needs (ip, sysctl, ss, iperf3): Redis, and the light tests' tools. */
const FLEET_TOOLS = ['redis-server', 'ping', 'traceroute'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (msg: string) => console.warn(`[fleet-lab] ${msg}`);

function errText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const { shortMessage, stderr } = e as Error & { shortMessage?: string; stderr?: unknown };
  const err = typeof stderr === 'string' ? stderr.trim() : '';
  return `${shortMessage ?? e.message}${err ? ` — ${err}` : ''}`;
}

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

export async function fleetLabAvailable(): Promise<LabAvailability> {
  const base = await labAvailable();
  if (!base.ok) return base;
  const missing = FLEET_TOOLS.filter((t) => !onPath(t));
  if (missing.length > 0) return { ok: false, reason: `the fleet lab needs ${missing.join(', ')} on PATH (+ sbin dirs)` };
  return { ok: true };
}

/** Runs `ip` commands (argv words separated by spaces; no quoting needed for the lab's) in one process, in `ns` or the root namespace. */
async function ipBatch(ns: string | null, commands: readonly string[]): Promise<void> {
  await execa('ip', [...(ns === null ? [] : ['-n', ns]), '-batch', '-'], { env: LAB_ENV, input: `${commands.join('\n')}\n`, timeout: 10_000 });
}

function netnsPids(name: string): number[] {
  const r = execaSync('ip', ['netns', 'pids', name], { env: LAB_ENV, reject: false, timeout: 10_000 });
  return String(r.stdout ?? '')
    .split(/\s+/)
    .map(Number)
    .filter((p) => Number.isInteger(p) && p > 0 && p !== process.pid);
}

/** Kills what still runs in the namespace (only the lab's own processes can be there), then deletes it. */
function destroyNamespace(name: string): void {
  for (const pid of netnsPids(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  const r = execaSync('ip', ['netns', 'del', name], { env: LAB_ENV, reject: false, timeout: 10_000 });
  if (r.failed && existsSync(join('/run/netns', name))) log(`could not delete namespace ${name}: ${String(r.stderr ?? '') || r.shortMessage}`);
}

/** Splits an iperf3 server's -J log (one pretty-printed object per test, each opening at column 0). */
export function parseIperf3ServerLog(text: string): Iperf3ServedTest[] {
  const out: Iperf3ServedTest[] = [];
  for (const chunk of text.split(/\n(?=\{)/)) {
    if (chunk.trim() === '') continue;
    let doc: Record<string, any>;
    try {
      doc = JSON.parse(chunk) as Record<string, any>;
    } catch {
      continue; // the object being written right now
    }
    const start = doc['start'] ?? {};
    const connected = Array.isArray(start.connected) ? start.connected[0] : undefined;
    if (connected === undefined || typeof start.timestamp?.timesecs !== 'number') continue;
    const testStart = start.test_start ?? {};
    out.push({
      remoteHost: String(connected.remote_host),
      startSecs: start.timestamp.timesecs,
      requestedSecs: Number(testStart.omit ?? 0) + Number(testStart.duration ?? 0),
      measuredSecs: typeof doc['end']?.sum_received?.seconds === 'number' ? doc['end'].sum_received.seconds : null,
      error: typeof doc['error'] === 'string' ? doc['error'] : null,
    });
  }
  return out;
}

// ---- process-exit safety net: a test run killed by a signal must not leave namespaces behind ----

const liveLabs = new Set<() => void>();
let hooksInstalled = false;
function emergencyStopAll(): void {
  for (const stop of liveLabs) stop();
  liveLabs.clear();
}
function onSignal(signal: NodeJS.Signals): void {
  emergencyStopAll();
  process.off(signal, onSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', emergencyStopAll);
  for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, onSignal);
}

type AnyChild = Promise<unknown> & { kill(signal?: NodeJS.Signals): boolean; readonly pid?: number | undefined; readonly exitCode?: number | null };

async function waitUntil(what: string, ok: () => Promise<boolean>, child: AnyChild, deadlineMs: number): Promise<void> {
  let exited = false;
  void child.finally(() => (exited = true)).catch(() => {});
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what}: the process exited first`);
    if (await ok()) return;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${deadlineMs} ms`);
}

async function listening(ns: string, port: number): Promise<boolean> {
  const r = await execa('ip', ['netns', 'exec', ns, 'ss', '-Hltn', `sport = :${port}`], { env: LAB_ENV, reject: false, timeout: 5_000 });
  return !r.failed && String(r.stdout ?? '').trim().length > 0;
}

export async function startFleetLab(): Promise<FleetLab> {
  const id = randomBytes(2).toString('hex');
  await cleanupStaleLabs();
  const names = Object.fromEntries(HOSTS.map((h) => [h, `${LAB_PREFIX}${process.pid}-${id}-${h}`])) as Record<FleetHost, string>;
  const dir = mkdtempSync(join(tmpdir(), 'psq-fleetlab-'));
  const redisSocket = join(dir, 'redis.sock');
  const iperf3Log = (d: FleetDestination) => join(dir, `${d}-iperf3.json`);
  const created: string[] = [];
  const children = new Set<AnyChild>();
  let stopped = false;
  let stopping: Promise<void> | undefined;

  const spawn = <O extends Options = {}>(host: FleetHost, argv: readonly string[], opts?: O): ResultPromise<O> => {
    if (stopped) throw new Error(`fleet lab ${id} is stopped`);
    if (argv.length === 0) throw new Error('fleet lab spawn: empty argv');
    const child = execa('ip', ['netns', 'exec', names[host], ...argv], { ...opts, env: { ...LAB_ENV, ...opts?.env } }) as unknown as ResultPromise<O>;
    children.add(child);
    child.catch(() => {});
    void child.finally(() => children.delete(child)).catch(() => {});
    return child;
  };

  const stopSync = () => {
    stopped = true;
    for (const c of children) c.kill('SIGKILL');
    for (const ns of created.splice(0)) destroyNamespace(ns);
    rmSync(dir, { recursive: true, force: true });
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopped = true;
      try {
        const list = [...children];
        for (const c of list) c.kill('SIGTERM');
        const timedOut = await Promise.race([Promise.allSettled(list).then(() => false), sleep(3_000).then(() => true)]);
        if (timedOut) for (const c of children) c.kill('SIGKILL');
        await Promise.race([Promise.allSettled(list), sleep(2_000)]);
      } catch (e) {
        log(`stop(${id}): ${errText(e)}`);
      } finally {
        stopSync();
        liveLabs.delete(stopSync);
      }
    })();
    return stopping;
  };

  installHooks();
  liveLabs.add(stopSync);
  try {
    // `ip -batch`: one ip process per step and namespace instead of one per command (a loaded
    // machine takes ~0.2 s per ip process; the lab needs some fifty commands).
    // Recorded first: stop() must delete whatever part of the batch was done before a failure.
    created.push(...Object.values(names));
    await ipBatch(null, Object.values(names).map((ns) => `netns add ${ns}`));
    // Before any interface exists, so new ones inherit: no DAD (v6 usable at once), forwarding in rt only.
    await Promise.all(
      HOSTS.map((h) =>
        execa('ip', ['netns', 'exec', names[h], 'sysctl', '-q', '-w',
          'net.ipv6.conf.default.disable_ipv6=0', 'net.ipv6.conf.all.disable_ipv6=0',
          'net.ipv6.conf.default.accept_dad=0', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_ra=0',
          `net.ipv4.ip_forward=${h === 'rt' ? 1 : 0}`, `net.ipv6.conf.all.forwarding=${h === 'rt' ? 1 : 0}`,
          // Several testpoints trace through rt at once: its ICMP errors (time exceeded, port
          // unreachable) must not be rate-limited into missing hops.
          'net.ipv4.icmp_ratelimit=0', 'net.ipv6.icmp.ratelimit=0',
        ], { env: LAB_ENV, timeout: 10_000 }),
      ),
    );
    const links = Object.entries(LINKS) as [Exclude<FleetHost, 'rt'>, { net: number; mtu: number }][];
    // Interface names live inside their namespaces: rt-<host> in rt, <host>-rt in the host.
    await ipBatch(null, links.map(([host, l]) => `link add rt-${host} netns ${names.rt} mtu ${l.mtu} type veth peer name ${host}-rt netns ${names[host]} mtu ${l.mtu}`));
    const rtSide = ['link set lo up', `addr add ${SERVICE_V4}/32 dev lo`, `addr add ${SERVICE_V6}/128 dev lo`];
    for (const [host, l] of links) rtSide.push(`addr add ${v4(l.net, 1)}/24 dev rt-${host}`, `addr add ${v6(l.net, 1)}/64 dev rt-${host} nodad`, `link set rt-${host} up`);
    await Promise.all([
      ipBatch(names.rt, rtSide),
      ...links.map(([host, l]) =>
        ipBatch(names[host], [
          'link set lo up',
          `addr add ${v4(l.net, 2)}/24 dev ${host}-rt`,
          `addr add ${v6(l.net, 2)}/64 dev ${host}-rt nodad`,
          `link set ${host}-rt up`,
          `route add default via ${v4(l.net, 1)}`,
          `route add ::/0 via ${v6(l.net, 1)}`,
        ]),
      ),
    ]);

    // The fleet's Redis: on the service address for the namespaces, on a unix socket for the test process.
    const redis = spawn('rt', [
      'redis-server', '--bind', SERVICE_V4, SERVICE_V6, '--port', String(FLEET_REDIS_PORT), '--protected-mode', 'no',
      '--unixsocket', redisSocket, '--unixsocketperm', '700', '--dir', dir, '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', join(dir, 'redis.log'),
    ], { stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false });
    await waitUntil('redis-server in rt', () => redisAnswers({ path: redisSocket }, 300), redis, 10_000);

    for (const d of FLEET_DESTINATIONS) {
      const server = spawn(d, ['iperf3', '-s', '-p', String(FLEET_IPERF3_PORT), '-J', '--forceflush', '--logfile', iperf3Log(d)], {
        stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', reject: false,
      });
      await waitUntil(`iperf3 server in ${d}`, () => listening(names[d], FLEET_IPERF3_PORT), server, 10_000);
    }

    return {
      id,
      names,
      addrs: FLEET_ADDRS,
      redisUrl: `redis://${SERVICE_V4}:${FLEET_REDIS_PORT}`,
      redisSocket,
      dir,
      iperf3Served: (d) => (existsSync(iperf3Log(d)) ? parseIperf3ServerLog(readFileSync(iperf3Log(d), 'utf8')) : []),
      spawn,
      stop,
    };
  } catch (e) {
    await stop();
    throw new Error(`startFleetLab failed: ${errText(e)}`, { cause: e });
  }
}
