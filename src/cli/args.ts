// psq's command line → a command and its options. Pure.

export const COMMANDS = ['plan', 'run-once', 'start', 'replay', 'retry-failed', 'health', 'status', 'acl', 'list-tests', 'help'] as const;
export type Command = (typeof COMMANDS)[number];
import { ROLES, type RoleName } from '../roles/role-name.js';

export { ROLES, type RoleName };

export interface CliArgs {
  readonly command: Command;
  /** Roles named on the command line; empty = the default set (responder included with the direct backend). */
  readonly roles: readonly RoleName[];
  readonly envFile: string | null;
  /** run-once, replay, retry-failed: seconds to wait for deliveries. */
  readonly archiveWaitS: number;
  /** replay: --since / --until (raw; parsed against the clock by the command). */
  readonly since: string | null;
  readonly until: string | null;
  /** replay, retry-failed filters. */
  readonly category: string | null;
  readonly archiver: string | null;
  /** replay, retry-failed: only hand the jobs to the running archive workers. */
  readonly enqueueOnly: boolean;
  /** retry-failed --from URL: move the failed deliveries of an archiver no longer configured onto the configured ones. */
  readonly from: string | null;
  /** replay --legacy: also send cron-runner files (no .meta of their own). */
  readonly legacy: boolean;
  /** plan, run-once, start --testpoint ID: one testpoint of the fleet (FLEET_FILE). */
  readonly testpoint: string | null;
  /** status --json: one JSON document instead of the table. */
  readonly json: boolean;
  /** acl only: which users to print and how. */
  readonly acl?: AclArgs;
}

export interface AclArgs {
  /** Testpoint ids named on the command line; empty = TESTPOINT. */
  readonly testpoints: readonly string[];
  /** setuser: `ACL SETUSER …` lines (redis-cli); aclfile: lines for a Redis aclfile. */
  readonly format: 'setuser' | 'aclfile';
  /** `USER PASSWORD` lines: users found there keep their password, the others get a new one. */
  readonly passwordFile: string | null;
}

const TESTPOINT_ID = /^[A-Za-z0-9._-]{1,64}$/;

export type ParsedArgs = { ok: true; args: CliArgs } | { ok: false; error: string };

export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let command: Command | null = null;
  const roles: RoleName[] = [];
  let envFile: string | null = null;
  let archiveWaitS = 120;
  const opts: { since: string | null; until: string | null; category: string | null; archiver: string | null; from: string | null } = { since: null, until: null, category: null, archiver: null, from: null };
  let enqueueOnly = false;
  let legacy = false;
  let testpoint: string | null = null;
  let json = false;
  const acl: { testpoints: string[]; format: AclArgs['format']; passwordFile: string | null } = { testpoints: [], format: 'setuser', passwordFile: null };
  const valueOptions: Record<string, keyof typeof opts> = { '--since': 'since', '--until': 'until', '--category': 'category', '--archiver': 'archiver', '--from': 'from' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--env-file') {
      const v = argv[++i];
      if (!v) return { ok: false, error: '--env-file needs a path' };
      envFile = v;
    } else if (a === '--archive-wait') {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) return { ok: false, error: `--archive-wait ${JSON.stringify(argv[i])}: expected seconds (a number ≥ 0)` };
      archiveWaitS = v;
    } else if (a in valueOptions) {
      const v = argv[++i];
      if (!v) return { ok: false, error: `${a} needs a value` };
      opts[valueOptions[a]!] = v;
    } else if (a === '--testpoint') {
      const v = argv[++i];
      if (!v) return { ok: false, error: '--testpoint needs a testpoint id' };
      if (!TESTPOINT_ID.test(v)) return { ok: false, error: `--testpoint ${JSON.stringify(v)}: expected a testpoint id (1 to 64 of letters, digits, . _ -)` };
      testpoint = v;
    } else if (a === '--enqueue-only') {
      enqueueOnly = true;
    } else if (a === '--legacy') {
      legacy = true;
    } else if (a === '--json') {
      json = true;
    } else if (command === 'acl' && a === '--format') {
      const v = argv[++i];
      if (v !== 'setuser' && v !== 'aclfile') return { ok: false, error: `--format ${JSON.stringify(v ?? '')}: expected setuser or aclfile` };
      acl.format = v;
    } else if (command === 'acl' && a === '--password-file') {
      const v = argv[++i];
      if (!v) return { ok: false, error: '--password-file needs a path' };
      acl.passwordFile = v;
    } else if (command === 'acl' && !a.startsWith('-')) {
      if (!TESTPOINT_ID.test(a)) return { ok: false, error: `acl ${JSON.stringify(a)}: expected testpoint ids (1 to 64 of letters, digits, . _ -)` };
      if (!acl.testpoints.includes(a)) acl.testpoints.push(a);
    } else if (a === '-h' || a === '--help') {
      command = 'help';
    } else if (command === null) {
      if (!(COMMANDS as readonly string[]).includes(a)) return { ok: false, error: `unknown command ${JSON.stringify(a)}: expected one of ${COMMANDS.join(', ')}` };
      command = a as Command;
    } else if ((command === 'start' || command === 'health') && (ROLES as readonly string[]).includes(a)) {
      if (!roles.includes(a as RoleName)) roles.push(a as RoleName);
    } else {
      return { ok: false, error: `unexpected argument ${JSON.stringify(a)}${command === 'start' || command === 'health' ? `: roles are ${ROLES.join(', ')}` : ''}` };
    }
  }
  const cmd = command ?? 'help';
  if (cmd === 'replay' && opts.since === null) return { ok: false, error: 'replay needs --since TIME' };
  if (cmd === 'health' && roles.length === 0) return { ok: false, error: `health needs the roles to check: ${ROLES.join(', ')}` };
  const misplaced = (['since', 'until'] as const).find((k) => opts[k] !== null && cmd !== 'replay');
  if (misplaced) return { ok: false, error: `--${misplaced} only goes with replay` };
  if (legacy && cmd !== 'replay') return { ok: false, error: '--legacy only goes with replay' };
  if (json && cmd !== 'status') return { ok: false, error: '--json only goes with status' };
  if (opts.from !== null && cmd !== 'retry-failed') return { ok: false, error: '--from only goes with retry-failed' };
  if (testpoint !== null && !['plan', 'run-once', 'start'].includes(cmd)) return { ok: false, error: '--testpoint only goes with plan, run-once and start' };
  return { ok: true, args: { command: cmd, roles, envFile, archiveWaitS, ...opts, enqueueOnly, legacy, json, testpoint, ...(cmd === 'acl' ? { acl } : {}) } };
}

