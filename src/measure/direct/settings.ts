// pScheduler-style test args → typed settings per category, with pScheduler's tool defaults. Pure.
import type { Category } from '../../plan/categories.js';
import { read, readFlags, type Flag } from './flag-reader.js';
import type {
  DirectCategory, DirectSettings, LatencySettings, MtuSettings, Parsed, PingProbeSettings, RttSettings,
  ThroughputSettings, TraceSettings,
} from './settings-types.js';

const PING_DEFAULTS: PingProbeSettings = {
  count: 5, intervalSec: 1, timeoutSec: 1, deadlineSec: null, payloadBytes: null, ttl: null, tos: null,
  fragment: null, flowLabel: null, suppressLoopback: false, ipVersion: null,
};
/** halfping's bucket width (ms). */
export const DEFAULT_BUCKET_WIDTH = 0.01;
/** Bytes ping adds before the padding halfping is given (`-s padding+56`). */
const PING_BASE_PAYLOAD = 56;

/** A flag honoured only in part: applied, and the caller still hears how. */
interface Adjusted<T> {
  readonly apply: Partial<T>;
  readonly note: string;
}
type Setter<T> = (flag: Flag) => Partial<T> | Adjusted<T> | string | null;

/** Applies each flag's setter; a string answer is a reason to ignore that flag, null means "no-op". */
function build<T extends object>(category: Category, args: readonly string[], defaults: T, set: Setter<T>): Parsed<T> {
  const ignored: string[] = [];
  let settings = { ...defaults };
  for (const flag of readFlags(category, args)) {
    if (flag.problem !== null) {
      ignored.push(flag.problem);
      continue;
    }
    const out = set(flag);
    if (typeof out === 'string') ignored.push(`${flag.text}: ${out}`);
    else if (out !== null && 'apply' in out && 'note' in out) {
      settings = { ...settings, ...(out as Adjusted<T>).apply };
      ignored.push(`${flag.text}: ${(out as Adjusted<T>).note}`);
    } else if (out !== null) settings = { ...settings, ...out };
  }
  return { settings, ignored };
}

/** Turns a reader's undefined into the "bad value" reason, so each case stays one line. */
function val<K extends string, V>(key: K, value: V | undefined, expected: string): Record<K, V> | string {
  return value === undefined ? `expected ${expected}; default kept` : ({ [key]: value } as Record<K, V>);
}

const NOT_DIRECT = 'the direct backend cannot honour this';

export function rttSettings(args: readonly string[]): Parsed<RttSettings> {
  return build<RttSettings>('rtt', args, { kind: 'rtt', ...PING_DEFAULTS }, (f) => {
    switch (f.name) {
      case '--count': return val('count', read.positiveInt(f.value), 'a positive integer');
      case '--interval': return val('intervalSec', read.duration(f.value), 'a duration');
      case '--timeout': return val('timeoutSec', read.duration(f.value), 'a duration');
      case '--deadline': return val('deadlineSec', read.duration(f.value), 'a duration');
      case '--ip-version': return val('ipVersion', read.ipVersion(f.value), '4 or 6');
      case '--length': return val('payloadBytes', read.nonNegativeInt(f.value), 'bytes');
      case '--ttl': return val('ttl', read.positiveInt(f.value), 'a positive integer');
      case '--ip-tos': return val('tos', read.nonNegativeInt(f.value), 'an integer');
      case '--flow-label': return val('flowLabel', read.nonNegativeInt(f.value), 'an integer');
      case '--fragment': return { fragment: true };
      case '--no-fragment': return { fragment: false };
      case '--suppress-loopback': return { suppressLoopback: true };
      case '--no-suppress-loopback': return { suppressLoopback: false };
      // The direct backend never resolves names, so "no hostnames" is what it does anyway.
      case '--no-hostnames': return null;
      case '--hostnames': return 'no reverse DNS in the direct backend';
      case '--protocol': return f.value === 'icmp' ? null : 'only ICMP ping is run directly';
      default: return NOT_DIRECT;
    }
  });
}

