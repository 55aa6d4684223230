// The compose stacks for real (issue 14): `npx tsx test/compose/run.ts` as root on a Debian machine
// with docker.io, debootstrap and iptables (apt-get install -y docker.io debootstrap iptables).
//
// 1. Starts a private dockerd (test/compose/docker-daemon.ts) under PSQ_COMPOSE_ROOT (default
//    /var/tmp/psq-docker) and gets Docker Compose v2 (compose-binary.ts, cached there).
// 2. Builds the local base images the Dockerfiles name (bases.ts; cached in the daemon's data root,
//    keyed by a hash of each recipe), then the project's images with `docker compose build`.
// 3. In a copy of this checkout (the files git knows, tracked or not ignored) with a test .env, runs
//    the scenarios (scenarios.ts) against a test archiver on this host, and prints the figures.
// 4. `docker compose down -v`, stops dockerd, removes what it made, and checks the host's iptables
//    are as before. Exit 0 only if every check passed and nothing was left behind.
//
// Environment: PSQ_COMPOSE_ROOT (daemon, caches and work copy), PSQ_COMPOSE_COLD=1 (drop every
// cached image and build layer first: a cold run), PSQ_COMPOSE_TESTPOINTS (comma list of variants to
// run: systemd, tool; default every one whose compose file exists), PSQ_COMPOSE_SOURCE=HEAD (build
// the last commit instead of the work tree).
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { startRelay, type Relay } from './archiver-relay.js';
import { ensureBases } from './bases.js';
import { ensureComposePlugin } from './compose-binary.js';
import { ComposeStack } from './compose-stack.js';
import { BRIDGE_IP, startDockerDaemon, type DockerDaemon } from './docker-daemon.js';
import { centralStack, faults, round, type Ctx, type Settings, type TestpointVariant } from './scenarios.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const ROOT = process.env.PSQ_COMPOSE_ROOT ?? '/var/tmp/psq-docker';
const COLD = process.env.PSQ_COMPOSE_COLD === '1';
const started = Date.now();

const log = (line: string): void => {
  const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`compose ${t}s  ${line}\n`);
};
const figures: [string, string][] = [];
const figure = (name: string, value: string): void => {
  figures.push([name, value]);
  log(`figure: ${name}: ${value}`);
};
let passed = 0;
const failures: string[] = [];
const expect = (ok: boolean, what: string): void => {
  if (ok) {
    passed++;
    log(`ok    ${what}`);
  } else {
    failures.push(what);
    log(`FAIL  ${what}`);
  }
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const secret = (): string => randomBytes(12).toString('hex');

function preflight(): void {
  if (process.getuid?.() !== 0) throw new Error('the compose test runs dockerd, debootstrap and iptables: run it as root');
  const missing = ['dockerd', 'debootstrap', 'iptables', 'dpkg-deb'].filter(
    (cmd) => !['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((d) => existsSync(join(d, cmd))),
  );
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: apt-get install -y --no-install-recommends docker.io debootstrap iptables`);
  }
}

/**
 * The checkout as a user has it: the files git knows (tracked, or untracked and not ignored), or
 * with PSQ_COMPOSE_SOURCE=HEAD the last commit only (a work tree others are editing may not build).
 */
async function copyCheckout(dest: string): Promise<void> {
  if (process.env.PSQ_COMPOSE_SOURCE === 'HEAD') {
    const tar = `${dest}.tar`;
    await execa('git', ['archive', '--format=tar', '-o', tar, 'HEAD'], { cwd: REPO });
    await execa('tar', ['-xf', tar, '-C', dest]);
    rmSync(tar, { force: true });
    return;
  }
  const { stdout } = await execa('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO });
  for (const file of stdout.split('\0').filter(Boolean)) {
    const from = join(REPO, file);
    if (!existsSync(from)) continue; // deleted in the work tree
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    cpSync(from, join(dest, file));
  }
}

/** Whether `privileged: true` can start a container here (it asks runc for every capability). */
async function privilegedWorks(d: DockerDaemon): Promise<string | null> {
  try {
    await d.docker(['run', '--rm', '--privileged', '--network', 'none', 'node:24-bookworm-slim', 'true']);
    return null;
  } catch (e) {
    const msg = (e as Error).message.split('\n').find((l) => /caps|permitted|denied/i.test(l)) ?? (e as Error).message;
    return msg.trim();
  }
}

const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
];

/** Capabilities (of the classic 38) missing from this process's bounding set. */
function missingCapabilities(): string[] {
  const line = /^CapBnd:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  if (line === undefined) return [];
  const mask = BigInt(`0x${line}`);
  return CAPABILITIES.filter((_, bit) => (mask & (1n << BigInt(bit))) === 0n).map((c) => `CAP_${c}`);
}

function variantsIn(work: string, privilegedProblem: string | null): TestpointVariant[] {
  const all: TestpointVariant[] = [];
  if (existsSync(join(work, 'docker-compose-testpoint.yml'))) {
    all.push({
      name: 'systemd',
      files: ['docker-compose-testpoint.yml', ...(privilegedProblem === null ? [] : [join(HERE, 'testpoint-without-privileged.yml')])],
      service: 'testpoint',
      dataDir: '',
      haltExitCode: 130,
      deviation:
        privilegedProblem === null
          ? null
          : `privileged: true cannot start a container here (${privilegedProblem}): privileged asks runc for every capability, and this machine's root lacks ${missingCapabilities().join(', ') || 'one'} in its bounding set. The test adds test/compose/testpoint-without-privileged.yml: every other capability, seccomp and AppArmor unconfined; systemd, the host network, cgroup: host and the rest are as users get them.`,
    });
  }
  if (existsSync(join(work, 'docker-compose-tool.yml'))) {
    // Its image runs psq as uid 1000, and the compose file asks for a results directory that user can write.
    all.push({ name: 'tool', files: ['docker-compose-tool.yml'], service: '', dataDir: '', deviation: null, haltExitCode: null, dataOwner: 1000 });
  }
  const wanted = process.env.PSQ_COMPOSE_TESTPOINTS?.split(',').map((v) => v.trim()).filter(Boolean);
  return wanted === undefined ? all : all.filter((v) => wanted.includes(v.name));
}

