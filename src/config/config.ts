// The typed, frozen configuration every role receives; produced only by load-config.ts.
import type { Category } from '../plan/categories.js';

export type ToolMode = 'auto' | 'all' | 'subset';

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
  /** pScheduler executable (name on PATH or absolute path). */
  readonly pschedulerBin: string;
  /** Whole-measurement timeout for one pscheduler run, ms. */
  readonly measureTimeoutMs: number;
  /** Tries per measurement (the cron runner: 2). */
  readonly measureAttempts: number;
  /** Delay before a measurement retry, ms (the cron runner: 30 s). */
  readonly measureRetryDelayMs: number;
  /** Light measurements run in parallel up to this many; throughput always runs alone. */
  readonly measureConcurrency: number;
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
  readonly logLevel: string;
  readonly logPretty: boolean;
}
