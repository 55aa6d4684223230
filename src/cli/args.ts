// psq's command line → a command and its options. Pure.

export const COMMANDS = ['plan', 'run-once', 'start', 'replay', 'retry-failed', 'health', 'list-tests', 'help'] as const;
export type Command = (typeof COMMANDS)[number];
export const ROLES = ['scheduler', 'measure', 'archive', 'dashboard', 'responder'] as const;
export type RoleName = (typeof ROLES)[number];

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
}

export type ParsedArgs = { ok: true; args: CliArgs } | { ok: false; error: string };

export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let command: Command | null = null;
  const roles: RoleName[] = [];
  let envFile: string | null = null;
  let archiveWaitS = 120;
  const opts: { since: string | null; until: string | null; category: string | null; archiver: string | null } = { since: null, until: null, category: null, archiver: null };
  let enqueueOnly = false;
  const valueOptions: Record<string, keyof typeof opts> = { '--since': 'since', '--until': 'until', '--category': 'category', '--archiver': 'archiver' };
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
  return { ok: true, args: { command: cmd, roles, envFile, archiveWaitS, ...opts, enqueueOnly } };
}

export const USAGE = `usage: psq <command> [options]

commands:
  plan                      print this testpoint's measurement plan, one JSON object per line
  run-once                  run one round now through the queues, print a summary
                            (exit 0 only if every measurement and delivery succeeded)
  start [ROLE...]           run long-lived roles: ${ROLES.join(', ')} (default: scheduler,
                            measure, archive and dashboard, plus responder with the direct backend)
  replay --since TIME [--until TIME] [--category C] [--archiver URL] [--enqueue-only]
                            re-send results from DATA_DIR (same run_id and ts: the archiver
                            upserts); TIME is RFC 3339, a date, or 30m/24h/7d back from now
  retry-failed [--archiver URL] [--category C] [--enqueue-only]
                            retry deliveries in the failed set (after fixing a token, say)
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

Exit status: 0 ok, 1 a measurement or delivery failed, 2 bad configuration or usage.`;
