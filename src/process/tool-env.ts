// The environment a measurement tool (ping, iperf3, traceroute, tracepath, pscheduler) or a helper
// server (the responder's iperf3, an embedded redis-server) is started with: an allow-list, so the
// archiver token, the dashboard and Redis passwords and whatever else sits in the worker's
// environment never reach a program psq runs. Pure.
import { basename } from 'node:path';

/** Every program gets these: lookup, home, locale, timezone, temporary files, who it runs as. */
const COMMON_NAMES = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'USER', 'LOGNAME']);
const COMMON_PREFIXES = ['LC_'];

/**
 * A tool's own variables, by program name. pScheduler's CLI reads PSCHEDULER_* (e.g.
 * PSCHEDULER_ASSIST, PSCHEDULER_SLIP) and is Python (PYTHON* such as PYTHONPATH). PSQ_STANDIN_* are
 * the variables of the test suite's pscheduler stand-in (test/fixtures/bin/pscheduler), which plays
 * pScheduler where it cannot be installed; they carry no secret.
 */
const TOOL_PREFIXES: Readonly<Record<string, readonly string[]>> = {
  pscheduler: ['PSCHEDULER_', 'PYTHON', 'PSQ_STANDIN_'],
};

/**
 * Names that are never passed, even when an allowed prefix matches (PSCHEDULER_TOKEN,
 * PYTHON_SECRET, ...): secrets by their conventional spelling.
 */
const SECRET_NAME = /PASSWORD|PASSWD|TOKEN|SECRET|BEARER|CREDENTIAL|PRIVATE_KEY|API_KEY/i;

/** Which tool's own variables apply to `file` (a name on PATH or a path); null for none. */
export function toolProfile(file: string): string | null {
  const name = basename(file).toLowerCase();
  // A PSCHEDULER_BIN such as /opt/perfsonar/bin/pscheduler-cli is still pScheduler.
  if (name.includes('pscheduler')) return 'pscheduler';
  return name in TOOL_PREFIXES ? name : null;
}

/** Whether `name` may be passed to a program of `profile` (see toolProfile). */
export function isToolVariable(name: string, profile: string | null): boolean {
  if (SECRET_NAME.test(name)) return false;
  if (COMMON_NAMES.has(name)) return true;
  const prefixes = [...COMMON_PREFIXES, ...(profile === null ? [] : TOOL_PREFIXES[profile] ?? [])];
  return prefixes.some((p) => name.startsWith(p));
}

/**
 * The environment to start `file` with: the allowed part of `source` (normally process.env), then
 * `extra` (what the caller sets on purpose; secret-looking names are dropped from it too). Pass it
 * to execa with `extendEnv: false`.
 */
export function toolEnvironment(
  file: string,
  source: Readonly<Record<string, string | undefined>>,
  extra: Readonly<Record<string, string | undefined>> = {},
): Record<string, string> {
  const profile = toolProfile(file);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && isToolVariable(name, profile)) env[name] = value;
  }
  for (const [name, value] of Object.entries(extra)) {
    if (value !== undefined && !SECRET_NAME.test(name)) env[name] = value;
  }
  return env;
}
