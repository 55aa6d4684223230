// The pScheduler latency result as its halfping tool builds it from one ping run (delay = RTT / 2).
import { pingFailure, tally, type ParsedPing } from './ping.js';
import { pyFloatRepr, pyFloorDiv, pyRound } from './python-float.js';
import { failedResult, type FailedResult, type LatencyResult } from './results.js';
import { DEFAULT_BUCKET_WIDTH } from './settings.js';

/**
 * The pScheduler latency result as the halfping tool makes it (one-way delay = RTT / 2). Total
 * loss is `succeeded: true` with every packet lost and empty histograms, as halfping writes it.
 */
export function toHalfpingLatencyResult(
  parsed: ParsedPing,
  bucketWidth: number = DEFAULT_BUCKET_WIDTH,
  dest?: string,
): LatencyResult | FailedResult {
  const failure = pingFailure(parsed, dest);
  if (failure !== null) return failedResult(failure);
  const { firsts, duplicates, reorders } = tally(parsed);
  const histogramTtl: Record<string, number> = {};
  const histogramLatency: Record<string, number> = {};
  for (const r of firsts) {
    histogramTtl[String(r.ttl)] = (histogramTtl[String(r.ttl)] ?? 0) + 1;
    const key = halfpingBucket(r.rttMs, bucketWidth);
    histogramLatency[key] = (histogramLatency[key] ?? 0) + 1;
  }
  // halfping reports the requested count as sent, whatever ping printed.
  const sent = parsed.count ?? parsed.transmitted ?? firsts.length;
  return {
    schema: 1, succeeded: true,
    'packets-sent': sent, 'packets-received': firsts.length, 'packets-lost': Math.max(0, sent - firsts.length),
    'packets-duplicated': duplicates, 'packets-reordered': reorders,
    'histogram-latency': histogramLatency, 'histogram-ttl': histogramTtl,
  };
}

/**
 * halfping's key: the RTT goes through an ISO duration (µs) and back to ms, is halved, floored
 * to the bucket width with Python `//`, and written by `str(round(…, 2))`.
 */
export function halfpingBucket(rttMs: number, bucketWidth: number): string {
  const micros = Math.round(rttMs * 1000);
  const latency = ((micros / 1_000_000) * 1000) / 2;
  return pyFloatRepr(pyRound(pyFloorDiv(latency, bucketWidth) * bucketWidth, 2));
}
