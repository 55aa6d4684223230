// A private Docker daemon for the compose test: Debian's dockerd (with its own containerd and runc)
// on its own socket, data root and exec root under ROOT, its own bridge and address pool, so it
// never meets a Docker the machine may run. The data root is kept between runs (it is the image
// cache: local bases and build layers); everything else it made — containers, networks, volumes,
// the bridge, iptables rules and chains, forwarding sysctls, cgroup directories, mounts — is
// removed when it stops, and the host's iptables are compared with what they were before.
import { execa, type ResultPromise } from 'execa';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  FORWARDING_SYSCTLS,
  dockerCgroupDirs,
  normaliseIptables,
  readIptables,
  removeDockerIptables,
  type Family,
  type IptablesTable,
} from './host-state.js';

/** The bridge dockerd's default network uses; named so it is never confused with a docker0. */
export const BRIDGE = 'psq-docker0';
/** The default bridge (builds) and the pool compose networks are cut from. */
export const BRIDGE_CIDR = '10.254.1.1/24';
export const BRIDGE_IP = '10.254.1.1';
const POOL = 'base=10.254.16.0/20,size=24';
const POOL_MATCH = ['10.254.'];
const FAMILIES: readonly Family[] = ['ipv4', 'ipv6'];

export interface DockerDaemon {
  readonly root: string;
  /** Environment for docker and docker compose commands: DOCKER_HOST, DOCKER_CONFIG. */
  readonly env: Record<string, string>;
  docker(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** Stops dockerd and removes what it made outside its data root; returns problems left on the host. */
  stop(): Promise<string[]>;
}

interface HostBefore {
  iptables: Map<Family, Map<string, IptablesTable>>;
  sysctls: Map<string, string>;
  cgroups: Set<string>;
}

async function linkExists(name: string): Promise<boolean> {
  const r = await execa('ip', ['link', 'show', name], { reject: false });
  return r.exitCode === 0;
}

function pidIsOurs(pidFile: string, dataRoot: string): number | null {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.some((a) => a.endsWith('dockerd')) && cmdline.includes(dataRoot) ? pid : null;
  } catch {
    return null;
  }
}

function mountsUnder(root: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length);
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!existsSync(`/proc/${pid}`)) return true;
    await sleep(200);
  }
  return !existsSync(`/proc/${pid}`);
}

async function removeHostLeftovers(root: string, before: HostBefore | null): Promise<string[]> {
  const problems: string[] = [];
  if (await linkExists(BRIDGE)) await execa('ip', ['link', 'delete', BRIDGE], { reject: false });
  for (const family of FAMILIES) {
    await removeDockerIptables(family, before?.iptables.get(family) ?? new Map(), BRIDGE, POOL_MATCH);
  }
  for (const m of mountsUnder(join(root, 'run'))) await execa('umount', ['-l', m], { reject: false });
  for (const m of mountsUnder(join(root, 'data'))) await execa('umount', ['-l', m], { reject: false });
  rmSync(join(root, 'run'), { recursive: true, force: true });
  if (before !== null) {
    for (const [path, value] of before.sysctls) writeFileSync(path, `${value}\n`);
    for (const dir of dockerCgroupDirs()) {
      if (before.cgroups.has(dir)) continue;
      try {
        for (const sub of readdirSync(dir, { withFileTypes: true })) if (sub.isDirectory()) rmdirSync(join(dir, sub.name));
        rmdirSync(dir);
      } catch (e) {
        problems.push(`cgroup directory ${dir} left behind: ${(e as Error).message}`);
      }
    }
  }
  return problems;
}

async function snapshot(): Promise<HostBefore> {
  const iptables = new Map<Family, Map<string, IptablesTable>>();
  for (const family of FAMILIES) iptables.set(family, await readIptables(family));
  const sysctls = new Map<string, string>();
  for (const path of FORWARDING_SYSCTLS) if (existsSync(path)) sysctls.set(path, readFileSync(path, 'utf8').trim());
  return { iptables, sysctls, cgroups: new Set(dockerCgroupDirs()) };
}