export function latencySettings(args: readonly string[]): Parsed<LatencySettings> {
  const base: LatencySettings = { kind: 'latency', ...PING_DEFAULTS, bucketWidth: DEFAULT_BUCKET_WIDTH };
  return build<LatencySettings>('latency', args, base, (f) => {
    switch (f.name) {
      case '--packet-count': return val('count', read.positiveInt(f.value), 'a positive integer');
      case '--packet-interval':
        return val('intervalSec', read.positiveNumber(f.value), 'seconds');
      case '--packet-timeout': {
        // 0 is the test's "unset"; halfping then passes no -W, we keep the 1 s default.
        const s = read.nonNegativeInt(f.value);
        return s === 0 ? null : val('timeoutSec', s, 'whole seconds');
      }
      case '--packet-padding': {
        const pad = read.nonNegativeInt(f.value);
        return val('payloadBytes', pad === undefined ? pad : pad + PING_BASE_PAYLOAD, 'bytes');
      }
      case '--ip-tos': return val('tos', read.nonNegativeInt(f.value), 'an integer');
      case '--ip-version': return val('ipVersion', read.ipVersion(f.value), '4 or 6');
      case '--bucket-width': return val('bucketWidth', below(read.positiveNumber(f.value), 1), '0 < width < 1');
      case '--protocol': return f.value === 'icmp' ? null : 'halfping only measures with ICMP';
      // halfping declines these (pScheduler would refuse the task), so there is nothing to imitate.
      default: return 'halfping cannot honour this';
    }
  });
}

export function throughputSettings(args: readonly string[]): Parsed<ThroughputSettings> {
  const base: ThroughputSettings = {
    kind: 'throughput', durationSec: 10, parallel: 1, omitSec: 0, intervalSec: null, ipVersion: null,
    localAddress: null, port: null, windowSize: null, mss: null, bandwidth: null, bufferLength: null, tos: null,
    congestion: null, noDelay: false, zeroCopy: false, flowLabel: null, cpuAffinity: null,
  };
  type T = ThroughputSettings;
  return build<T>('throughput', args, base, (f) => {
    switch (f.name) {
      case '--duration': return wholeSeconds<T>('durationSec', read.duration(f.value));
      case '--omit': return wholeSeconds<T>('omitSec', read.duration(f.value, true), 0);
      case '--interval': return val('intervalSec', read.duration(f.value), 'a duration or seconds');
      case '--parallel': return val('parallel', read.positiveInt(f.value), 'a positive integer');
      case '--ip-version': return val('ipVersion', read.ipVersion(f.value), '4 or 6');
      case '--local-address': return { localAddress: f.value };
      case '--single-ended-port': return val('port', read.positiveInt(f.value), 'a port');
      case '--window-size': return val('windowSize', read.si(f.value), 'a number with optional K/M/G');
      case '--mss': return val('mss', read.positiveInt(f.value), 'bytes');
      case '--bandwidth': return val('bandwidth', read.si(f.value), 'a number with optional K/M/G');
      case '--buffer-length': return val('bufferLength', read.si(f.value), 'bytes');
      case '--ip-tos': return val('tos', read.nonNegativeInt(f.value), 'an integer');
      case '--congestion': return val('congestion', matching(f.value, /^[A-Za-z0-9_-]+$/), 'an algorithm name');
      case '--no-delay': return { noDelay: true };
      case '--zero-copy': return { zeroCopy: true };
      case '--flow-label': return val('flowLabel', read.nonNegativeInt(f.value), 'an integer');
      case '--client-cpu-affinity': return val('cpuAffinity', matching(f.value, /^\d+$/), 'a CPU number');
      // The direct client always talks to a plain iperf3 server: single-ended is what it does.
      case '--single-ended': return null;
      case '--udp': return 'UDP is not supported by the direct backend; TCP is measured';
      default: return NOT_DIRECT;
    }
  });
}

