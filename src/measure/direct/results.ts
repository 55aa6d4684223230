// The pScheduler merged-result shapes the direct backend writes (reference/pscheduler.md §2).
import type { IcmpError } from './icmp-error.js';

/**
 * A failed rtt, latency, trace or mtu run: pScheduler's `{schema, succeeded}` plus a readable `error`.
 * For rtt and latency it means the tool could not measure (no route to send, bad address, tool
 * error); lost probes, even all of them, are a successful result with the loss in it.
 */
export interface FailedResult {
  readonly schema: 1;
  readonly succeeded: false;
  readonly error: string;
}

export function failedResult(error: string): FailedResult {
  return { schema: 1, succeeded: false, error };
}

/**
 * A failed throughput run, exactly as iperf3's merged-results writes it
 * (fixtures/pscheduler/throughput-failed.json): no `schema`, and `diags` is required.
 */
export interface ThroughputFailedResult {
  readonly succeeded: false;
  readonly diags: string;
  readonly error: string;
}

/** One rtt roundtrip: a reply (`length`, `ttl`, `rtt`) or an ICMP error for that probe (`error`). */
export interface RttRoundtrip {
  readonly seq: number;
  readonly ip: string;
  readonly length?: number;
  readonly ttl?: number;
  /** ISO 8601 duration. */
  readonly rtt?: string;
  readonly error?: IcmpError;
}

export interface RttResult {
  readonly schema: 1;
  readonly succeeded: true;
  readonly roundtrips: RttRoundtrip[];
  readonly sent: number;
  readonly received: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly reorders: number;
  /** Fraction 0..1, not percent; 1 when nothing answered. */
  readonly loss: number;
  /** min/max/mean/stddev: only when something replied. */
  readonly min?: string;
  readonly max?: string;
  readonly mean?: string;
  readonly stddev?: string;
}

export interface LatencyResult {
  readonly schema: 1;
  readonly succeeded: true;
  readonly 'packets-sent': number;
  readonly 'packets-received': number;
  readonly 'packets-lost': number;
  readonly 'packets-duplicated': number;
  readonly 'packets-reordered': number;
  /** Half the RTT in ms, floored to the bucket width, as a Python float string → packet count. */
  readonly 'histogram-latency': Record<string, number>;
  /** TTL as a string → packet count. */
  readonly 'histogram-ttl': Record<string, number>;
}

/** One stream or summary record of a throughput interval (iperf3 fields renamed). */
export interface ThroughputData {
  readonly 'stream-id'?: number;
  readonly start?: number;
  readonly end?: number;
  /** iperf3 `bytes`: bytes moved in the interval (not per second, whatever the schema says). */
  readonly 'throughput-bytes'?: number;
  readonly 'throughput-bits'?: number;
  readonly retransmits?: number;
  /** snd_cwnd, bytes. */
  readonly 'tcp-window-size'?: number;
  /** iperf3 microseconds, passed through. */
  readonly rtt?: number;
  readonly omitted?: boolean;
  readonly jitter?: number;
  readonly sent?: number;
  readonly lost?: number;
  readonly 'receiver-throughput-bits'?: number;
}

export interface ThroughputInterval {
  readonly streams: ThroughputData[];
  readonly summary: ThroughputData;
}

/** pScheduler's iperf3 tool writes no `schema` key (fixtures/pscheduler/throughput.json). */
export interface ThroughputResult {
  readonly succeeded: true;
  readonly intervals: ThroughputInterval[];
  readonly summary: ThroughputInterval;
  readonly diags: string;
}

/** One trace hop; a silent hop is `{}`. */
export interface TraceHop {
  readonly ip?: string;
  /** ISO 8601 duration. */
  readonly rtt?: string;
  readonly error?: IcmpError;
  /** Path MTU known at this hop (tracepath only). */
  readonly mtu?: number;
}

export interface TraceResult {
  readonly schema: 1;
  readonly succeeded: true;
  readonly paths: TraceHop[][];
}

export interface MtuResult {
  readonly schema: 1;
  readonly succeeded: true;
  readonly mtu: number;
}
