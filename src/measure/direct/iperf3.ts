// iperf3 client: argv, and its --json output → the pScheduler throughput result (iperf3 tool).
import type { ThroughputData, ThroughputFailedResult, ThroughputResult } from './results.js';
import type { ThroughputSettings } from './settings-types.js';

export const IPERF3_BIN = 'iperf3';
/** Give up on an absent server after this long instead of the kernel's minutes-long SYN retries. */
export const IPERF3_CONNECT_TIMEOUT_MS = 5000;

/**
 * Args after the program name. `port` (the server's, e.g. from the HOSTS entry) wins over
 * --single-ended-port; -B/--local-address wins over the source address.
 */
export function iperf3ClientArgv(
  s: ThroughputSettings,
  dest: string,
  source: string | null,
  reverse: boolean,
  port: number | null,
): string[] {
  const argv = ['-c', dest, '-J', '-P', String(s.parallel), '-t', String(s.durationSec), '-O', String(s.omitSec)];
  if (s.intervalSec !== null) argv.push('-i', String(s.intervalSec));
  if (reverse) argv.push('-R');
  const bind = s.localAddress ?? source;
  if (bind !== null) argv.push('-B', bind);
  const serverPort = port ?? s.port;
  if (serverPort !== null) argv.push('-p', String(serverPort));
  if (s.ipVersion !== null) argv.push(`-${s.ipVersion}`);
  if (s.windowSize !== null) argv.push('-w', s.windowSize);
  if (s.mss !== null) argv.push('-M', String(s.mss));
  if (s.bandwidth !== null) argv.push('-b', s.bandwidth);
  if (s.bufferLength !== null) argv.push('-l', s.bufferLength);
  if (s.tos !== null) argv.push('-S', String(s.tos));
  if (s.congestion !== null) argv.push('-C', s.congestion);
  if (s.noDelay) argv.push('-N');
  if (s.zeroCopy) argv.push('-Z');
  if (s.flowLabel !== null) argv.push('-L', String(s.flowLabel));
  if (s.cpuAffinity !== null) argv.push('-A', s.cpuAffinity);
  argv.push('--connect-timeout', String(IPERF3_CONNECT_TIMEOUT_MS));
  return argv;
}

/** A runTool timeout: connect + omit + duration, plus slack for the results exchange (as iperf3/duration). */
export function iperf3TimeoutMs(s: ThroughputSettings): number {
  return IPERF3_CONNECT_TIMEOUT_MS + (s.omitSec + s.durationSec + 10) * 1000;
}

type Json = Record<string, unknown>;

/** iperf3 key → pScheduler key, in the order pScheduler's fixture shows them (iperf3_parser.py). */
const RENAMES: ReadonlyArray<readonly [string, keyof ThroughputData]> = [
  ['socket', 'stream-id'],
  ['start', 'start'],
  ['end', 'end'],
  ['bytes', 'throughput-bytes'],
  ['bits_per_second', 'throughput-bits'],
  ['retransmits', 'retransmits'],
  ['snd_cwnd', 'tcp-window-size'],
  ['rtt', 'rtt'],
  ['mean_rtt', 'rtt'],
  ['omitted', 'omitted'],
  ['jitter_ms', 'jitter'],
  ['packets', 'sent'],
  ['lost_packets', 'lost'],
];

/**
 * Keeps only the fields pScheduler maps. iperf3 ≥3.9 marks each record with `sender`; where
 * this client was the receiver (-R) the sender-side TCP figures it prints (mean_rtt,
 * snd_cwnd) are 0 placeholders, not measurements, so they are left out rather than reported as 0.
 */
function rename(record: unknown): ThroughputData {
  const obj = isObject(record) ? record : {};
  const out: Record<string, unknown> = {};
  for (const [from, to] of RENAMES) {
    if (!(from in obj)) continue;
    if (obj['sender'] === false && (to === 'rtt' || to === 'tcp-window-size')) continue;
    out[to] = obj[from];
  }
  return out as ThroughputData;
}

/**
 * `argv` is the full command, program first: it becomes `diags` ("Participant 0:\n<command>"),
 * laid out like iperf3's merged-results but for the one participant the direct backend has.
 */
export function toThroughputResult(
  stdout: string,
  stderr: string,
  exitCode: number | null,
  argv: readonly string[],
): ThroughputResult | ThroughputFailedResult {
  const diags = `Participant 0:\n${argv.join(' ')}\n${stderr.trim() === '' ? '' : `\n${stderr.trim()}\n`}`;
  const fail = (error: string): ThroughputFailedResult => ({ succeeded: false, diags, error });
  const json = parseJson(stdout);
  if (json === undefined) {
    const output = [stdout.trim(), stderr.trim()].filter((t) => t !== '').join('\n\n');
    if (exitCode !== 0) return fail(`iperf3 returned an error: ${output || describeExit(exitCode)}`);
    return fail(`Unable to parse iperf3 output as JSON: ${output.slice(0, 200) || '(no output)'}`);
  }
  // iperf3 3.12 exits 0 after printing {"error": …} for a refused or dropped connection
  // (tool-output/iperf3-refused, iperf3-server-killed), so the key decides, not the exit code.
  if (typeof json['error'] === 'string') return fail(`iperf3 returned an error: ${json['error']}`);
  if (exitCode !== 0) {
    return fail(`iperf3 returned an error: ${describeExit(exitCode)}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
  }
  // The same checks (and words) as pScheduler's iperf3_parser.
  if (!Array.isArray(json['intervals'])) return fail("iperf3 output is missing required field 'intervals'");
  const end = json['end'];
  if (!isObject(end)) return fail("iperf3 output is missing required field 'end'");
  const sum = end['sum_sent'] ?? end['sum'];
  if (!isObject(sum)) return fail("iperf3 output has neither 'sum_sent' nor 'sum' field, and one of them is required");

  const intervals = json['intervals'].map((interval: unknown) => {
    const i = isObject(interval) ? interval : {};
    return { streams: asArray(i['streams']).map(rename), summary: rename(i['sum'] ?? {}) };
  });
  const streams = asArray(end['streams']).map((s) => (isObject(s) ? rename(s['udp'] ?? s['sender']) : rename({})));
  const summary: ThroughputData = { ...rename(sum) };
  const received = end['sum_received'];
  if (isObject(received) && typeof received['bits_per_second'] === 'number') {
    Object.assign(summary, { 'receiver-throughput-bits': received['bits_per_second'] });
  }
  return { succeeded: true, intervals, summary: { streams, summary }, diags };
}

/** iperf3 prints one JSON object; anything around it (a stray warning) is cut off first. */
function parseJson(stdout: string): Json | undefined {
  const first = stdout.indexOf('{');
  const last = stdout.lastIndexOf('}');
  if (first < 0 || last < first) return undefined;
  try {
    const value: unknown = JSON.parse(stdout.slice(first, last + 1));
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function describeExit(exitCode: number | null): string {
  return exitCode === null ? 'killed by a signal' : `exited with status ${exitCode}`;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
