// The typed, frozen configuration every role receives; produced only by load-config.ts.
import type { Category } from '../plan/categories.js';
import type { HostName } from '../dashboard/host-check.js';

export type ToolMode = 'auto' | 'all' | 'subset';
export type BackendChoice = 'pscheduler' | 'direct' | 'auto';
export type LogFormat = 'auto' | 'json' | 'pretty';

/** One entry of HOSTS, parsed. */
export interface Destination {
  /** Address or hostname handed to pScheduler as `--dest` (IPv6 without brackets). */
  readonly ip: string;
  /** Friendly name sent to archivers and used in result file names. */
  readonly name: string;
  /** `%src` suffix: a source IP, or an interface name resolved at run time; null when absent. */
  readonly source: string | null;
}

export interface Config {
  /** FLEET_FILE: the testpoints to plan and schedule (fleet-file.ts); null = this configuration is a fleet of one. */
  readonly fleetFile: string | null;
  readonly hosts: readonly Destination[];
  /** Archiver base URLs, trailing `/` dropped, de-duplicated in order. */
  readonly archiveUrls: readonly string[];
  /** Bearer token for the archivers. A secret: never log it or put it in job data. */
  readonly authToken: string | null;
  /** 5-field cron pattern for rounds. */
  readonly cronExpression: string;
  /** IANA timezone for the cron pattern. */
  readonly tz: string;
  /** null: use 127.0.0.1:6379 if it answers, else start an embedded redis-server. */
  readonly redisUrl: string | null;
  /** REDIS_CA_FILE: PEM CA that verifies the Redis server (rediss:// only); null = the system's CAs. */
  readonly redisCaFile: string | null;
  /** REDIS_CERT_FILE and REDIS_KEY_FILE: a TLS client certificate for Redis; both or neither. */
  readonly redisCertFile: string | null;
  readonly redisKeyFile: string | null;
  /** BullMQ key prefix. */
  readonly queuePrefix: string;
  /** This testpoint's id ([A-Za-z0-9._-]); owns queue measure-<testpoint>. */
  readonly testpoint: string;
  readonly tests: readonly Category[];
  readonly reverse: boolean;
  readonly toolMode: ToolMode;
  readonly tools: readonly string[];
  /** Per-category extra test args; null = the defaults (throughput: -P 4 -t 60). */
  readonly categoryArgs: Readonly<Record<Category, readonly string[] | null>>;
  /** Extra args when the tool is iperf3; default -i 10 -O 10. */
  readonly iperf3Args: readonly string[];
  readonly dataDir: string;
  /** Source identity sent to archivers. */
  readonly hostIp: string;
  readonly hostName: string;
  /** pscheduler, direct (run ping/iperf3/traceroute/tracepath here), or auto (pscheduler when installed). */
  readonly backend: BackendChoice;
  /** iperf3 port: the responder listens on it, the direct backend connects to it. */
  readonly iperf3Port: number;
  /** Address the responder's iperf3 server binds; null = all. */
  readonly responderBind: string | null;
  /** pScheduler executable (name on PATH or absolute path). */
  readonly pschedulerBin: string;
  /**
   * The environment psq was started with (its own, not the env file's values): what the programs it
   * runs get their allow-listed environment from (process/tool-env.ts). It holds secrets: never log
   * it, never put it in job data.
   */
  readonly processEnv: Readonly<Record<string, string>>;
  /** PATH of that environment: where pscheduler and setpriv are looked up. */
  readonly path: string;
  /** Whole-measurement timeout for one pscheduler run, ms. */
  readonly measureTimeoutMs: number;
  /** Tries per measurement (the cron runner: 2). */
  readonly measureAttempts: number;
  /** Delay before a measurement retry, ms (the cron runner: 30 s). */
  readonly measureRetryDelayMs: number;
  /** Light measurements run in parallel up to this many; throughput always runs alone. */
  readonly measureConcurrency: number;
  /**
   * Largest result (file bytes) a measurement may produce; a bigger one is kept on disk, fails the
   * measurement and is not archived. Also the bound on an archive request body.
   */
  readonly maxResultBytes: number;
  /**
   * Job lock duration and stalled-job check interval of every worker, ms: a job whose worker died
   * runs again within about twice this. Must be the same on all workers (the check is queue-wide).
   */
  readonly stalledIntervalMs: number;
  /** How long a shutdown waits for running jobs before leaving them to be retried, ms. */
  readonly shutdownTimeoutMs: number;
  /** How often a measure worker writes its heartbeat, ms; `psq status` shows it down after two missed. */
  readonly heartbeatIntervalMs: number;
  /** Deliver results of failed measurements too (default true). */
  readonly archiveFailed: boolean;
  readonly archiveAttempts: number;
  /** First retry delay, ms; doubles each attempt, with jitter, up to archiveBackoffMaxMs. */
  readonly archiveBackoffMs: number;
  readonly archiveBackoffMaxMs: number;
  /** Per-request timeout (connect, headers, body each), ms. */
  readonly archiveTimeoutMs: number;
  readonly archiveConcurrency: number;
  /** PEM file with an extra CA for archiver TLS. */
  readonly archiveCaFile: string | null;
  /** Turns TLS verification off (explicit, logged). */
  readonly archiveInsecureTls: boolean;
  /** Days a delivery that failed for good stays in the failed set (for a manual retry). */
  readonly archiveFailedKeepDays: number;
  readonly logLevel: string;
  readonly logPretty: boolean;
  /** auto: readable lines at a terminal, JSON lines elsewhere (LOG_FORMAT; LOG_PRETTY=true means pretty). */
  readonly logFormat: LogFormat;
  /** Dashboard HTTP port (Bull Board, /healthz, /metrics); 0 = any free port. Default 3000. */
  readonly dashboardPort: number;
  /** Address the dashboard binds: default 127.0.0.1 without credentials, 0.0.0.0 with them. */
  readonly dashboardHost: string;
  /** Basic-auth user; null (with dashboardPassword null) = no authentication. */
  readonly dashboardUser: string | null;
  /** Basic-auth password. A secret: never log it. */
  readonly dashboardPassword: string | null;
  /** Allows an unauthenticated dashboard on a non-loopback address (explicit opt-in). */
  readonly dashboardPublic: boolean;
  /** Bull Board read-only: no retry, clean or other writes (they answer 405). */
  readonly dashboardReadOnly: boolean;
  /** DASHBOARD_ALLOWED_HOSTS: extra Host names the dashboard answers to (see dashboard/host-check.ts). */
  readonly dashboardAllowedHosts: readonly HostName[];
}
