// Which measurements this testpoint's own configuration plans. A measure job is only run when its
// spec is one of them: job data is untrusted (Redis or dashboard access can write it), and such
// access must not become "measure any address with any arguments from this testpoint".
// A compact job (data without a spec, fan-out.ts) is resolved here from its id alone, so nothing
// from its data reaches a tool's argv. Pure.
import { clipText } from '../jobs/job-data-bounds.js';
import { measureSpecKey } from '../plan/job-id.js';
import type { MeasurementSpec } from '../plan/measurement-spec.js';

/** Everything that decides what a measurement does, in a fixed order. */
function specKey(spec: MeasurementSpec): string {
  return JSON.stringify([spec.testpoint, spec.category, spec.tool, spec.dest.ip, spec.dest.name, spec.source, spec.direction, spec.args]);
}

export interface PlannedSpecs {
  /** null when the spec is planned; otherwise why not, for the job's failedReason. */
  check(spec: MeasurementSpec): string | null;
  /**
   * The planned spec a measure job id names (measureJobId: the id without its slot), or why there is
   * none, for the job's failedReason.
   */
  resolve(jobId: string): { readonly spec: MeasurementSpec } | { readonly reason: string };
}

export function plannedSpecs(specs: readonly MeasurementSpec[]): PlannedSpecs {
  const keys = new Set(specs.map(specKey));
  // The first spec of a key wins: fan-out gives a later one the same job id, which BullMQ ignores.
  const byKey = new Map<string, MeasurementSpec>();
  for (const spec of specs) {
    const key = measureSpecKey(spec);
    if (!byKey.has(key)) byKey.set(key, spec);
  }
  const dests = new Set(specs.map((s) => `${s.dest.ip}\u0000${s.dest.name}\u0000${s.source ?? ''}`));
  return {
    resolve(jobId) {
      const cut = jobId.lastIndexOf('__');
      const spec = cut > 0 && /^\d+$/.test(jobId.slice(cut + 2)) ? byKey.get(jobId.slice(0, cut)) : undefined;
      return spec !== undefined
        ? { spec }
        : { reason: `job id ${JSON.stringify(clipText(jobId, 200))} names no measurement in this testpoint's plan (its HOSTS/TESTS/TOOLS/REVERSE): only planned measurements run` };
    },
    check(spec) {
      if (keys.has(specKey(spec))) return null;
      const label = `${spec.category}/${spec.tool ?? 'auto'} ${spec.direction} to ${spec.dest.name} (${spec.dest.ip})${spec.source ? ` from ${spec.source}` : ''}`;
      return dests.has(`${spec.dest.ip}\u0000${spec.dest.name}\u0000${spec.source ?? ''}`)
        ? `spec ${label} with args ${JSON.stringify(spec.args).slice(0, 200)} is not in this testpoint's plan (its HOSTS/TESTS/TOOLS/*_ARGS): only planned measurements run`
        : `spec.dest ${spec.dest.name} (${spec.dest.ip}) is not a destination in this testpoint's HOSTS: only planned measurements run`;
    },
  };
}
