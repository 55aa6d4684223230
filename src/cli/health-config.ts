// The few variables `psq health` uses (Redis, the queue names, the responder's and dashboard's
// address), read and checked in the same words as load-config.ts, without loading the whole
// configuration's checks (zod, cron-parser, the plan): the health check runs every 30 s in every
// container, and those cost it more than twice a bare `node` start-up. A bad value of one of these
// variables is still a configuration error (exit 2); the other variables are the roles' business.
// Pure. test/unit/cli/health-config.test.ts holds it to readConfig's answers.
import type { Config } from '../config/config.js';
import { parseArchiveUrls } from '../config/archive-urls.js';
import type { ConfigProblem } from '../errors.js';
import { isIP } from '../ip-address.js';
import { parseRedisUrl, redactRedisUrl } from '../queues/redis-options.js';

export type HealthConfig = Pick<
  Config,
  | 'redisUrl'
  | 'redisCaFile'
  | 'redisCertFile'
  | 'redisKeyFile'
  | 'queuePrefix'
  | 'testpoint'
  | 'archiveUrls'
  | 'responderBind'
  | 'iperf3Port'
  | 'dashboardHost'
  | 'dashboardPort'
>;

type Env = Readonly<Record<string, string | undefined>>;

// As load-config.ts says them.
const ID = /^[A-Za-z0-9._-]{1,64}$/;
const ID_TEXT = '1 to 64 of letters, digits, . _ - (no ":", BullMQ uses it as a separator)';

export function readHealthConfig(env: Env, hostname: string): { config: HealthConfig; problems: ConfigProblem[] } {
  const problems: ConfigProblem[] = [];
  const problem = (variable: string, value: string | undefined, expected: string) => problems.push({ variable, value, expected });
  // Empty counts as unset (env-reader.ts).
  const raw = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const id = (name: string, fallback: string): string => {
    const value = raw(name);
    if (value === undefined) return fallback;
    if (ID.test(value.trim())) return value.trim();
    problem(name, value, ID_TEXT);
    return fallback;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const t = value.trim();
    const n = Number(t);
    if (/^\d{1,15}$/.test(t) && n >= min && n <= max) return n;
    problem(name, value, `a whole number from ${min} to ${max}`);
    return fallback;
  };

  let archiveUrls: string[] = [];
  const urlsName = raw('ARCHIVE_URLS') !== undefined ? 'ARCHIVE_URLS' : raw('ARCHIVER_URLS') !== undefined ? 'ARCHIVER_URLS' : null;
  if (urlsName !== null) {
    const parsed = parseArchiveUrls(raw(urlsName)!);
    archiveUrls = parsed.urls;
    for (const p of parsed.problems) problem(urlsName, p.value, p.expected);
  }

  const redisRaw = raw('REDIS_URL');
  if (redisRaw !== undefined) {
    const parsed = parseRedisUrl(redisRaw);
    if (!parsed.ok) problem('REDIS_URL', redactRedisUrl(redisRaw.trim()), parsed.expected);
  }
  const files = {
    redisCaFile: raw('REDIS_CA_FILE')?.trim() || null,
    redisCertFile: raw('REDIS_CERT_FILE')?.trim() || null,
    redisKeyFile: raw('REDIS_KEY_FILE')?.trim() || null,
  };
  if ((files.redisCertFile === null) !== (files.redisKeyFile === null)) {
    const [set, unset] = files.redisCertFile !== null ? ['REDIS_CERT_FILE', 'REDIS_KEY_FILE'] : ['REDIS_KEY_FILE', 'REDIS_CERT_FILE'];
    problem(unset, undefined, `set together with ${set}: REDIS_CERT_FILE and REDIS_KEY_FILE are a client certificate and its key, both or neither`);
  }
  if (!(redisRaw !== undefined && /^rediss:/i.test(redisRaw.trim()))) {
    for (const name of ['REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE'] as const) {
      if (!raw(name)?.trim()) continue;
      const url = redisRaw === undefined ? 'REDIS_URL is unset' : `REDIS_URL is ${redactRedisUrl(redisRaw.trim())}`;
      problem(name, raw(name)?.trim(), `unset unless REDIS_URL is a rediss:// URL (${url}; TLS files apply only to TLS connections)`);
    }
  }

  const queuePrefix = id('QUEUE_PREFIX', 'psq');
  const testpoint = id('TESTPOINT', hostname.trim().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'testpoint');
  const iperf3Port = int('IPERF3_PORT', 5201, 1, 65_535);

  const bind = raw('RESPONDER_BIND')?.trim() ?? null;
  if (bind !== null && isIP(bind) === 0) problem('RESPONDER_BIND', bind, 'an IPv4 or IPv6 address of this host (unset: all addresses)');

  // The dashboard's address as dashboard-config.ts picks it; whether it may serve there is its own check at start.
  const credentials = raw('DASHBOARD_USER') !== undefined && raw('DASHBOARD_PASSWORD') !== undefined;
  const hostRaw = raw('DASHBOARD_HOST')?.trim();
  if (hostRaw !== undefined && isIP(hostRaw) === 0 && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/.test(hostRaw)) {
    problem('DASHBOARD_HOST', hostRaw, 'an IP address or host name of this machine, e.g. 127.0.0.1 or 0.0.0.0');
  }
  const dashboardHost = hostRaw ?? (credentials ? '0.0.0.0' : '127.0.0.1');
  const dashboardPort = int('DASHBOARD_PORT', 3000, 0, 65_535);

  return {
    config: {
      redisUrl: redisRaw?.trim() ?? null,
      ...files,
      queuePrefix,
      testpoint,
      archiveUrls,
      responderBind: bind,
      iperf3Port,
      dashboardHost,
      dashboardPort,
    },
    problems,
  };
}
