// iputils ping: argv, output parser and the pScheduler rtt result (ping tool). Latency: halfping.ts.
import { icmpErrorFromPingText, type IcmpError } from './icmp-error.js';
import { formatIsoDurationFromMs } from '../../config/iso-duration.js';
import { failedResult, type FailedResult, type RttResult, type RttRoundtrip } from './results.js';
import type { IpVersion, PingProbeSettings } from './settings-types.js';

export const PING_BIN = 'ping';

/**
 * Seconds for `-w`. With -w, iputils treats -c as "replies wanted" and keeps probing until the
 * deadline when replies are missing (see tool-output/ping-v4-silent vs ping-v4-silent-no-deadline),
 * so the deadline is kept just past the last probe's timeout and the parser drops seq > count.
 */
export function pingDeadlineSec(s: PingProbeSettings): number {
  return Math.ceil(s.deadlineSec ?? (s.count - 1) * s.intervalSec + s.timeoutSec + 1);
}

/** A runTool timeout that only fires if ping ignores its own deadline. */
export function pingTimeoutMs(s: PingProbeSettings): number {
  return (pingDeadlineSec(s) + 5) * 1000;
}

/** Args after the program name; numeric output, always bounded by -W and -w. No shell. */
export function pingArgv(
  s: PingProbeSettings,
  dest: string,
  source: string | null,
  ipVersion: IpVersion | null,
): string[] {
  const version = ipVersion ?? s.ipVersion;
  const argv = ['-n'];
  if (version !== null) argv.push(`-${version}`);
  argv.push('-c', String(s.count), '-i', String(s.intervalSec), '-W', String(s.timeoutSec));
  argv.push('-w', String(pingDeadlineSec(s)));
  if (s.payloadBytes !== null) argv.push('-s', String(s.payloadBytes));
  if (s.ttl !== null) argv.push('-t', String(s.ttl));
  if (s.tos !== null) argv.push('-Q', String(s.tos));
  if (s.fragment !== null) argv.push('-M', s.fragment ? 'want' : 'do');
  // ping's -F is IPv6-only; pScheduler's ping tool drops it for IPv4 the same way.
  if (s.flowLabel !== null && (version === 6 || dest.includes(':'))) argv.push('-F', s.flowLabel.toString(16));
  if (s.suppressLoopback) argv.push('-L');
  if (source !== null) argv.push('-I', source);
  argv.push(dest);
  return argv;
}

export interface PingReply {
  readonly kind: 'reply';
  readonly seq: number;
  readonly bytes: number;
  readonly ip: string;
  readonly ttl: number;
  readonly rttMs: number;
  /** ping marked it `(DUP!)`; it does not for broadcast replies, so results count duplicates by seq. */
  readonly duplicate: boolean;
}

export interface PingIcmpError {
  readonly kind: 'error';
  readonly seq: number;
  readonly ip: string;
  /** As ping printed it, e.g. "Destination Host Unreachable". */
  readonly text: string;
  readonly error: IcmpError | undefined;
}

export interface PingStats {
  readonly minMs: number;
  readonly avgMs: number;
  readonly maxMs: number;
  readonly mdevMs: number;
}

export interface ParsedPing {
  /** The -c that was asked for; replies beyond it are ignored by the result builders. */
  readonly count: number | null;
  /** Address from the `PING x (addr)` header; null if ping never got that far. */
  readonly target: string | null;
  /** Replies and ICMP errors in output order. */
  readonly events: ReadonlyArray<PingReply | PingIcmpError>;
  /** From the statistics line; null when ping printed none. */
  readonly transmitted: number | null;
  readonly received: number | null;
  readonly lossPercent: number | null;
  /** ping's own min/avg/max/mdev (ms), over every reply it saw. */
  readonly stats: PingStats | null;
  /** ping's own complaints on stderr (`ping: connect: Network is unreachable`), warnings left out. */
  readonly problems: string[];
  /** ping's exit status (0 replies, 1 missing replies, 2 error); null when not known. */
  readonly exitCode: number | null;
}