export const USAGE = `usage: psq <command> [options]

commands:
  plan                      print the measurement plan, one JSON object per line: this
                            testpoint's, or every testpoint's of FLEET_FILE (refused, exit 2,
                            when a fleet's throughput tests cannot fit their schedules)
  run-once                  run one round now through the queues, print a summary
                            (exit 0 only if every measurement and delivery succeeded)
  start [ROLE...]           run long-lived roles: ${ROLES.join(', ')} (default: scheduler,
                            measure, archive and dashboard, plus responder with the direct backend)
  replay --since TIME [--until TIME] [--category C] [--archiver URL] [--legacy] [--enqueue-only]
                            re-send results from DATA_DIR (same run_id and ts: the archiver
                            upserts); TIME is RFC 3339, a date, or 30m/24h/7d back from now;
                            --legacy also sends cron-runner files (no .meta): only to an
                            archiver that never received them, or it stores them twice
  retry-failed [--archiver URL] [--category C] [--enqueue-only]
                            retry deliveries in the failed set (after fixing a token, say)
  retry-failed --from OLD_URL [--archiver URL] [--category C] [--enqueue-only]
                            move the failed deliveries of an archiver no longer in ARCHIVE_URLS
                            (e.g. a mistyped URL, since fixed) onto the configured archivers
  health ROLE...            is each role alive? (workers connected to its queues, the
                            responder's port, the dashboard's /healthz); exit 0 or 1
  acl [TESTPOINT...] [--format setuser|aclfile] [--password-file PATH]
                            print Redis ACL users: one per testpoint (default: TESTPOINT)
                            reaching only its own queues, archive queues and state, and one
                            per central role; new passwords go to stderr, once
  status [--json]           testpoints: up/down from their workers' heartbeats, last round,
                            success per category over the last rounds, queue depth; exit 0
                            when every configured testpoint is up, 1 when one is down
  list-tests                categories and their tools

options:
  --env-file PATH           read configuration from PATH (default: ./.env if present);
                            the process environment wins over the file
  --archive-wait SECONDS    run-once, replay, retry-failed: how long to wait for deliveries
                            (default 120); what is still retrying then is reported as pending
  --enqueue-only            replay, retry-failed: hand the jobs to the running archive workers
                            and exit, instead of delivering in-process
  --archiver URL            replay, retry-failed: only this archiver (one of ARCHIVE_URLS)
  --testpoint ID            plan, run-once, start: only this testpoint of the fleet (FLEET_FILE)

Exit status: 0 ok, 1 a measurement or delivery failed, 2 bad configuration or usage.`;
