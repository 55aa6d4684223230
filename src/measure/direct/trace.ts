// traceroute and tracepath: argv, output parsers, and the pScheduler trace and mtu results.
import { icmpErrorFromBang } from './icmp-error.js';
import { formatIsoDurationFromMs } from '../../config/iso-duration.js';
import { failedResult, type FailedResult, type MtuResult, type TraceHop, type TraceResult } from './results.js';
import type { IpVersion, TraceSettings } from './settings-types.js';

export const TRACEROUTE_BIN = 'traceroute';
export const TRACEPATH_BIN = 'tracepath';
/** tracepath's own default, and pScheduler's hop limit for trace. */
export const DEFAULT_MAX_HOPS = 30;

/** Args after the program name for Linux "modern" traceroute 2.x, numeric and bounded. No shell. */
export function tracerouteArgv(
  s: TraceSettings,
  dest: string,
  source: string | null,
  ipVersion: IpVersion | null,
): string[] {
  const version = ipVersion ?? s.ipVersion;
  const argv = ['-n'];
  if (version !== null) argv.push(`-${version}`);
  argv.push('-m', String(s.hops), '-q', String(s.queries), '-w', String(s.waitSec));
  if (s.firstTtl !== null) argv.push('-f', String(s.firstTtl));
  if (s.probeType === 'icmp') argv.push('-I');
  if (s.probeType === 'tcp') argv.push('-T');
  if (s.destPort !== null && s.probeType !== 'icmp') argv.push('-p', String(s.destPort));
  if (s.fragment === false) argv.push('-F');
  if (s.tos !== null) argv.push('-t', String(s.tos));
  if (s.flowLabel !== null) argv.push('-l', String(s.flowLabel));
  // traceroute reads -z values above 10 as milliseconds and smaller ones as seconds.
  if (s.sendWaitSec !== null) argv.push('-z', String(s.sendWaitSec * 1000 > 10 ? s.sendWaitSec * 1000 : s.sendWaitSec));
  if (source !== null) argv.push('-s', source);
  argv.push(dest);
  // The packet length is traceroute's second positional argument.
  if (s.length !== null) argv.push(String(s.length));
  return argv;
}

/** Worst case, as if every probe waited the full -w one after another, plus slack. */
export function tracerouteTimeoutMs(s: TraceSettings): number {
  return Math.ceil((s.hops * s.queries * (s.waitSec + (s.sendWaitSec ?? 0)) + 5) * 1000);
}

export interface ParsedTraceroute {
  /** Address from the `traceroute to name (addr)` header. */
  readonly target: string | null;
  readonly hops: TraceHop[];
  /** The last hop is the target itself. */
  readonly reached: boolean;
}

const TR_HEADER = /^traceroute to \S+ \(([^)]+)\)/;
const HOP_LINE = /^\s*(\d+)\s+(.*)$/;
const NUMBER = /^\d+(?:\.\d+)?$/;

/**
 * Each hop becomes its first answering probe: with -q > 1, `7  * 10.201.2.2  0.059 ms` is the
 * target answering on the second probe (pScheduler's parser, reading only the first token,
 * would call that hop silent).
 */
export function parseTracerouteHops(stdout: string): ParsedTraceroute {
  let target: string | null = null;
  const byTtl = new Map<number, TraceHop>();
  for (const line of stdout.split('\n')) {
    const header = TR_HEADER.exec(line);
    if (header) {
      target = header[1] ?? null;
      continue;
    }
    const m = HOP_LINE.exec(line);
    if (m === null) continue;
    // A repeated TTL replaces the earlier line, as in pScheduler.
    byTtl.set(Number(m[1]), firstAnswer((m[2] ?? '').trim().split(/\s+/)));
  }
  const hops = inTtlOrder(byTtl);
  const last = hops.at(-1);
  return { target, hops, reached: target !== null && last?.ip === target };
}

/** `*`, `ip rtt ms [!X]`, or `rtt ms [!X]` (same ip as before) per probe; other tokens are skipped. */
function firstAnswer(tokens: string[]): TraceHop {
  let ip: string | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i] ?? '';
    if (tok === '*' || tok.startsWith('!')) continue;
    if (NUMBER.test(tok) && tokens[i + 1] === 'ms') {
      if (ip === null) continue;
      const annotation = tokens[i + 2];
      const error = annotation?.startsWith('!') ? icmpErrorFromBang(annotation) : undefined;
      const hop: TraceHop = { ip, rtt: formatIsoDurationFromMs(Number(tok)) };
      return error === undefined ? hop : { ...hop, error };
    }
    if (tok !== 'ms') ip = tok;
  }
  return {};
}

function inTtlOrder(byTtl: Map<number, TraceHop>): TraceHop[] {
  if (byTtl.size === 0) return [];
  const first = Math.min(...byTtl.keys());
  const last = Math.max(...byTtl.keys());
  const hops: TraceHop[] = [];
  for (let ttl = first; ttl <= last; ttl++) hops.push(byTtl.get(ttl) ?? {});
  return hops;
}

/**
 * The pScheduler trace result. Like pScheduler's traceroute tool, a trace that never reaches the
 * target still succeeds with the partial path (use parseTracerouteHops().reached to tell);
 * only a traceroute that could not run, or printed no hops, fails.
 */
export function parseTraceroute(stdout: string, stderr = '', exitCode: number | null = 0): TraceResult | FailedResult {
  const problem = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '').join('; ');
  if (exitCode !== 0) {
    const why = problem || (exitCode === null ? 'killed by a signal' : `exited with status ${exitCode}`);
    return failedResult(why.startsWith('traceroute') ? why : `traceroute: ${why}`);
  }
  const { hops } = parseTracerouteHops(stdout);
  if (hops.length === 0) return failedResult(`traceroute printed no hops${problem ? `: ${problem}` : ''}`);
  return { schema: 1, succeeded: true, paths: [hops] };
}

