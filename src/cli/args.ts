// psq's command line → a command and its options. Pure.

export const COMMANDS = ['plan', 'run-once', 'start', 'replay', 'retry-failed', 'health', 'list-tests', 'help'] as const;
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
}

export type ParsedArgs = { ok: true; args: CliArgs } | { ok: false; error: string };

export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let command: Command | null = null;
  const roles: RoleName[] = [];
  let envFile: string | null = null;
  let archiveWaitS = 120;
  const opts: { since: string | null; until: string | null; category: string | null; archiver: string | null; from: string | null } = { since: null, until: null, category: null, archiver: null, from: null };
  let enqueueOnly = false;
  let legacy = false;
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
    } else if (a === '--enqueue-only') {
      enqueueOnly = true;
    } else if (a === '--legacy') {
      legacy = true;
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
  if (opts.from !== null && cmd !== 'retry-failed') return { ok: false, error: '--from only goes with retry-failed' };
  return { ok: true, args: { command: cmd, roles, envFile, archiveWaitS, ...opts, enqueueOnly, legacy } };
}

export const USAGE = `usage: psq <command> [options]

commands:
  plan                      print this testpoint's measurement plan, one JSON object per line
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
  list-tests                categories and their tools

options:
  --env-file PATH           read configuration from PATH (default: ./.env if present);
                            the process environment wins over the file
  --archive-wait SECONDS    run-once, replay, retry-failed: how long to wait for deliveries
                            (default 120); what is still retrying then is reported as pending
  --enqueue-only            replay, retry-failed: hand the jobs to the running archive workers
                            and exit, instead of delivering in-process
  --archiver URL            replay, retry-failed: only this archiver (one of ARCHIVE_URLS)

Exit status: 0 ok, 1 a measurement or delivery failed, 2 bad configuration or usage.`;
