// The compose files, as `docker compose` would see them after interpolation with a sample .env:
// valid against the Compose Specification schema, and wired the way the README says.
import { describe, expect, it } from 'vitest';
import { COMPOSE_VARIABLES } from '../../../scripts/env-docs.js';
import { loadConfig, type Env as ConfigEnv } from '../../../src/config/load-config.js';
import { VARIABLES } from '../../../src/config/variables.js';
import { redisOptionsFromUrl } from '../../../src/queues/redis-options.js';
import {
  composeSchemaValidator,
  durationSeconds,
  InterpolationError,
  loadCompose,
  parseComposeYaml,
  readRepoFile,
  referencedVariables,
  services,
  type ComposeProject,
  type Env,
  type Service,
} from './compose-model.js';

const CENTRAL = 'docker-compose-redis.yml';
const PUBLIC = 'docker-compose-redis-public.yml';
const TESTPOINT = 'docker-compose-testpoint.yml';
const TOOL = 'docker-compose-tool.yml';
const COMPOSE_FILES = [CENTRAL, PUBLIC, TESTPOINT, TOOL];

/** The cron runner's docker/.env, as its env.template ships it. */
const CRON_RUNNER_ENV = {
  HOSTS: '23.134.232.50@shore-STAR',
  AUTH_TOKEN: 'changeme',
  ARCHIVE_URLS: 'https://23.134.232.50:8443/ps',
  TZ: 'UTC',
  CRON_EXPRESSION: '0 */2 * * *',
};
const STANDALONE_ENV = { ...CRON_RUNNER_ENV, TESTPOINT: 'ship-1' };
const PASSWORD_ENV = { ...STANDALONE_ENV, REDIS_PASSWORD: 'c0ffee42', REDIS_PUBLIC_ADDR: '192.0.2.5' };

const validate = composeSchemaValidator();

function expectValid(project: ComposeProject): void {
  const errors = validate(project.model).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  expect(errors).toEqual([]);
}

/** What psq inside the service sees: env_file .env, then the service's environment over it. */
function serviceEnv(svc: Service, dotEnv: Env): Record<string, string | undefined> {
  expect(svc['env_file']).toBe('.env');
  return { ...dotEnv, ...svc.environment };
}

function psqConfig(svc: Service, dotEnv: Env, hostname = '3f2a9c1b7d0e') {
  return loadConfig(serviceEnv(svc, dotEnv) as ConfigEnv, { hostname, inContainer: true });
}

const KNOWN = new Set([...VARIABLES.flatMap((v) => [v.name, ...v.aliases]), ...COMPOSE_VARIABLES.map((v) => v.name)]);

describe('compose files: Compose Specification schema', () => {
  it.each([
    ['central stack', [CENTRAL], STANDALONE_ENV],
    ['central stack with a password', [CENTRAL], PASSWORD_ENV],
    ['central stack with Redis published for remote testpoints', [CENTRAL, PUBLIC], PASSWORD_ENV],
    ['fleet testpoint with only the cron runner .env', [TESTPOINT], CRON_RUNNER_ENV],
    ['standalone testpoint: both files merged', [CENTRAL, TESTPOINT], STANDALONE_ENV],
    ['standalone testpoint with a password', [CENTRAL, TESTPOINT], PASSWORD_ENV],
    ['tool testpoint with only the cron runner .env', [TOOL], CRON_RUNNER_ENV],
    ['standalone tool testpoint: both files merged', [CENTRAL, TOOL], STANDALONE_ENV],
    ['standalone tool testpoint with a password', [CENTRAL, TOOL], PASSWORD_ENV],
  ] as const)('%s is valid, with no unset variable', (_name, files, env) => {
    const project = loadCompose(files, env);
    expectValid(project);
    expect([...project.unset]).toEqual([]);
  });

  it('the validator does reject what compose would reject', () => {
    const project = loadCompose([CENTRAL], STANDALONE_ENV);
    const broken = structuredClone(project.model) as { services: Record<string, Record<string, unknown>> };
    broken.services['redis']!['restart_policy'] = 'always';
    broken.services['scheduler']!['depends_on'] = { redis: { condition: 'service_ready' } };
    expect(validate(broken).length).toBeGreaterThan(0);
  });

  it('every ${VAR} in the compose files is a variable psq reads or a documented compose-only one', () => {
    for (const f of COMPOSE_FILES) {
      for (const name of referencedVariables(readRepoFile(f))) expect(KNOWN, `${f}: ${name}`).toContain(name);
    }
  });

  it('every environment name a compose file sets is one psq reads (or the Redis image reads)', () => {
    for (const f of COMPOSE_FILES) {
      const model = parseComposeYaml(readRepoFile(f)) as { services: Record<string, Service> };
      for (const [name, svc] of Object.entries(model.services)) {
        for (const key of Object.keys(svc.environment ?? {})) {
          const allowed = name === 'redis' ? ['REDISCLI_AUTH'] : [...KNOWN];
          expect(allowed, `${f} ${name}: ${key}`).toContain(key);
        }
      }
    }
  });
});