const HEADER = /^PING (\S+?) ?\(([^)]+)\)/;
const REPLY = /^(\d+) bytes from (\S+?):? icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms(.*)$/;
const ERROR = /^From (\S+?)(?: \([^)]*\))?:? icmp_seq=(\d+) (.+)$/;
const SUMMARY = /^(\d+) packets transmitted, (\d+) received(?:, .*?)?, ([\d.]+)% packet loss/;
/** `WARNING: pinging broadcast address`, `ping: Warning: source address might be selected on device other than: …`. */
const WARNING = /^(?:ping: )?warning\b/i;
const STATS = /^rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/;

export function parsePing(
  stdout: string,
  stderr: string,
  count: number | null = null,
  exitCode: number | null = null,
): ParsedPing {
  let target: string | null = null;
  let transmitted: number | null = null;
  let received: number | null = null;
  let lossPercent: number | null = null;
  let stats: ParsedPing['stats'] = null;
  const events: Array<PingReply | PingIcmpError> = [];
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = HEADER.exec(line)) && target === null) target = m[2] ?? null;
    else if ((m = REPLY.exec(line))) {
      events.push({
        kind: 'reply', bytes: Number(m[1]), ip: stripZone(m[2] ?? ''), seq: Number(m[3]), ttl: Number(m[4]),
        rttMs: Number(m[5]), duplicate: (m[6] ?? '').includes('(DUP!)'),
      });
    } else if ((m = ERROR.exec(line))) {
      const text = (m[3] ?? '').trim();
      const error = icmpErrorFromPingText(text);
      events.push({ kind: 'error', ip: stripZone(m[1] ?? ''), seq: Number(m[2]), text, error });
    } else if ((m = SUMMARY.exec(line))) {
      [transmitted, received, lossPercent] = [Number(m[1]), Number(m[2]), Number(m[3])];
    } else if ((m = STATS.exec(line))) {
      stats = { minMs: Number(m[1]), avgMs: Number(m[2]), maxMs: Number(m[3]), mdevMs: Number(m[4]) };
    }
  }
  const problems = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !WARNING.test(l));
  return { count, target, events, transmitted, received, lossPercent, stats, problems, exitCode };
}

/** ping6 may print `fe80::1%eth0`; the zone is not part of the address (pScheduler drops it too). */
function stripZone(ip: string): string {
  return ip.split('%')[0] ?? ip;
}

/** Replies counted the way pScheduler's ping and halfping count them: first copy of each seq. */
export interface Tally {
  readonly firsts: PingReply[];
  readonly inCount: Array<PingReply | PingIcmpError>;
  readonly duplicates: number;
  readonly reorders: number;
}

export function tally(parsed: ParsedPing): Tally {
  const inCount = parsed.events.filter((e) => parsed.count === null || e.seq <= parsed.count);
  const seen = new Set<number>();
  const firsts: PingReply[] = [];
  let duplicates = 0;
  let reorders = 0;
  let prev: number | null = null;
  for (const e of inCount) {
    if (e.kind === 'error') continue;
    if (seen.has(e.seq)) {
      duplicates++;
      continue;
    }
    seen.add(e.seq);
    firsts.push(e);
    if (prev !== null && e.seq < prev) reorders++;
    prev = e.seq;
  }
  return { firsts, inCount, duplicates, reorders };
}

/**
 * Why ping could not measure at all, or null. As in pScheduler, a destination that answers
 * nothing, or a router that answers with ICMP errors ("Destination Host Unreachable"), is a
 * measurement: probes went out and were lost (loss 1, or a fraction). Only a run in which the
 * local host could not send is a failure: ping never started (unknown host, bad address, no
 * route at connect(), usage error), or exited non-zero complaining on stderr (`sendmsg: …`,
 * `local error: message too long`) — pScheduler's ping tool fails exactly those runs.
 */
