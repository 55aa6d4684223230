// Every environment variable the program reads: the one source for env.template, the README table and docs.

export interface EnvVariable {
  /** The name operators set (a contract: never rename). */
  readonly name: string;
  /** Older names still read when `name` is unset (the cron runner's spelling). */
  readonly aliases: readonly string[];
  /** Literal default; null when there is none or it is computed (the description says which). */
  readonly default: string | null;
  readonly required: boolean;
  /** Never logged or shown; problems show `(secret, N chars)` instead of the value. */
  readonly secret: boolean;
  readonly group: string;
  readonly description: string;
}

type Entry = Pick<EnvVariable, 'name' | 'default' | 'description'> & Partial<EnvVariable>;

const group = (name: string, entries: readonly Entry[]): EnvVariable[] =>
  entries.map((e) => ({ aliases: [], required: false, secret: false, ...e, group: name }));

export const VARIABLES: readonly EnvVariable[] = [
  ...group('destinations', [
    {
      name: 'HOSTS',
      default: null,
      required: true,
      description:
        'Destinations, space separated: ip@name, name@ip, ip,name, ip|name, plain host, [ipv6]@name; ' +
        'an optional %src suffix (source IP or interface name) binds the source. The text after the last % ' +
        'is always the source, so fe80::1%eth0 measures fe80::1 from eth0.',
    },
  ]),
  ...group('schedule', [
    { name: 'CRON_EXPRESSION', default: '0 */2 * * *', description: 'When a round runs: a 5-field cron pattern.' },
    { name: 'TZ', default: 'UTC', description: 'IANA timezone for the cron pattern and log timestamps.' },
    {
      name: 'FLEET_FILE',
      default: null,
      description:
        'A fleet file (.yaml, .yml or .json) describing several testpoints: `defaults` and `testpoints[]` with id, hosts, ' +
        'tests, schedule(s), args, slip, offset… (example: examples/fleet.yaml). When set, it replaces HOSTS, TESTS, TOOL_MODE, ' +
        'TOOLS, REVERSE, CRON_EXPRESSION and the *_ARGS for planning; psq plan prints the whole fleet and refuses one whose ' +
        'throughput tests cannot fit their schedule. Unset: this configuration is a fleet of one testpoint.',
    },
  ]),
  ...group('archive', [
    {
      name: 'ARCHIVE_URLS',
      aliases: ['ARCHIVER_URLS'],
      default: null,
      description:
        'Archiver base URLs (http/https, usually ending in /ps), separated by spaces, commas or semicolons; ' +
        'trailing / dropped, duplicates removed. Unset: results are kept on disk only. ARCHIVE_URLS wins over ARCHIVER_URLS.',
    },
    {
      name: 'AUTH_TOKEN',
      aliases: ['ARCHIVER_BEARER'],
      default: null,
      secret: true,
      description: 'Bearer token sent to every archiver. Never logged. AUTH_TOKEN wins over ARCHIVER_BEARER.',
    },
    { name: 'ARCHIVE_FAILED', default: 'true', description: 'Deliver results of failed measurements too.' },
    { name: 'ARCHIVE_ATTEMPTS', default: '150', description: 'Delivery tries per result and archiver (1..10000).' },
    { name: 'ARCHIVE_BACKOFF_MS', default: '10000', description: 'First retry delay, ms; doubles per attempt, with jitter.' },
    { name: 'ARCHIVE_BACKOFF_MAX_MS', default: '600000', description: 'Upper bound of the retry delay, ms.' },
    { name: 'ARCHIVE_TIMEOUT_MS', default: '30000', description: 'Per-request timeout (connect, headers, body each), ms.' },
    {
      name: 'ARCHIVE_CONCURRENCY',
      default: '64',
      description: 'Deliveries in flight per archive worker (1..256): enough to keep up with an archiver tens of ms away; each in-flight delivery holds one keep-alive connection to it.',
    },
    {
      name: 'ARCHIVE_FAILED_KEEP_DAYS',
      default: '30',
      description: 'Days a delivery that failed for good stays in the failed set for a retry (psq retry-failed, the dashboard).',
    },
    { name: 'ARCHIVE_CA_FILE', default: null, description: 'PEM file with an extra CA to trust for archiver TLS.' },
    {
      name: 'ARCHIVE_INSECURE_TLS',
      default: 'false',
      description: 'true turns archiver TLS verification off (explicit and logged; the cron runner never verified).',
    },
  ]),
  ...group('queue', [
    {
      name: 'REDIS_URL',
      default: null,
      secret: true,
      description:
        'redis://[:PASSWORD@]HOST[:PORT][/DB] or rediss://… (the password percent-encoded, never as ?password=; hence secret). ' +
        'Unset: 127.0.0.1:6379 if it answers, else an embedded redis-server.',
    },
    {
      name: 'REDIS_CA_FILE',
      default: null,
      description:
        "PEM file with the CA that signed the Redis server's certificate (rediss:// only). Unset: the system's CAs. " +
        'The server certificate must name the host in REDIS_URL.',
    },
    {
      name: 'REDIS_CERT_FILE',
      default: null,
      description: 'PEM client certificate for a Redis that verifies clients (tls-auth-clients yes); rediss:// only, with REDIS_KEY_FILE.',
    },
    {
      name: 'REDIS_KEY_FILE',
      default: null,
      description: "PEM private key of REDIS_CERT_FILE (unencrypted; readable only by psq's user). Never logged.",
    },
    {
      name: 'QUEUE_PREFIX',
      default: 'psq',
      description: 'BullMQ key prefix ([A-Za-z0-9._-], no ":"), so deployments can share one Redis.',
    },
    {
      name: 'TESTPOINT',
      default: null,
      description: "This testpoint's id ([A-Za-z0-9._-]). Default: the hostname, other characters replaced by -.",
    },
  ]),
  ...group('tests', [
    { name: 'TESTS', default: null, description: 'Categories to run: latency rtt throughput trace mtu clock. Default: all.' },
    { name: 'REVERSE', default: 'true', description: 'Also run the reverse direction where the tool supports it.' },
    {
      name: 'TOOL_MODE',
      default: 'auto',
      description: 'auto: the cron runner choice per category; all: every tool; subset: only the tools in TOOLS.',
    },
    { name: 'TOOLS', default: null, description: 'Tools for TOOL_MODE=subset (required then; ignored otherwise).' },
    { name: 'LATENCY_ARGS', default: null, description: 'Extra pScheduler latency test flags.' },
    { name: 'RTT_ARGS', default: null, description: 'Extra pScheduler rtt test flags.' },
    { name: 'THROUGHPUT_ARGS', default: '-P 4 -t 60', description: 'Extra pScheduler throughput test flags.' },
    { name: 'TRACE_ARGS', default: null, description: 'Extra pScheduler trace test flags.' },
    { name: 'MTU_ARGS', default: null, description: 'Extra pScheduler mtu test flags.' },
    { name: 'CLOCK_ARGS', default: null, description: 'Extra pScheduler clock test flags.' },
    { name: 'IPERF3_ARGS', default: '-i 10 -O 10', description: 'Throughput flags added when the tool is iperf3.' },
  ]),
  ...group('measure', [
    { name: 'DATA_DIR', default: null, description: 'Where result files are kept. Default: /data inside a container that has a /data volume, ./data otherwise.' },
    {
      name: 'BACKEND',
      default: 'auto',
      description:
        'pscheduler: run tests through pScheduler; direct: run ping, iperf3, traceroute and tracepath here ' +
        '(same result shapes; clock is skipped); auto: pscheduler when it is installed, else direct.',
    },
    { name: 'IPERF3_PORT', default: '5201', description: 'iperf3 port: the responder listens on it and the direct backend connects to it.' },
    { name: 'RESPONDER_BIND', default: null, description: "Address the responder's iperf3 server listens on. Default: all addresses." },
    { name: 'PSCHEDULER_BIN', default: 'pscheduler', description: 'pScheduler executable: a name on PATH or an absolute path.' },
    { name: 'MEASURE_TIMEOUT_S', default: '600', description: 'Whole-measurement timeout for one run, seconds.' },
    { name: 'MEASURE_ATTEMPTS', default: '2', description: 'Tries per measurement (the cron runner: 2).' },
    { name: 'MEASURE_RETRY_DELAY_MS', default: '30000', description: 'Delay before a measurement retry, ms.' },
    {
      name: 'MAX_RESULT_BYTES',
      default: '8388608',
      description:
        'Largest result file a measurement may produce, bytes (1024..268435456; default 8 MiB, over 10 times a 60 s ' +
        'iperf3 -P 8 -i 1 result). A bigger result is kept on disk, the measurement fails saying so, and it is not archived.',
    },
    {
      name: 'STALLED_INTERVAL_MS',
      default: '30000',
      description:
        'Job lock time and stalled-job check of every worker, ms: a job whose worker or Redis died runs again ' +
        'within about twice this. Use the same value on every worker.',
    },
    {
      name: 'SHUTDOWN_TIMEOUT_S',
      default: '60',
      description: 'On SIGTERM/SIGINT, how long running jobs may finish before they are left to be retried elsewhere, s.',
    },
    {
      name: 'HEARTBEAT_INTERVAL_MS',
      default: '10000',
      description:
        'How often each measure worker writes its heartbeat to Redis, ms (200..600000); psq status, the dashboard and ' +
        'psq_testpoint_up show a testpoint down when no worker beat for two intervals (plus a quarter interval, at most 1 s).',
    },
    {
      name: 'MEASURE_CONCURRENCY',
      default: '4',
      description: 'Light measurements run in parallel up to this many (1..256); throughput always runs alone.',
    },
  ]),
  ...group('identity', [
    { name: 'HOST_IP', default: null, description: 'Source address (IPv4 or IPv6) sent to archivers. Default: the hostname.' },
    { name: 'HOST_NAME', default: null, description: 'Source name sent to archivers (at most 253 characters, no control characters). Default: the hostname.' },
  ]),
  ...group('dashboard', [
    { name: 'DASHBOARD_PORT', default: '3000', description: 'Port of the dashboard role (Bull Board at /admin/queues, /healthz, /metrics).' },
    {
      name: 'DASHBOARD_HOST',
      default: null,
      description:
        'Address the dashboard binds. Default: 127.0.0.1 without credentials, 0.0.0.0 with them. ' +
        'A non-loopback address without credentials needs DASHBOARD_PUBLIC=true.',
    },
    {
      name: 'DASHBOARD_USER',
      default: null,
      description:
        'With DASHBOARD_PASSWORD: HTTP basic auth on everything but /healthz (which shows totals only without them). Set both or neither.',
    },
    { name: 'DASHBOARD_PASSWORD', default: null, secret: true, description: 'Basic-auth password for DASHBOARD_USER. Never logged.' },
    {
      name: 'DASHBOARD_PUBLIC',
      default: 'false',
      description: 'true allows a dashboard without credentials on a non-loopback DASHBOARD_HOST (anyone who reaches it can retry and delete jobs).',
    },
    {
      name: 'DASHBOARD_ALLOWED_HOSTS',
      default: null,
      description:
        'Host names the dashboard answers to (DNS-rebinding protection), comma separated, each with an optional :port. ' +
        'localhost, 127.0.0.1, [::1] and DASHBOARD_HOST always work. Empty: any name with credentials, only those without.',
    },
    { name: 'DASHBOARD_READ_ONLY', default: 'false', description: 'true: Bull Board shows everything but changes nothing (writes answer 405); for shared screens.' },
  ]),
  ...group('logging', [
    { name: 'LOG_LEVEL', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent.' },
    {
      name: 'LOG_FORMAT',
      default: 'auto',
      description:
        'json: JSON lines (pino); pretty: one readable line per event; auto: pretty when the log goes to a terminal, ' +
        'JSON otherwise (containers, systemd). At a terminal run-once, replay and retry-failed also show a live progress line.',
    },
    { name: 'LOG_PRETTY', default: 'false', description: 'true: the same as LOG_FORMAT=pretty (older switch; LOG_FORMAT wins).' },
  ]),
];

/** The entry for `name`; throws on an unknown name, so a typo in code fails its tests. */
export function variable(name: string): EnvVariable {
  const found = VARIABLES.find((v) => v.name === name);
  if (found === undefined) throw new Error(`unknown environment variable ${name}`);
  return found;
}
