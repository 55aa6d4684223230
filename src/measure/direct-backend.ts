// The direct backend: runs ping, iperf3, traceroute and tracepath here and writes pScheduler-shaped
// results, so archivers and Grafana cannot tell the difference. Tool failures become results with
// `succeeded: false` and an error saying what happened; they never crash the worker. A destination
// that answers nothing is not a tool failure: rtt and latency report it as 100 % loss, as pScheduler does.
import { isIP } from 'node:net';
import type { Logger } from '../logger.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import type { BackendOutcome, BackendRunContext, MeasureBackend, Support } from './backend.js';
import { IPERF3_BIN, iperf3ClientArgv, iperf3TimeoutMs, toThroughputResult } from './direct/iperf3.js';
import { toHalfpingLatencyResult } from './direct/halfping.js';
import { parsePing, PING_BIN, pingArgv, pingTimeoutMs, toRttResult } from './direct/ping.js';
import { failedResult } from './direct/results.js';
import { directSettings } from './direct/settings.js';
import type { IpVersion, LatencySettings, MtuSettings, RttSettings, ThroughputSettings, TraceSettings } from './direct/settings-types.js';
import {
  parseTracepath,
  parseTraceroute,
  toMtuResult,
  toTraceResultFromTracepath,
  TRACEPATH_BIN,
  tracepathArgv,
  tracepathTimeoutMs,
  TRACEROUTE_BIN,
  tracerouteArgv,
  tracerouteTimeoutMs,
} from './direct/trace.js';
import { runTool, type ToolRun } from './run-tool.js';

/** pScheduler tools this backend measures itself (null: pScheduler would pick; we pick the same kind). */
const SUPPORTED: Readonly<Record<MeasurementSpec['category'], readonly (string | null)[]>> = {
  rtt: [null, 'ping'],
  latency: [null, 'halfping'],
  throughput: [null, 'iperf3'],
  trace: [null, 'traceroute', 'tracepath'],
  mtu: [null, 'fwmtu'],
  clock: [],
};

const WHY_NOT: Readonly<Record<string, string>> = {
  clock: 'clock needs pScheduler (psclock compares the clocks of two pScheduler nodes); the direct backend cannot measure it',
  owping: 'owping needs pScheduler and an OWAMP server at the destination; the direct backend measures latency with halfping only',
  twping: 'twping needs pScheduler and a TWAMP server at the destination; the direct backend measures latency with halfping only',
  tcpping: 'tcpping needs pScheduler; the direct backend measures rtt with ping only',
};

export function directSupport(spec: MeasurementSpec): Support {
  if (spec.category === 'clock') return { ok: false, reason: WHY_NOT['clock']! };
  if (SUPPORTED[spec.category].includes(spec.tool)) return { ok: true };
  return { ok: false, reason: WHY_NOT[spec.tool ?? ''] ?? `${spec.tool} is not available without pScheduler` };
}

function ipVersionOf(dest: string): IpVersion | null {
  const v = isIP(dest);
  return v === 4 || v === 6 ? v : null;
}

/** A run that did not finish on its own, said plainly; null when the tool ran to its end. */
function runProblem(bin: string, run: ToolRun, timeoutMs: number): string | null {
  if (run.notFound) return `${bin} is not installed (Debian/Ubuntu package: ${bin === 'tracepath' ? 'iputils-tracepath' : bin === 'ping' ? 'iputils-ping' : bin})`;
  if (run.timedOut) return `${bin} timed out after ${timeoutMs} ms`;
  if (run.canceled) return `${bin} was cancelled (worker shutting down)`;
  return null;
}

export interface DirectBackendOptions {
  /** Port of the iperf3 servers (responders) at the destinations. */
  readonly iperf3Port: number;
  readonly logger?: Logger;
  /** The environment psq was started with (Config.processEnv), for run-tool.ts. */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
}

export function createDirectBackend(opts: DirectBackendOptions): MeasureBackend {
  async function measure(spec: MeasurementSpec, ctx: BackendRunContext): Promise<{ result: unknown; command: string }> {
    const category = spec.category;
    if (category === 'clock') throw new Error('unreachable: clock is not supported');
    const { settings, ignored } = directSettings(category, spec.args);
    if (ignored.length > 0) opts.logger?.warn({ category, ignored }, 'direct backend: test arguments it cannot honour were ignored');
    const dest = spec.dest.ip;
    const version = ipVersionOf(dest);
    const exec = async (bin: string, argv: string[], toolTimeoutMs: number) => {
      const timeoutMs = Math.min(ctx.timeoutMs, toolTimeoutMs);
      const run = await runTool(bin, argv, { timeoutMs, signal: ctx.signal, track: ctx.track, processEnv: opts.processEnv });
      return { run, problem: runProblem(bin, run, timeoutMs), command: [bin, ...argv].join(' ') };
    };

    if (category === 'rtt' || category === 'latency') {
      const s = settings as RttSettings | LatencySettings;
      const { run, problem, command } = await exec(PING_BIN, pingArgv(s, dest, ctx.source, version), pingTimeoutMs(s));
      if (problem) return { result: failedResult(problem), command };
      // A silent destination is a result (loss 1), not a failure: see pingFailure.
      const parsed = parsePing(run.stdout, run.stderr, s.count, run.exitCode);
      const result = s.kind === 'latency' ? toHalfpingLatencyResult(parsed, s.bucketWidth, dest) : toRttResult(parsed, dest);
      return { result, command };
    }
    if (category === 'throughput') {
      const s = settings as ThroughputSettings;
      const argv = iperf3ClientArgv(s, dest, ctx.source, spec.direction === 'reverse', opts.iperf3Port);
      const { run, problem, command } = await exec(IPERF3_BIN, argv, iperf3TimeoutMs(s));
      if (problem) return { result: { succeeded: false, error: `iperf3 returned an error: ${problem}`, diags: `Participant 0:\n${command}\n` }, command };
      return { result: toThroughputResult(run.stdout, run.stderr, run.exitCode, [IPERF3_BIN, ...argv]), command };
    }
    if (category === 'trace' && spec.tool !== 'tracepath') {
      const s = settings as TraceSettings;
      const { run, problem, command } = await exec(TRACEROUTE_BIN, tracerouteArgv(s, dest, ctx.source, version), tracerouteTimeoutMs(s));
      if (problem) return { result: failedResult(problem), command };
      return { result: parseTraceroute(run.stdout, run.stderr, run.exitCode), command };
    }
    // tracepath: the trace when configured so, and always the path MTU.
    const maxHops = category === 'trace' ? (settings as TraceSettings).hops : undefined;
    const argv = tracepathArgv(dest, version ?? (settings as TraceSettings | MtuSettings).ipVersion, { maxHops });
    const { run, problem, command } = await exec(TRACEPATH_BIN, argv, tracepathTimeoutMs(maxHops));
    if (problem) return { result: failedResult(problem), command };
    const parsed = parseTracepath(run.stdout, run.stderr, run.exitCode);
    return { result: category === 'trace' ? toTraceResultFromTracepath(parsed) : toMtuResult(parsed, dest), command };
  }

  return {
    name: 'direct',
    supports: directSupport,
    async run(spec: MeasurementSpec, ctx: BackendRunContext): Promise<BackendOutcome> {
      const { result, command } = await measure(spec, ctx);
      // Kept in memory, not written: the processor keeps it on disk if it can and delivers it either way.
      return { kind: 'ran', diags: command, output: `${JSON.stringify(result)}\n` };
    },
  };
}
