// The typed settings the direct backend runs with, one shape per category (units in the names).
import type { Category } from '../../plan/categories.js';

export type IpVersion = 4 | 6;

/** What ping needs, shared by rtt (ping tool) and latency (halfping tool). */
export interface PingProbeSettings {
  /** Probes to send (ping -c). */
  readonly count: number;
  /** Seconds between probes (ping -i). */
  readonly intervalSec: number;
  /** Seconds to wait for each reply (ping -W). */
  readonly timeoutSec: number;
  /** Whole-run deadline in seconds (ping -w); null → derived from count, interval and timeout. */
  readonly deadlineSec: number | null;
  /** ICMP payload bytes (ping -s); null → ping's 56. */
  readonly payloadBytes: number | null;
  readonly ttl: number | null;
  /** Full TOS byte (ping -Q). */
  readonly tos: number | null;
  /** true → `-M want`, false → `-M do`, null → ping's default. */
  readonly fragment: boolean | null;
  /** IPv6 only (ping -F). */
  readonly flowLabel: number | null;
  readonly suppressLoopback: boolean;
  readonly ipVersion: IpVersion | null;
}

export interface RttSettings extends PingProbeSettings {
  readonly kind: 'rtt';
}

export interface LatencySettings extends PingProbeSettings {
  readonly kind: 'latency';
  /** Histogram bucket width in the unit halfping uses: milliseconds of one-way delay (default 0.01). */
  readonly bucketWidth: number;
}

export interface ThroughputSettings {
  readonly kind: 'throughput';
  /** Whole seconds (iperf3 -t); pScheduler's iperf3 default is 10. */
  readonly durationSec: number;
  readonly parallel: number;
  /** Whole seconds (iperf3 -O). */
  readonly omitSec: number;
  /** Report interval in seconds (iperf3 -i); null → iperf3's own default. */
  readonly intervalSec: number | null;
  readonly ipVersion: IpVersion | null;
  /** -B/--local-address: overrides the source for the bind. */
  readonly localAddress: string | null;
  /** --single-ended-port: the server's port. */
  readonly port: number | null;
  /** iperf3 -w, -M, -b, -l, -S, -C, -N, -Z, -L, -A (values as iperf3 takes them). */
  readonly windowSize: string | null;
  readonly mss: number | null;
  readonly bandwidth: string | null;
  readonly bufferLength: string | null;
  readonly tos: number | null;
  readonly congestion: string | null;
  readonly noDelay: boolean;
  readonly zeroCopy: boolean;
  readonly flowLabel: number | null;
  readonly cpuAffinity: string | null;
}

export interface TraceSettings {
  readonly kind: 'trace';
  /** Max hops (traceroute -m, tracepath -m); 30 as in pScheduler. */
  readonly hops: number;
  /** Probes per hop; 1 as pScheduler's traceroute tool forces. */
  readonly queries: number;
  /** Seconds to wait for a probe (traceroute -w); 5 as traceroute's default. */
  readonly waitSec: number;
  readonly firstTtl: number | null;
  readonly probeType: 'udp' | 'icmp' | 'tcp';
  readonly destPort: number | null;
  /** Probe packet length (traceroute's trailing argument, tracepath -l). */
  readonly length: number | null;
  readonly tos: number | null;
  /** false → traceroute -F (do not fragment). */
  readonly fragment: boolean | null;
  readonly sendWaitSec: number | null;
  readonly flowLabel: number | null;
  readonly ipVersion: IpVersion | null;
}

export interface MtuSettings {
  readonly kind: 'mtu';
  readonly ipVersion: IpVersion | null;
  /** tracepath -p. */
  readonly port: number | null;
}

export type DirectCategory = Exclude<Category, 'clock'>;
export type DirectSettings = RttSettings | LatencySettings | ThroughputSettings | TraceSettings | MtuSettings;

export interface Parsed<T> {
  readonly settings: T;
  /** Flags the direct backend cannot honour (or values it could not read), for the caller to log. */
  readonly ignored: string[];
}
