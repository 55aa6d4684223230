// Turns an environment map into the frozen Config, reporting every bad value at once (a ConfigError).
import { isIP } from '../ip-address.js';
import { CronExpressionParser } from 'cron-parser';

import { ConfigError, type ConfigProblem } from '../errors.js';
import { ALL_TOOLS, CATEGORIES, type Category } from '../plan/categories.js';
import { parseRedisUrl, redactRedisUrl } from '../queues/redis-options.js';
import { parseArchiveUrls } from './archive-urls.js';
import type { BackendChoice, Config, LogFormat, ToolMode } from './config.js';
import { parseHosts } from './hosts.js';
import { splitList } from './list-values.js';
import { readDashboard } from './dashboard-config.js';
import { EnvReader, type Env, matching, oneOf } from './env-reader.js';
import { splitArgs, validateTestArgs } from './test-args.js';

export type { Env } from './env-reader.js';

/** Facts about the machine that defaults depend on; passed in so loading stays pure. */
export interface LoadContext {
  readonly hostname: string;
  readonly inContainer: boolean;
  /**
   * Whether HOSTS must be set: it is for planning and measuring, not for a process that only
   * delivers, shows the dashboard or answers tests (default true).
   */
  readonly requireHosts?: boolean;
  /**
   * The environment of the process (without the env file's values), which the programs psq runs
   * get their allow-listed environment from; none when not given.
   */
  readonly processEnv?: Readonly<Record<string, string | undefined>>;
}

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const ID_TEXT = '1 to 64 of letters, digits, . _ - (no ":", BullMQ uses it as a separator)';
const DEFAULT_IPERF3_ARGS = ['-i', '10', '-O', '10'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DAY_MS = 86_400_000;
/** 8 MiB: a pScheduler result of a 60 s `-P 8 -i 1 -O 10` iperf3 run is about 0.65 MB (both sides' JSON in diags). */
const DEFAULT_MAX_RESULT_BYTES = 8 * 1024 * 1024;

/** Build the configuration from `env`; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env, context: LoadContext): Config {
  const { config, problems } = readConfig(env, context);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/**
 * The configuration with every problem found, for callers that add checks of their own (the files and
 * ports the CLI checks) and report them all at once. Where a value was bad, `config` holds its default.
 */
export function readConfig(env: Env, context: LoadContext): { config: Config; problems: ConfigProblem[] } {
  const r = new EnvReader(env);

  const fleetFile = r.raw('FLEET_FILE')?.trim() ?? null;
  const hostsRaw = r.raw('HOSTS');
  let hosts: Config['hosts'] = [];
  if (hostsRaw === undefined) {
    // With a fleet file the destinations are the fleet's (fleet-file.ts).
    if (context.requireHosts !== false && fleetFile === null) r.problem('HOSTS', env['HOSTS'], 'at least one destination, e.g. HOSTS="192.0.2.10@site-a site-b.example.org"');
  } else {
    const parsed = parseHosts(hostsRaw);
    hosts = parsed.hosts;
    for (const p of parsed.problems) r.problem(`HOSTS[${p.index}]`, p.entry, p.expected);
  }

  let archiveUrls: string[] = [];
  const urlsVar = r.first('ARCHIVE_URLS', 'ARCHIVER_URLS');
  if (urlsVar !== undefined) {
    const parsed = parseArchiveUrls(urlsVar.raw);
    archiveUrls = parsed.urls;
    for (const p of parsed.problems) r.problem(urlsVar.name, p.value, p.expected);
  }

  let authToken: string | null = null;
  const tokenVar = r.first('AUTH_TOKEN', 'ARCHIVER_BEARER');
  if (tokenVar !== undefined) {
    authToken = tokenVar.raw.trim();
    if (!/^[\x21-\x7e]+$/.test(authToken)) {
      // The value is a secret: describe it, never echo it.
      r.problem(tokenVar.name, `(secret, ${tokenVar.raw.length} chars)`,
        'a token of visible ASCII characters without spaces (it is sent in an HTTP header)');
    }
  }

  const tz = r.raw('TZ')?.trim() ?? 'UTC';
  const tzProblem = checkTimeZone(tz);
  if (tzProblem !== null) r.problem('TZ', env['TZ'], tzProblem);
  const cronExpression = readCron(r, tzProblem === null ? tz : 'UTC');

  const redisRaw = r.raw('REDIS_URL');
  if (redisRaw !== undefined) {
    const parsed = parseRedisUrl(redisRaw);
    // The URL may carry a password: shown with it (and any query) masked.
    if (!parsed.ok) r.problem('REDIS_URL', redactRedisUrl(redisRaw.trim()), parsed.expected);
  }
  const redisTls = readRedisTlsFiles(r, redisRaw);

  const toolMode = r.field<ToolMode>('TOOL_MODE', oneOf(['auto', 'all', 'subset']), 'auto, all or subset', 'auto');
  const tools = toolMode === 'subset' ? readTools(r) : [];

  const categoryArgs = Object.fromEntries(
    CATEGORIES.map((c) => [c, readArgs(r, `${c.toUpperCase()}_ARGS`, c)]),
  ) as Record<Category, string[] | null>;

  const backoffMs = r.int('ARCHIVE_BACKOFF_MS', 10_000, 0, DAY_MS);
  const backoffMaxMs = r.int('ARCHIVE_BACKOFF_MAX_MS', 600_000, 0, DAY_MS);
  if (backoffMaxMs < backoffMs) {
    r.problem('ARCHIVE_BACKOFF_MAX_MS', env['ARCHIVE_BACKOFF_MAX_MS'], `at least ARCHIVE_BACKOFF_MS (${backoffMs})`);
  }
  const hostname = context.hostname.trim();
  const processEnv = definedValues(context.processEnv ?? {});

  const config: Config = {
    fleetFile,
    hosts,
    archiveUrls,
    authToken,
    cronExpression,
    tz,
    redisUrl: redisRaw?.trim() ?? null,
    ...redisTls,
    queuePrefix: r.field('QUEUE_PREFIX', matching(ID), ID_TEXT, 'psq'),
    testpoint: r.field('TESTPOINT', matching(ID), ID_TEXT, defaultTestpoint(hostname)),
    tests: readTests(r),
    reverse: r.bool('REVERSE', true),
    toolMode,
    tools,
    categoryArgs,
    iperf3Args: readArgs(r, 'IPERF3_ARGS', 'throughput') ?? [...DEFAULT_IPERF3_ARGS],
    dataDir: r.raw('DATA_DIR')?.trim() ?? (context.inContainer ? '/data' : './data'),
    hostIp: readHostIp(r) ?? hostname,
    hostName: readHostName(r) ?? hostname,
    backend: r.field<BackendChoice>('BACKEND', oneOf(['pscheduler', 'direct', 'auto']), 'pscheduler, direct or auto', 'auto'),
    iperf3Port: r.int('IPERF3_PORT', 5201, 1, 65_535),
    responderBind: readBind(r),
    pschedulerBin: r.field('PSCHEDULER_BIN', matching(/^[^-\s][^\x00-\x1f]*$/),
      'a program name on PATH or an absolute path, not starting with "-"', 'pscheduler'),
    processEnv,
    path: processEnv['PATH'] ?? '',
    measureTimeoutMs: r.int('MEASURE_TIMEOUT_S', 600, 1, 86_400) * 1000,
    measureAttempts: r.int('MEASURE_ATTEMPTS', 2, 1, 10_000),
    measureRetryDelayMs: r.int('MEASURE_RETRY_DELAY_MS', 30_000, 0, DAY_MS),
    measureConcurrency: r.int('MEASURE_CONCURRENCY', 4, 1, 256),
    maxResultBytes: r.int('MAX_RESULT_BYTES', DEFAULT_MAX_RESULT_BYTES, 1024, 256 * 1024 * 1024),
    stalledIntervalMs: r.int('STALLED_INTERVAL_MS', 30_000, 500, 3_600_000),
    shutdownTimeoutMs: r.int('SHUTDOWN_TIMEOUT_S', 60, 1, 86_400) * 1000,
    heartbeatIntervalMs: r.int('HEARTBEAT_INTERVAL_MS', 10_000, 200, 600_000),
    archiveFailed: r.bool('ARCHIVE_FAILED', true),
    archiveAttempts: r.int('ARCHIVE_ATTEMPTS', 150, 1, 10_000),
    archiveBackoffMs: backoffMs,
    archiveBackoffMaxMs: backoffMaxMs,
    archiveTimeoutMs: r.int('ARCHIVE_TIMEOUT_MS', 30_000, 1, DAY_MS),
    archiveConcurrency: r.int('ARCHIVE_CONCURRENCY', 64, 1, 256),
    archiveCaFile: r.raw('ARCHIVE_CA_FILE')?.trim() ?? null,
    archiveInsecureTls: r.bool('ARCHIVE_INSECURE_TLS', false),
    archiveFailedKeepDays: r.int('ARCHIVE_FAILED_KEEP_DAYS', 30, 1, 3650),
    logLevel: r.field('LOG_LEVEL', oneOf(LOG_LEVELS, true), LOG_LEVELS.join(', '), 'info'),
    ...readLogFormat(r),
    ...readDashboard(r),
  };

  return { config: deepFreeze(config), problems: r.problems };
}

/** A copy without unset names: Config is frozen, and the process's own environment must stay writable. */
function definedValues(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * TLS files for Redis: they mean something only with a rediss:// URL, so with any other (or none, which
 * is plain 127.0.0.1:6379 or the embedded server) they are refused rather than silently unused. Whether
 * the files exist and hold PEM is checked by the CLI (preflight.ts): this module reads no disk.
 */
function readRedisTlsFiles(r: EnvReader, redisRaw: string | undefined): Pick<Config, 'redisCaFile' | 'redisCertFile' | 'redisKeyFile'> {
  const files = {
    redisCaFile: r.raw('REDIS_CA_FILE')?.trim() || null,
    redisCertFile: r.raw('REDIS_CERT_FILE')?.trim() || null,
    redisKeyFile: r.raw('REDIS_KEY_FILE')?.trim() || null,
  };
  if ((files.redisCertFile === null) !== (files.redisKeyFile === null)) {
    const [set, unset] = files.redisCertFile !== null ? ['REDIS_CERT_FILE', 'REDIS_KEY_FILE'] : ['REDIS_KEY_FILE', 'REDIS_CERT_FILE'];
    r.problem(unset, undefined, `set together with ${set}: REDIS_CERT_FILE and REDIS_KEY_FILE are a client certificate and its key, both or neither`);
  }
  const tlsUrl = redisRaw !== undefined && /^rediss:/i.test(redisRaw.trim());
  if (!tlsUrl) {
    const setNames = (['REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE'] as const).filter((n) => r.raw(n)?.trim());
    for (const name of setNames) {
      const url = redisRaw === undefined ? 'REDIS_URL is unset' : `REDIS_URL is ${redactRedisUrl(redisRaw.trim())}`;
      r.problem(name, r.raw(name)?.trim(), `unset unless REDIS_URL is a rediss:// URL (${url}; TLS files apply only to TLS connections)`);
    }
  }
  return files;
}

function readBind(r: EnvReader): string | null {
  const raw = r.raw('RESPONDER_BIND')?.trim();
  if (raw === undefined) return null;
  if (isIP(raw) === 0) r.problem('RESPONDER_BIND', raw, 'an IPv4 or IPv6 address of this host (unset: all addresses)');
  return raw;
}

function readCron(r: EnvReader, tz: string): string {
  const raw = r.raw('CRON_EXPRESSION');
  if (raw === undefined) return '0 */2 * * *';
  const fields = raw.trim().split(/\s+/);
  if (fields.length !== 5) {
    r.problem('CRON_EXPRESSION', raw,
      `5 fields (minute hour day-of-month month day-of-week), e.g. "0 */2 * * *"; got ${fields.length}`);
    return raw;
  }
  const expression = fields.join(' ');
  try {
    CronExpressionParser.parse(expression, { tz });
  } catch (err) {
    r.problem('CRON_EXPRESSION', raw, `a valid 5-field cron pattern (${err instanceof Error ? err.message : String(err)})`);
  }
  return expression;
}

function readTests(r: EnvReader): Category[] {
  const raw = r.raw('TESTS');
  if (raw === undefined) return [...CATEGORIES];
  const names = splitList(raw.toLowerCase());
  const unknown = names.filter((n) => !(CATEGORIES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) {
    const found = unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : '';
    r.problem('TESTS', raw, `one or more of ${CATEGORIES.join(', ')}${found}`);
  }
  // Rounds run in the canonical order whatever order the list was written in.
  return CATEGORIES.filter((c) => names.includes(c));
}

function readTools(r: EnvReader): string[] {
  const raw = r.raw('TOOLS');
  const names = raw === undefined ? [] : [...new Set(splitList(raw.toLowerCase()))];
  const unknown = names.filter((n) => !ALL_TOOLS.includes(n));
  if (names.length === 0 || unknown.length > 0) {
    const found = unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : '';
    r.problem('TOOLS', raw, `one or more of ${ALL_TOOLS.join(', ')} when TOOL_MODE=subset${found}`);
  }
  return names;
}

function readArgs(r: EnvReader, name: string, category: Category): string[] | null {
  const raw = r.raw(name);
  if (raw === undefined) return null;
  const args = splitArgs(raw);
  const problems = validateTestArgs(category, args);
  if (problems.length > 0) r.problem(name, raw, `extra pScheduler ${category} test flags: ${problems.join('; ')}`);
  return args;
}

let canonicalZones: Set<string> | undefined;

/** null when `tz` is a usable IANA zone name; else what is expected. */
export function checkTimeZone(tz: string): string | null {
  const expected = 'an IANA timezone name such as UTC or Europe/Oslo';
  // Offsets like +01:00 are accepted by newer ICU builds but not by cron-parser or the C library's TZ.
  if (!/^[A-Za-z][A-Za-z0-9_+/-]*$/.test(tz)) return expected;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    return expected;
  }
  canonicalZones ??= new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);
  if (canonicalZones.has(tz)) return null;
  // Intl ignores case but the C library (log timestamps) does not: insist on the real spelling.
  const lower = tz.toLowerCase();
  const spelled = [...canonicalZones].find((zone) => zone.toLowerCase() === lower);
  return spelled === undefined ? null : `the timezone spelled exactly as ${spelled}`;
}