export function pingFailure(parsed: ParsedPing, dest?: string): string | null {
  const who = parsed.target ?? dest ?? 'the destination';
  const complaint = parsed.problems.join('; ');
  if (parsed.target === null && parsed.events.length === 0) {
    return complaint !== '' ? complaint : `ping produced no output for ${who}`;
  }
  // Loss counted while the local kernel refused probes would not be the path's loss.
  if (complaint !== '' && parsed.exitCode !== 0) return complaint;
  // 1 is ping's "some replies missing"; 2 and above are its own errors.
  if (parsed.exitCode !== null && parsed.exitCode > 1) return `ping exited with status ${parsed.exitCode} (measuring ${who})`;
  return null;
}

/**
 * The pScheduler rtt result (ping tool, merged): fixture test/fixtures/pscheduler/rtt.json. Total
 * loss is `succeeded: true` with `loss: 1`, the packet counts, the ICMP errors as roundtrips and
 * no rtt figures — so archivers store the outage as 100 % loss instead of leaving a gap.
 */
export function toRttResult(parsed: ParsedPing, dest?: string): RttResult | FailedResult {
  const failure = pingFailure(parsed, dest);
  if (failure !== null) return failedResult(failure);
  const { firsts, inCount, duplicates, reorders } = tally(parsed);
  const roundtrips: RttRoundtrip[] = [];
  for (const e of inCount) {
    if (e.kind === 'reply') {
      roundtrips.push({ seq: e.seq, length: e.bytes, ip: e.ip, ttl: e.ttl, rtt: formatIsoDurationFromMs(e.rttMs) });
    }
    // An unknown ICMP text has no enum value; pScheduler would write `error: null`, we leave it out.
    else if (e.error !== undefined) roundtrips.push({ seq: e.seq, ip: e.ip, error: e.error });
  }
  const count = parsed.count;
  // The probes ping really sent, up to -c: with -w it stops at the first ICMP error, so a path
  // answering "unreachable" may show fewer than -c sent (all lost: loss is still 1).
  const sent = count !== null ? Math.min(parsed.transmitted ?? count, count) : (parsed.transmitted ?? inCount.length);
  const received = firsts.length;
  const lost = Math.max(0, sent - received);
  const replies = inCount.filter((e): e is PingReply => e.kind === 'reply');
  return {
    schema: 1, succeeded: true, roundtrips, sent, received, lost, duplicates, reorders,
    loss: sent > 0 ? lost / sent : 1,
    // pScheduler writes min/max/mean/stddev only when something replied (total loss has none).
    ...(replies.length > 0 ? rttStats(parsed, replies) : {}),
  };
}

type RttStats = Pick<RttResult, 'min' | 'max' | 'mean' | 'stddev'>;

/**
 * ping's own summary when it covers exactly the probes we report (it has µs precision, as
 * pScheduler uses it); recomputed from the printed replies when -w made ping go past -c.
 */
function rttStats(parsed: ParsedPing, replies: PingReply[]): RttStats {
  const allCounted = parsed.events.every((e) => parsed.count === null || e.seq <= parsed.count);
  if (parsed.stats !== null && allCounted) {
    const { minMs, maxMs, avgMs, mdevMs } = parsed.stats;
    return iso(minMs, maxMs, avgMs, mdevMs);
  }
  const ms = replies.map((r) => r.rttMs);
  const mean = ms.reduce((a, b) => a + b, 0) / ms.length;
  // iputils' mdev is the population standard deviation.
  const mdev = Math.sqrt(Math.max(0, ms.reduce((a, b) => a + b * b, 0) / ms.length - mean * mean));
  return iso(Math.min(...ms), Math.max(...ms), mean, mdev);
}

function iso(min: number, max: number, mean: number, stddev: number): RttStats {
  const f = formatIsoDurationFromMs;
  return { min: f(min), max: f(max), mean: f(mean), stddev: f(stddev) };
}
