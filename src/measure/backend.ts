// The contract a measurement backend fulfils: run one spec, leave a pScheduler-shaped result.
import type { MeasurementSpec } from '../plan/measurement-spec.js';
import type { ToolTracker } from './run-tool.js';

export interface BackendRunContext {
  /** Resolved source address (from `%src`), or null. */
  readonly source: string | null;
  /**
   * Where a backend that writes its result to a file (pscheduler --output) must leave it: a private
   * scratch file, made on the first call. A backend that keeps its result in memory never calls it,
   * and so costs no temp directory per measurement.
   */
  outputFile(): Promise<string>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Records the tools it starts, so a worker that starts later can kill what a dead one left running. */
  readonly track?: ToolTracker;
}

export type BackendOutcome =
  /**
   * The backend ran; `output` is the result text when it kept it in memory (the direct backend, so
   * a full or read-only disk cannot lose it), else `outputFile` holds whatever it wrote (maybe
   * nothing: read-result decides).
   */
  | { readonly kind: 'ran'; readonly diags: string; readonly output?: string }
  /** It did not complete: non-zero exit, timeout, cancel. Retried. */
  | { readonly kind: 'no-result'; readonly reason: string; readonly diags: string }
  /** The tool is not installed: retrying cannot help. */
  | { readonly kind: 'tool-missing'; readonly message: string };

export type Support = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface MeasureBackend {
  readonly name: string;
  /** Whether this backend can measure the spec at all; unsupported specs are skipped, never passed. */
  supports(spec: MeasurementSpec): Support;
  run(spec: MeasurementSpec, ctx: BackendRunContext): Promise<BackendOutcome>;
}

export interface SkippedSpec {
  readonly spec: MeasurementSpec;
  readonly reason: string;
}

/** Split a plan into what this backend runs and what it skips (with the reason). Pure. */
export function partitionSupported(
  specs: readonly MeasurementSpec[],
  supports: MeasureBackend['supports'],
): { runnable: MeasurementSpec[]; skipped: SkippedSpec[] } {
  const runnable: MeasurementSpec[] = [];
  const skipped: SkippedSpec[] = [];
  for (const spec of specs) {
    const s = supports(spec);
    if (s.ok) runnable.push(spec);
    else skipped.push({ spec, reason: s.reason });
  }
  return { runnable, skipped };
}