function readLogFormat(r: EnvReader): Pick<Config, 'logPretty' | 'logFormat'> {
  const logPretty = r.bool('LOG_PRETTY', false);
  const logFormat = r.field<LogFormat>('LOG_FORMAT', oneOf(['auto', 'json', 'pretty']), 'auto, json or pretty', logPretty ? 'pretty' : 'auto');
  return { logPretty, logFormat };
}

/** HOST_IP is sent to archivers as the source address: it must be one (unset: the hostname, as before). */
function readHostIp(r: EnvReader): string | undefined {
  const raw = r.raw('HOST_IP')?.trim();
  if (raw !== undefined && isIP(raw) === 0) r.problem('HOST_IP', raw, "this testpoint's IPv4 or IPv6 address (it is sent to archivers as the source address)");
  return raw;
}

/** HOST_NAME goes into JSON bodies and log lines: a DNS-sized name without control characters. */
function readHostName(r: EnvReader): string | undefined {
  const raw = r.raw('HOST_NAME')?.trim();
  if (raw !== undefined && (raw.length > 253 || /[\x00-\x1f\x7f]/.test(raw))) {
    r.problem('HOST_NAME', raw.length > 60 ? `${raw.slice(0, 60)}… (${raw.length} chars)` : raw, 'a name of at most 253 characters without control characters');
  }
  return raw;
}

function defaultTestpoint(hostname: string): string {
  return hostname.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || 'testpoint';
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