async function main(): Promise<number> {
  preflight();
  mkdirSync(ROOT, { recursive: true });
  const cache = join(ROOT, 'cache');
  const work = join(ROOT, `work-${process.pid}`);
  let daemon: DockerDaemon | undefined;
  let archiver: ArchiverServer | undefined;
  let relay: Relay | undefined;
  let stack: ComposeStack | undefined;
  let allFiles: string[] = [];
  const leftovers: string[] = [];
  try {
    daemon = await startDockerDaemon(ROOT, log);
    const composeVersion = await ensureComposePlugin(cache, daemon.env.DOCKER_CONFIG!, log);
    log(`docker compose ${composeVersion}`);

    if (COLD) {
      log('PSQ_COMPOSE_COLD=1: removing every cached image and build layer');
      // No container exists at this point, so every image is unused.
      await daemon.docker(['image', 'prune', '-af']);
      await daemon.docker(['builder', 'prune', '-af']);
    }

    const b0 = Date.now();
    const bases = await ensureBases(daemon, cache, log);
    for (const b of bases) figure(`base ${b.image}`, b.cached ? 'cached' : `built in ${b.seconds.toFixed(1)} s`);
    figure('local bases ready', `${((Date.now() - b0) / 1000).toFixed(1)} s`);

    mkdirSync(work, { recursive: true });
    await copyCheckout(work);
    mkdirSync(join(work, 'certs'), { recursive: true });

    // Every delivery must carry this token, or the archiver answers 401.
    const token = secret();
    archiver = await startArchiverServer({ token });
    relay = await startRelay(BRIDGE_IP, Number(new URL(archiver.url).port));
    const settings: Settings = {
      testpoint: 'compose-tp',
      destName: 'localhost',
      destIp: '127.0.0.1',
      categories: ['rtt', 'mtu', 'trace'],
      archiveUrl: `http://host.docker.internal:${relay.port}/ps`,
      redisPort: await freePort(),
      redisPassword: secret(),
      dashboardPort: await freePort(),
      dashboardUser: 'ops',
      dashboardPassword: secret(),
    };
    writeFileSync(
      join(work, '.env'),
      [
        `HOSTS=${settings.destIp}@${settings.destName}`,
        `TESTPOINT=${settings.testpoint}`,
        `TESTS=${settings.categories.join(' ')}`,
        'CRON_EXPRESSION=* * * * *',
        'TZ=UTC',
        'RTT_ARGS=--count 3',
        `ARCHIVE_URLS=${settings.archiveUrl}`,
        `AUTH_TOKEN=${token}`,
        // A stalled delivery gives up after 10 s, and retries come back within seconds.
        'ARCHIVE_TIMEOUT_MS=10000',
        'ARCHIVE_BACKOFF_MS=2000',
        'ARCHIVE_BACKOFF_MAX_MS=5000',
        `REDIS_PASSWORD=${settings.redisPassword}`,
        `REDIS_PUBLISH_PORT=${settings.redisPort}`,
        `DASHBOARD_PUBLISH_PORT=${settings.dashboardPort}`,
        `DASHBOARD_USER=${settings.dashboardUser}`,
        `DASHBOARD_PASSWORD=${settings.dashboardPassword}`,
        'LOG_LEVEL=info',
        '',
      ].join('\n'),
    );

    const privilegedProblem = await privilegedWorks(daemon);
    const variants = variantsIn(work, privilegedProblem);
    for (const v of variants) if (v.deviation !== null) log(`note (${v.name} testpoint): ${v.deviation}`);
    allFiles = ['docker-compose-redis.yml', ...variants.flatMap((v) => v.files)];
    stack = new ComposeStack(daemon, work, ['docker-compose-redis.yml'], log);
    const everything = stack.withFiles(allFiles);

    // The services' own names and data directories, from the compose configuration.
    const cfg = await everything.config();
    for (const v of variants) {
      const own = Object.keys((await stack.withFiles(['docker-compose-redis.yml', ...v.files]).config()).services).filter(
        (svc) => !['redis', 'scheduler', 'archive', 'dashboard'].includes(svc),
      );
      const service = v.service !== '' ? v.service : own[0];
      if (service === undefined) throw new Error(`${v.files[0]} defines no testpoint service`);
      (v as { service: string }).service = service;
      const volumes = (cfg.services[service]?.volumes ?? []) as { type?: string; source?: string; target?: string }[];
      const data = volumes.find((m) => m.target === '/data' && m.type === 'bind');
      if (data?.source === undefined) throw new Error(`${service} binds no host directory to /data`);
      v.dataDir = data.source;
      mkdirSync(v.dataDir, { recursive: true });
      if (v.dataOwner !== undefined) chownSync(v.dataDir, v.dataOwner, v.dataOwner);
    }

    // The central image, then each testpoint's: a testpoint whose image does not build fails its own
    // scenario, not the others.
    const warm = bases.every((b) => b.cached);
    const buildKind = COLD ? 'cold: no cached layers' : warm ? 'bases cached, layer cache as this machine kept it' : 'bases just built';
    const p0 = Date.now();
    await stack.run(['build']);
    figure(`docker compose -f docker-compose-redis.yml build (${buildKind})`, `${((Date.now() - p0) / 1000).toFixed(1)} s`);
    const built: TestpointVariant[] = [];
    for (const v of variants) {
      const v0 = Date.now();
      try {
        await stack.withFiles(['docker-compose-redis.yml', ...v.files]).run(['build', v.service]);
        figure(`docker compose build ${v.service} (${v.name} testpoint; ${buildKind})`, `${((Date.now() - v0) / 1000).toFixed(1)} s`);
        built.push(v);
      } catch (e) {
        expect(false, `${v.name} testpoint image builds: ${(e as Error).message}`);
      }
    }
    const images = new Set(['node:24-bookworm-slim', 'redis:7.4-alpine', 'perfsonar/testpoint:systemd']);
    for (const svc of Object.values(cfg.services)) if (typeof svc.image === 'string') images.add(svc.image);
    for (const image of images) {
      const size = await daemon.docker(['image', 'inspect', '--format', '{{.Size}}', image]).catch(() => null);
      if (size !== null) figure(`image ${image}`, `${(Number(size) / 1e6).toFixed(0)} MB`);
    }

    const ctx: Ctx = { central: stack, variants: built, archiver, settings, log, figure, expect };
    const scenario = async (name: string, fn: () => Promise<void>): Promise<boolean> => {
      const s0 = Date.now();
      log(`--- scenario ${name}`);
      try {
        await fn();
        return true;
      } catch (e) {
        expect(false, `${name}: ${(e as Error).message}`);
        return false;
      } finally {
        figure(`scenario ${name}`, `${((Date.now() - s0) / 1000).toFixed(1)} s`);
      }
    };
    if (await scenario('(a) central stack', () => centralStack(ctx))) {
      const good: TestpointVariant[] = [];
      for (const v of built) if (await scenario(`(b) round from the ${v.name} testpoint`, () => round(ctx, v))) good.push(v);
      const first = good[0];
      if (first !== undefined) await scenario(`(c) faults with the ${first.name} testpoint`, () => faults(ctx, first));
      else expect(false, '(c) faults: not run, no testpoint round succeeded');
    }
  } catch (e) {
    expect(false, `setup: ${(e as Error).message}`);
  } finally {
    if (stack !== undefined) {
      await stack
        .withFiles(allFiles)
        .run(['down', '-v', '--remove-orphans', '--timeout', '120'])
        .catch((e: unknown) => leftovers.push(`compose down: ${(e as Error).message}`));
    }
    await relay?.close();
    await archiver?.close();
    if (daemon !== undefined) leftovers.push(...(await daemon.stop()));
    rmSync(work, { recursive: true, force: true });
  }
  for (const l of leftovers) expect(false, `cleanup: ${l}`);
  if (leftovers.length === 0) expect(true, 'cleanup: no containers, networks, bridge, mounts or iptables rules left; forwarding sysctls restored');

  process.stdout.write('\ncompose figures\n');
  for (const [name, value] of figures) process.stdout.write(`  ${name}: ${value}\n`);
  process.stdout.write(`\ncompose: total ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  for (const f of failures) process.stdout.write(`  failed: ${f}\n`);
  process.stdout.write(`compose: ${passed} passed, ${failures.length} failed\n`);
  return failures.length === 0 ? 0 : 1;
}

process.exitCode = await main();