describe('docker-compose-redis.yml: the central stack', () => {
  const project = loadCompose([CENTRAL], STANDALONE_ENV);
  const svc = services(project);

  it('has Redis, the scheduler, the archive worker and the dashboard', () => {
    expect(Object.keys(svc).sort()).toEqual(['archive', 'dashboard', 'redis', 'scheduler']);
    expect(svc['scheduler']!.command).toEqual(['start', 'scheduler']);
    expect(svc['archive']!.command).toEqual(['start', 'archive']);
    expect(svc['dashboard']!.command).toEqual(['start', 'dashboard']);
  });

  it('Redis keeps an AOF (everysec), never evicts, on a named volume, and has no password by default', () => {
    const redis = svc['redis']!;
    const cmd = redis.command!;
    expect(cmd[0]).toBe('redis-server');
    const opt = (name: string) => cmd[cmd.indexOf(name) + 1];
    expect(opt('--appendonly')).toBe('yes');
    expect(opt('--appendfsync')).toBe('everysec');
    expect(opt('--maxmemory-policy')).toBe('noeviction');
    expect(cmd.indexOf('--requirepass')).toBe(cmd.length - 2);
    expect(opt('--requirepass')).toBe(''); // redis-server reads "" as no password (integration test)
    expect(redis.environment).toEqual({ REDISCLI_AUTH: '' });
    expect(redis.volumes).toEqual(['redis-data:/data']);
    expect(Object.keys(project.model['volumes'] as object)).toContain('redis-data');
    expect(redis['image']).toMatch(/^redis:7\./);
  });

  it('publishes Redis on 127.0.0.1 only, and the dashboard on 127.0.0.1:3000 by default', () => {
    expect(svc['redis']!.ports).toEqual(['127.0.0.1:6379:6379']);
    expect(svc['dashboard']!.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(svc['scheduler']!.ports).toBeUndefined();
    expect(svc['archive']!.ports).toBeUndefined();
    const moved = services(loadCompose([CENTRAL], { ...STANDALONE_ENV, DASHBOARD_PUBLISH_PORT: '8080', REDIS_PUBLISH_PORT: '6380' }));
    expect(moved['dashboard']!.ports).toEqual(['127.0.0.1:8080:3000']);
    expect(moved['redis']!.ports).toEqual(['127.0.0.1:6380:6379']);
  });

  it('every service has a health check and a restart policy; psq services wait for a healthy Redis', () => {
    for (const [name, s] of Object.entries(svc)) {
      expect(s.healthcheck?.test.length, name).toBeGreaterThan(1);
      expect(s['restart'], name).toBe('unless-stopped');
    }
    expect(svc['redis']!.healthcheck!.test).toEqual(['CMD-SHELL', 'redis-cli ping 2>/dev/null | grep -q PONG']);
    expect(svc['dashboard']!.healthcheck!.test.join(' ')).toContain('/healthz');
    for (const name of ['scheduler', 'archive', 'dashboard']) {
      expect(svc[name]!.depends_on).toEqual({ redis: { condition: 'service_healthy' } });
    }
    expect(svc['dashboard']!.healthcheck!.test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    for (const name of ['scheduler', 'archive']) {
      expect(svc[name]!.healthcheck!.test).toEqual(['CMD', 'node', 'bin/psq.js', 'health', name]);
    }
  });

  it('psq services are built from Dockerfile, read .env, keep /data on a volume', () => {
    for (const name of ['scheduler', 'archive', 'dashboard']) {
      const s = svc[name]!;
      expect(s['build']).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(s['env_file']).toBe('.env');
      expect(s.volumes).toContain('psq-data:/data');
      expect(s.volumes).toContain('./certs:/etc/perfsonar-queue/certs:ro');
      expect(s.volumes).toContain('./fleet:/etc/perfsonar-queue/fleet:ro');
      // Longer than psq's own shutdown grace, so running jobs finish before Docker kills the process.
      expect(durationSeconds(s['stop_grace_period'] as string)).toBeGreaterThan(Number(VARIABLES.find((v) => v.name === 'SHUTDOWN_TIMEOUT_S')!.default));
    }
  });

  it('each psq service loads a valid configuration pointing at the redis service', () => {
    for (const name of ['scheduler', 'archive', 'dashboard']) {
      const config = psqConfig(svc[name]!, STANDALONE_ENV);
      const redis = redisOptionsFromUrl(config.redisUrl!);
      expect(redis).toMatchObject({ host: 'redis', port: 6379 });
      expect(redis.password).toBeUndefined();
      expect(config.dataDir).toBe('/data');
      expect(config.hosts.length).toBe(1);
    }
    expect(psqConfig(svc['scheduler']!, STANDALONE_ENV).testpoint).toBe('ship-1');
    const dash = psqConfig(svc['dashboard']!, STANDALONE_ENV);
    expect(dash).toMatchObject({ dashboardHost: '0.0.0.0', dashboardPort: 3000, dashboardUser: null });
  });

  it('the dashboard takes credentials from .env (basic auth on), still published on 127.0.0.1 unless told', () => {
    const env = { ...STANDALONE_ENV, DASHBOARD_USER: 'ops', DASHBOARD_PASSWORD: 'pw' };
    const s = services(loadCompose([CENTRAL], env));
    expect(psqConfig(s['dashboard']!, env)).toMatchObject({ dashboardUser: 'ops', dashboardPassword: 'pw', dashboardHost: '0.0.0.0' });
    expect(s['dashboard']!.ports).toEqual(['127.0.0.1:3000:3000']);
    const open = services(loadCompose([CENTRAL], { ...env, DASHBOARD_PUBLISH_ADDR: '0.0.0.0' }));
    expect(open['dashboard']!.ports).toEqual(['0.0.0.0:3000:3000']);
  });

  it('with REDIS_PASSWORD, Redis requires it and every psq service sends it', () => {
    const s = services(loadCompose([CENTRAL], PASSWORD_ENV));
    const cmd = s['redis']!.command!;
    expect(cmd.slice(-2)).toEqual(['--requirepass', 'c0ffee42']);
    expect(s['redis']!.environment).toEqual({ REDISCLI_AUTH: 'c0ffee42' });
    for (const name of ['scheduler', 'archive', 'dashboard']) {
      const config = psqConfig(s[name]!, PASSWORD_ENV);
      expect(redisOptionsFromUrl(config.redisUrl!)).toMatchObject({ host: 'redis', port: 6379, password: 'c0ffee42' });
    }
  });

  it('refuses to start without TESTPOINT (the scheduler cannot guess the testpoint hostname)', () => {
    expect(() => loadCompose([CENTRAL], CRON_RUNNER_ENV)).toThrow(InterpolationError);
    expect(() => loadCompose([CENTRAL], CRON_RUNNER_ENV)).toThrow(/TESTPOINT/);
  });
});

describe('docker-compose-redis-public.yml: Redis for remote testpoints', () => {
  it('adds the public address next to 127.0.0.1 and requires a password', () => {
    const s = services(loadCompose([CENTRAL, PUBLIC], PASSWORD_ENV));
    expect(s['redis']!.ports).toEqual(['127.0.0.1:6379:6379', '192.0.2.5:6379:6379']);
    expect(s['redis']!.command!.slice(-2)).toEqual(['--requirepass', 'c0ffee42']);
    expect(s['redis']!.environment).toEqual({ REDISCLI_AUTH: 'c0ffee42' });
    // Still everything else of the central stack.
    expect(s['redis']!.command).toContain('noeviction');
    expect(Object.keys(s).sort()).toEqual(['archive', 'dashboard', 'redis', 'scheduler']);
  });

  it('refuses to publish Redis without REDIS_PASSWORD or without an address', () => {
    expect(() => loadCompose([CENTRAL, PUBLIC], { ...PASSWORD_ENV, REDIS_PASSWORD: '' })).toThrow(/REDIS_PASSWORD/);
    expect(() => loadCompose([CENTRAL, PUBLIC], { ...STANDALONE_ENV, REDIS_PUBLIC_ADDR: '192.0.2.5' })).toThrow(/REDIS_PASSWORD/);
    expect(() => loadCompose([CENTRAL, PUBLIC], { ...PASSWORD_ENV, REDIS_PUBLIC_ADDR: undefined })).toThrow(/REDIS_PUBLIC_ADDR/);
  });
});

describe('docker-compose-testpoint.yml: the testpoint', () => {
  const project = loadCompose([TESTPOINT], CRON_RUNNER_ENV);
  const tp = services(project)['testpoint']!;

  it('is the perfSONAR testpoint image build, in host network mode, under systemd like the cron runner', () => {
    expect(Object.keys(services(project))).toEqual(['testpoint']);
    expect(tp['build']).toEqual({ context: '.', dockerfile: 'Dockerfile-perfsonar-testpoint' });
    expect(tp['network_mode']).toBe('host');
    expect(tp['privileged']).toBe(true);
    expect(tp['cgroup']).toBe('host');
    expect(tp['tty']).toBe(true); // the unit logs to the console, which is this tty: docker compose logs
    expect(tp['tmpfs']).toEqual(expect.arrayContaining([expect.stringMatching(/^\/run(:|$)/), expect.stringMatching(/^\/run\/lock/)]));
    expect(tp['stop_signal']).toBe('SIGRTMIN+3');
    expect(tp['restart']).toBe('unless-stopped');
    expect(tp.ports).toBeUndefined();
  });

  it('keeps results in ./data_testpoint as the cron runner did', () => {
    expect(tp.volumes).toContain('./data_testpoint:/data');
    expect(tp.volumes).toContain('/sys/fs/cgroup:/sys/fs/cgroup:rw');
    expect(tp.volumes).toContain('./certs:/etc/perfsonar-queue/certs:ro');
    expect(tp.volumes).toContain('./fleet:/etc/perfsonar-queue/fleet:ro');
    expect(tp.environment!['DATA_DIR']).toBe('/data');
  });

  it('passes the cron runner .env through unchanged, plus REDIS_URL, PSQ_ROLES and DATA_DIR', () => {
    expect(tp['env_file']).toBe('.env');
    expect(Object.keys(tp.environment!).sort()).toEqual(['DATA_DIR', 'PSQ_ROLES', 'REDIS_URL']);
    const config = psqConfig(tp, CRON_RUNNER_ENV, 'ship-1.example.org');
    expect(config.hosts.map((h) => h.ip)).toEqual(['23.134.232.50']);
    expect(config).toMatchObject({
      archiveUrls: ['https://23.134.232.50:8443/ps'],
      authToken: 'changeme',
      cronExpression: '0 */2 * * *',
      tz: 'UTC',
      testpoint: 'ship-1.example.org',
    });
    expect(tp.environment!['PSQ_ROLES']).toBe('measure');
  });

  it('defaults REDIS_URL to the Redis a standalone stack publishes on 127.0.0.1, password included', () => {
    expect(tp.environment!['REDIS_URL']).toBe('redis://:@127.0.0.1:6379');
    const withPw = services(loadCompose([TESTPOINT], PASSWORD_ENV))['testpoint']!;
    expect(redisOptionsFromUrl(withPw.environment!['REDIS_URL']!)).toMatchObject({ host: '127.0.0.1', port: 6379, password: 'c0ffee42' });
    const fleet = services(loadCompose([TESTPOINT], { ...CRON_RUNNER_ENV, REDIS_URL: 'redis://:pw@central.example.org:6379' }))['testpoint']!;
    expect(fleet.environment!['REDIS_URL']).toBe('redis://:pw@central.example.org:6379');
  });

  it('health: the psq unit is active; stop grace exceeds the unit stop timeout', () => {
    expect(tp.healthcheck!.test).toEqual(['CMD', 'systemctl', 'is-active', '--quiet', 'psq-testpoint.service']);
    const unit = readRepoFile('deploy/systemd/psq-testpoint.service');
    const timeoutStop = Number(/^TimeoutStopSec=(\d+)$/m.exec(unit)![1]);
    expect(durationSeconds(tp['stop_grace_period'] as string)).toBeGreaterThan(timeoutStop);
  });
});

describe('docker-compose-tool.yml: the testpoint without perfSONAR (direct tools)', () => {
  const project = loadCompose([TOOL], CRON_RUNNER_ENV);
  const tool = services(project)['tool']!;

  it('is the tool image build in host network mode, running the measure worker and the responder', () => {
    expect(Object.keys(services(project))).toEqual(['tool']);
    expect(tool['build']).toEqual({ context: '.', dockerfile: 'Dockerfile-perfsonar-tool' });
    expect(tool['network_mode']).toBe('host');
    expect(tool.command).toEqual(['start', 'measure', 'responder']);
    // An init as PID 1 (reaps, forwards SIGTERM to psq); no systemd, so nothing of the testpoint's set-up.
    expect(tool['init']).toBe(true);
    for (const key of ['privileged', 'cgroup', 'tty', 'stop_signal', 'user']) expect(tool[key], key).toBeUndefined();
    expect(tool['restart']).toBe('unless-stopped');
    expect(tool.ports).toBeUndefined();
  });

  it('has no capability but NET_RAW, and no-new-privileges stays off (it would void the tools\' file capabilities)', () => {
    expect(tool['cap_drop']).toEqual(['ALL']);
    expect(tool['cap_add']).toEqual(['NET_RAW']);
    expect(tool['security_opt']).toBeUndefined();
    for (const key of ['devices', 'sysctls', 'pid', 'ipc', 'userns_mode']) expect(tool[key], key).toBeUndefined();
    // Read-only root; iperf3 needs a writable /tmp for its buffer file.
    expect(tool['read_only']).toBe(true);
    expect(tool['tmpfs']).toEqual([expect.stringMatching(/^\/tmp(:|$)/)]);
  });

  it("keeps results in ./data_tools, the cron runner's directory for this image", () => {
    // perfsonar-extensions docker/docker-compose-tool.yml: ./data_tools:/data
    expect(tool.volumes).toEqual(['./data_tools:/data', './certs:/etc/perfsonar-queue/certs:ro', './fleet:/etc/perfsonar-queue/fleet:ro']);
    expect(tool.environment!['DATA_DIR']).toBe('/data');
    expect(psqConfig(tool, CRON_RUNNER_ENV).dataDir).toBe('/data');
  });

  it('passes the cron runner .env through, plus REDIS_URL, DATA_DIR and BACKEND=direct whatever .env says', () => {
    expect(Object.keys(tool.environment!).sort()).toEqual(['BACKEND', 'DATA_DIR', 'REDIS_URL']);
    const config = psqConfig(tool, CRON_RUNNER_ENV, 'ship-1.example.org');
    expect(config.hosts.map((h) => h.ip)).toEqual(['23.134.232.50']);
    expect(config).toMatchObject({
      archiveUrls: ['https://23.134.232.50:8443/ps'],
      authToken: 'changeme',
      cronExpression: '0 */2 * * *',
      tz: 'UTC',
      testpoint: 'ship-1.example.org',
      backend: 'direct',
    });
    // A .env shared with a perfSONAR testpoint may say pscheduler (compose reads .env for ${…} too); this image has none.
    const shared = { ...CRON_RUNNER_ENV, BACKEND: 'pscheduler' };
    expect(psqConfig(services(loadCompose([TOOL], shared))['tool']!, shared).backend).toBe('direct');
  });

  it('the responder listens above 1024 by default, so it needs no capability to bind', () => {
    const config = psqConfig(tool, CRON_RUNNER_ENV);
    expect(config.iperf3Port).toBeGreaterThan(1023);
    expect(config.responderBind).toBeNull();
  });

  it("defaults REDIS_URL exactly as the perfSONAR testpoint does (a standalone stack's Redis on 127.0.0.1)", () => {
    const fleetEnv = { ...CRON_RUNNER_ENV, REDIS_URL: 'redis://:pw@central.example.org:6379' };
    for (const env of [CRON_RUNNER_ENV, PASSWORD_ENV, { ...PASSWORD_ENV, REDIS_PUBLISH_PORT: '6390' }, fleetEnv]) {
      const mine = services(loadCompose([TOOL], env))['tool']!.environment!['REDIS_URL'];
      expect(mine).toBe(services(loadCompose([TESTPOINT], env))['testpoint']!.environment!['REDIS_URL']);
    }
    expect(tool.environment!['REDIS_URL']).toBe('redis://:@127.0.0.1:6379');
  });

  it('health: psq health checks exactly the roles it starts; stop grace exceeds the shutdown timeout', () => {
    const test = tool.healthcheck!.test;
    expect(test.slice(0, 4)).toEqual(['CMD', 'node', 'bin/psq.js', 'health']);
    expect(test.slice(4)).toEqual(tool.command!.slice(1));
    expect(durationSeconds(tool['stop_grace_period'] as string)).toBeGreaterThan(Number(VARIABLES.find((v) => v.name === 'SHUTDOWN_TIMEOUT_S')!.default));
  });
});

describe('standalone testpoint: docker-compose-redis.yml + a testpoint compose file', () => {
  it.each([
    ['testpoint', TESTPOINT, 'no password', STANDALONE_ENV],
    ['testpoint', TESTPOINT, 'a password and another port', { ...PASSWORD_ENV, REDIS_PUBLISH_PORT: '6390' }],
    ['tool', TOOL, 'no password', STANDALONE_ENV],
    ['tool', TOOL, 'a password and another port', { ...PASSWORD_ENV, REDIS_PUBLISH_PORT: '6390' }],
  ] as const)('the %s service (host network) reaches the Redis the stack publishes on 127.0.0.1 (%s, %s)', (service, file, _n, env) => {
    const s = services(loadCompose([CENTRAL, file], env));
    expect(Object.keys(s).sort()).toEqual(['archive', 'dashboard', 'redis', 'scheduler', service].sort());
    const [addr, hostPort] = s['redis']!.ports![0]!.split(':');
    const config = psqConfig(s[service]!, env, 'ship-1');
    const redis = redisOptionsFromUrl(config.redisUrl!);
    expect(redis.host).toBe(addr);
    expect(redis.port).toBe(Number(hostPort));
    expect(redis.password).toBe((env as Env)['REDIS_PASSWORD']);
    // The scheduler plans for the testpoint that measures: same id on both sides.
    expect(psqConfig(s['scheduler']!, env).testpoint).toBe(config.testpoint);
    expect(s[service]!['network_mode']).toBe('host');
  });
});