/** iperf3 takes whole seconds for -t/-O; pScheduler truncates, we do too but say so. */
function wholeSeconds<T>(key: keyof T, seconds: number | undefined, min = 1): Partial<T> | Adjusted<T> | string {
  if (seconds === undefined) return 'expected a duration or whole seconds; default kept';
  const whole = Math.max(min, Math.floor(seconds));
  const apply = { [key]: whole } as unknown as Partial<T>;
  return whole === seconds ? apply : { apply, note: `iperf3 takes whole seconds; ${whole} s used` };
}

export function traceSettings(args: readonly string[]): Parsed<TraceSettings> {
  const base: TraceSettings = {
    kind: 'trace', hops: 30, queries: 1, waitSec: 5, firstTtl: null, probeType: 'udp', destPort: null,
    length: null, tos: null, fragment: null, sendWaitSec: null, flowLabel: null, ipVersion: null,
  };
  type T = TraceSettings;
  return build<T>('trace', args, base, (f) => {
    switch (f.name) {
      case '--hops': return val('hops', below(read.positiveInt(f.value), 256), '1..255');
      case '--queries': return val('queries', below(read.positiveInt(f.value), 11), '1..10');
      case '--wait': return val('waitSec', read.duration(f.value), 'a duration');
      case '--sendwait': return val('sendWaitSec', read.duration(f.value, true), 'a duration');
      case '--first-ttl': return val('firstTtl', below(read.positiveInt(f.value), 256), '1..255');
      case '--probe-type': return val('probeType', probeType(f.value), 'icmp, udp or tcp');
      case '--dest-port': return val('destPort', read.positiveInt(f.value), 'a port');
      case '--length': return val('length', read.positiveInt(f.value), 'bytes');
      case '--ip-tos': return val('tos', read.nonNegativeInt(f.value), 'an integer');
      case '--flow-label': return val('flowLabel', read.nonNegativeInt(f.value), 'an integer');
      case '--ip-version': return val('ipVersion', read.ipVersion(f.value), '4 or 6');
      case '--fragment': return { fragment: true };
      case '--no-fragment': return { fragment: false };
      case '--no-hostnames': case '--no-as': return null;
      case '--hostnames': return 'no reverse DNS in the direct backend';
      case '--as': return 'no AS lookup in the direct backend';
      case '--algorithm': return 'paris traceroute is not run directly';
      default: return NOT_DIRECT;
    }
  });
}

export function mtuSettings(args: readonly string[]): Parsed<MtuSettings> {
  return build<MtuSettings>('mtu', args, { kind: 'mtu', ipVersion: null, port: null }, (f) => {
    switch (f.name) {
      case '--ip-version': return val('ipVersion', read.ipVersion(f.value), '4 or 6');
      case '--port': return val('port', read.positiveInt(f.value), 'a port');
      default: return NOT_DIRECT;
    }
  });
}

/** One entry point for the backend: the category decides which reader runs. */
export function directSettings(category: DirectCategory, args: readonly string[]): Parsed<DirectSettings> {
  switch (category) {
    case 'rtt': return rttSettings(args);
    case 'latency': return latencySettings(args);
    case 'throughput': return throughputSettings(args);
    case 'trace': return traceSettings(args);
    case 'mtu': return mtuSettings(args);
  }
}

/** The value if it is under `limit`, else undefined (reported as a bad value). */
function below(n: number | undefined, limit: number): number | undefined {
  return n !== undefined && n < limit ? n : undefined;
}

function matching(value: string | null, re: RegExp): string | undefined {
  return value !== null && re.test(value) ? value : undefined;
}

function probeType(value: string | null): TraceSettings['probeType'] | undefined {
  return value === 'udp' || value === 'icmp' || value === 'tcp' ? value : undefined;
}
