// psq's command line → a command and its options. Pure.

export const COMMANDS = ['plan', 'run-once', 'start', 'list-tests', 'help'] as const;
export type Command = (typeof COMMANDS)[number];
export const ROLES = ['scheduler', 'measure', 'archive'] as const;
export type RoleName = (typeof ROLES)[number];

export interface CliArgs {
  readonly command: Command;
  readonly roles: readonly RoleName[];
  readonly envFile: string | null;
  /** run-once: seconds to wait for deliveries once measurements are done. */
  readonly archiveWaitS: number;
}

export type ParsedArgs = { ok: true; args: CliArgs } | { ok: false; error: string };

export function parseCliArgs(argv: readonly string[]): ParsedArgs {
  let command: Command | null = null;
  const roles: RoleName[] = [];
  let envFile: string | null = null;
  let archiveWaitS = 120;
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
    } else if (a === '-h' || a === '--help') {
      command = 'help';
    } else if (command === null) {
      if (!(COMMANDS as readonly string[]).includes(a)) return { ok: false, error: `unknown command ${JSON.stringify(a)}: expected one of ${COMMANDS.join(', ')}` };
      command = a as Command;
    } else if (command === 'start' && (ROLES as readonly string[]).includes(a)) {
      if (!roles.includes(a as RoleName)) roles.push(a as RoleName);
    } else {
      return { ok: false, error: `unexpected argument ${JSON.stringify(a)}${command === 'start' ? `: roles are ${ROLES.join(', ')}` : ''}` };
    }
  }
  return { ok: true, args: { command: command ?? 'help', roles: roles.length > 0 ? roles : [...ROLES], envFile, archiveWaitS } };
}

export const USAGE = `usage: psq <command> [options]

commands:
  plan                      print this testpoint's measurement plan, one JSON object per line
  run-once                  run one round now through the queues, print a summary
                            (exit 0 only if every measurement and delivery succeeded)
  start [ROLE...]           run long-lived roles: ${ROLES.join(', ')} (default: all)
  list-tests                categories and their tools

options:
  --env-file PATH           read configuration from PATH (default: ./.env if present);
                            the process environment wins over the file
  --archive-wait SECONDS    run-once: how long to wait for deliveries (default 120)

Exit status: 0 ok, 1 a measurement or delivery failed, 2 bad configuration or usage.`;