export async function startDockerDaemon(root: string, log: (line: string) => void): Promise<DockerDaemon> {
  const dataRoot = join(root, 'data');
  const runDir = join(root, 'run');
  const pidFile = join(runDir, 'dockerd.pid');
  const socket = join(runDir, 'docker.sock');
  const configDir = join(root, 'docker-config');

  // A run that died before cleaning up leaves its daemon, bridge and rules: clear them first, so
  // what is read as "before" is the host's own state.
  const stale = pidIsOurs(pidFile, dataRoot);
  if (stale !== null) {
    log(`stopping a dockerd left running by an earlier run (pid ${stale})`);
    process.kill(stale, 'SIGTERM');
    if (!(await waitForExit(stale, 60_000))) process.kill(stale, 'SIGKILL');
  }
  if (stale !== null || (await linkExists(BRIDGE))) await removeHostLeftovers(root, null);

  const before = await snapshot();
  const foreign = [...before.iptables.values()].flatMap((t) => normaliseIptables(t)).filter((f) => /DOCKER/.test(f));
  if (foreign.length > 0) {
    throw new Error(
      `another Docker daemon manages this host's iptables (${foreign[0]}); a second dockerd would share its DOCKER chains — stop it first`,
    );
  }

  mkdirSync(runDir, { recursive: true });
  mkdirSync(dataRoot, { recursive: true });
  mkdirSync(configDir, { recursive: true });
  await execa('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  await execa('ip', ['addr', 'add', BRIDGE_CIDR, 'dev', BRIDGE]);
  await execa('ip', ['link', 'set', BRIDGE, 'up']);

  const logPath = join(root, 'dockerd.log');
  writeFileSync(logPath, '');
  const child: ResultPromise = execa(
    'dockerd',
    [
      '--host', `unix://${socket}`,
      '--data-root', dataRoot,
      '--exec-root', join(runDir, 'exec'),
      '--pidfile', pidFile,
      '--bridge', BRIDGE,
      '--default-address-pool', POOL,
      '--storage-driver', 'overlay2',
      '--log-level', 'warn',
    ],
    { stdout: { file: logPath, append: true }, stderr: { file: logPath, append: true }, detached: true, reject: false, cleanup: false, env: { ...process.env, DOCKER_CONFIG: configDir } },
  );
  const env = { DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: configDir };
  const docker: DockerDaemon['docker'] = async (args, opts = {}) => {
    const r = await execa('/usr/bin/docker', [...args], {
      env: { ...process.env, ...env },
      ...(opts.input === undefined ? {} : { input: opts.input }),
      timeout: opts.timeoutMs ?? 600_000,
    });
    return r.stdout;
  };

  let up = false;
  for (let i = 0; i < 150 && child.exitCode === null; i++) {
    const r = await execa('/usr/bin/docker', ['version', '--format', '{{.Server.Version}}'], { env: { ...process.env, ...env }, reject: false });
    if (r.exitCode === 0) {
      log(`dockerd ${r.stdout} on ${socket} (data root ${dataRoot})`);
      up = true;
      break;
    }
    await sleep(200);
  }

  if (up) {
    // Containers of a run that died before `compose down` would be restarted by their restart policy.
    const old = (await docker(['ps', '-aq'])).split('\n').filter(Boolean);
    if (old.length > 0) {
      log(`removing ${old.length} container(s) an earlier run left in ${dataRoot}`);
      await docker(['rm', '-f', '-v', ...old]);
    }
    await docker(['network', 'prune', '-f']);
    await docker(['volume', 'prune', '-f']);
  }

  const stop = async (): Promise<string[]> => {
    const problems: string[] = [];
    if (up) {
      // Whatever a scenario left (it should have run `compose down`): containers, then networks.
      const ids = (await docker(['ps', '-aq'])).split('\n').filter(Boolean);
      if (ids.length > 0) {
        problems.push(`${ids.length} container(s) were still there at the end; removed`);
        await docker(['rm', '-f', '-v', ...ids]);
      }
      const nets = (await docker(['network', 'ls', '--filter', 'type=custom', '-q'])).split('\n').filter(Boolean);
      if (nets.length > 0) {
        problems.push(`${nets.length} network(s) were still there at the end; removed`);
        await docker(['network', 'rm', ...nets]);
      }
      await execa('/usr/bin/docker', ['volume', 'prune', '-f'], { env: { ...process.env, ...env }, reject: false });
      // Images a rebuild replaced (untagged): the data root keeps only what the next run can use.
      await execa('/usr/bin/docker', ['image', 'prune', '-f'], { env: { ...process.env, ...env }, reject: false });
    }
    const pid = child.pid;
    if (pid !== undefined && child.exitCode === null) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitForExit(pid, 60_000))) {
        problems.push('dockerd did not stop within 60 s of SIGTERM; killed');
        process.kill(pid, 'SIGKILL');
      }
    }
    await child;
    problems.push(...(await removeHostLeftovers(root, before)));
    for (const family of FAMILIES) {
      const was = normaliseIptables(before.iptables.get(family) ?? new Map());
      const now = normaliseIptables(await readIptables(family));
      const added = now.filter((f) => !was.includes(f));
      const removed = was.filter((f) => !now.includes(f));
      if (added.length > 0 || removed.length > 0) {
        problems.push(`${family} iptables differ from before the run: added ${JSON.stringify(added)}, removed ${JSON.stringify(removed)}`);
      }
    }
    if (await linkExists(BRIDGE)) problems.push(`bridge ${BRIDGE} is still there`);
    const left = mountsUnder(root);
    if (left.length > 0) problems.push(`mounts left under ${root}: ${left.join(', ')}`);
    return problems;
  };

  if (!up) {
    const problems = await stop();
    const tail = readFileSync(join(root, 'dockerd.log'), 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`dockerd did not answer on ${socket} within 30 s${problems.length ? ` (${problems.join('; ')})` : ''}:\n${tail}`);
  }
  return { root, env, docker, stop };
}