/** Args after the program name for iputils tracepath: numeric, bounded by -m. No shell. */
export function tracepathArgv(
  dest: string,
  ipVersion: IpVersion | null,
  options: { readonly maxHops?: number; readonly length?: number | null; readonly port?: number | null } = {},
): string[] {
  const argv = ['-n'];
  if (ipVersion !== null) argv.push(`-${ipVersion}`);
  argv.push('-m', String(options.maxHops ?? DEFAULT_MAX_HOPS));
  if (options.length != null) argv.push('-l', String(options.length));
  if (options.port != null) argv.push('-p', String(options.port));
  argv.push(dest);
  return argv;
}

/** tracepath retries a silent hop a few times, about a second each; pScheduler allows 94 s for 30 hops. */
export function tracepathTimeoutMs(maxHops: number = DEFAULT_MAX_HOPS): number {
  return (maxHops * 3 + 5) * 1000;
}

export interface ParsedTracepath {
  /** TTL order; answering hops carry the path MTU known when they answered. */
  readonly hops: TraceHop[];
  /** Last path MTU tracepath reported (`Resume: pmtu N`), or null. */
  readonly pmtu: number | null;
  readonly reached: boolean;
  /** Why tracepath produced no trace (`send failed`, a non-zero exit), or null. */
  readonly error: string | null;
}

const TP_LINE = /^\s*(\d+)\??:\s+(.*)$/;

/**
 * One hop per TTL, from the last line printed for it. A `N: <router> pmtu X` line is the router
 * before hop N refusing a too-big probe; tracepath retries smaller, so a later line for the same
 * TTL replaces it, and a final `no reply` makes the hop silent `{}` (pScheduler would keep the
 * router's address there). `[LOCALHOST]` only gives the starting MTU.
 */
export function parseTracepath(stdout: string, stderr = '', exitCode: number | null = 0): ParsedTracepath {
  let pmtu: number | null = null;
  let reached = false;
  let error: string | null = null;
  const byTtl = new Map<number, TraceHop>();
  for (const line of stdout.split('\n')) {
    const mtu = /pmtu (\d+)/.exec(line);
    if (mtu && !/send failed/.test(line)) pmtu = Number(mtu[1]);
    const m = TP_LINE.exec(line);
    if (m === null) continue;
    const ttl = Number(m[1]);
    const rest = (m[2] ?? '').trim();
    if (rest.startsWith('[LOCALHOST]')) continue;
    if (rest.startsWith('send failed')) {
      error = `tracepath: send failed at hop ${ttl} (no route to the destination?)`;
      break;
    }
    if (rest.startsWith('no reply')) {
      byTtl.set(ttl, {});
      continue;
    }
    const ip = rest.split(/\s+/)[0] ?? '';
    const rtt = /(\d+\.\d+)ms/.exec(rest);
    const bang = /!(\w+)\s*$/.exec(rest);
    const icmp = bang ? icmpErrorFromBang(`!${bang[1]}`) : undefined;
    byTtl.set(ttl, {
      ip,
      ...(rtt ? { rtt: formatIsoDurationFromMs(Number(rtt[1])) } : {}),
      ...(icmp ? { error: icmp } : {}),
      ...(pmtu !== null ? { mtu: pmtu } : {}),
    });
    reached ||= /\breached\b/.test(rest);
  }
  if (error === null && exitCode !== 0) {
    const text = stderr.trim().split('\n').filter((l) => l !== '').join('; ');
    const why = text || (exitCode === null ? 'killed by a signal' : `exited with status ${exitCode}`);
    error = why.startsWith('tracepath') ? why : `tracepath: ${why}`;
  }
  // "send failed" still prints `Resume: pmtu 65535`: that is the socket's default, not a path MTU.
  return { hops: inTtlOrder(byTtl), pmtu: error === null ? pmtu : null, reached, error };
}

/** The pScheduler trace result from tracepath; the same partial-path rule as traceroute. */
export function toTraceResultFromTracepath(parsed: ParsedTracepath): TraceResult | FailedResult {
  if (parsed.error !== null) return failedResult(parsed.error);
  if (parsed.hops.length === 0) return failedResult('tracepath printed no hops');
  return { schema: 1, succeeded: true, paths: [parsed.hops] };
}

/**
 * The pScheduler mtu result. Only a path that reached the destination has a known MTU: up to a
 * silent hop we only know a bound, and the direct backend reports that as a failure.
 */
export function toMtuResult(parsed: ParsedTracepath, dest?: string): MtuResult | FailedResult {
  if (parsed.error !== null) return failedResult(parsed.error);
  const who = dest ?? 'destination';
  if (!parsed.reached) {
    const n = parsed.hops.length;
    const lastAnswer = parsed.hops.reduce((last, hop, i) => (hop.ip !== undefined ? i + 1 : last), 0);
    const seen =
      parsed.pmtu !== null && lastAnswer > 0 ? `; pmtu ${parsed.pmtu} so far, last answer at hop ${lastAnswer}` : '';
    return failedResult(`path MTU unknown: ${who} not reached within ${n} hop${n === 1 ? '' : 's'}${seen}`);
  }
  if (parsed.pmtu === null) return failedResult(`path MTU unknown: tracepath reported no pmtu for ${who}`);
  return { schema: 1, succeeded: true, mtu: parsed.pmtu };
}
