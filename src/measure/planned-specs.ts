// Which measurements this testpoint's own configuration plans. A measure job is only run when its
// spec is one of them: job data is untrusted (Redis or dashboard access can write it), and such
// access must not become "measure any address with any arguments from this testpoint".
import type { MeasurementSpec } from '../plan/measurement-spec.js';

/** Everything that decides what a measurement does, in a fixed order. */
function specKey(spec: MeasurementSpec): string {
  return JSON.stringify([spec.testpoint, spec.category, spec.tool, spec.dest.ip, spec.dest.name, spec.source, spec.direction, spec.args]);
}

export interface PlannedSpecs {
  /** null when the spec is planned; otherwise why not, for the job's failedReason. */
  check(spec: MeasurementSpec): string | null;
}

export function plannedSpecs(specs: readonly MeasurementSpec[]): PlannedSpecs {
  const keys = new Set(specs.map(specKey));
  const dests = new Set(specs.map((s) => `${s.dest.ip}\u0000${s.dest.name}\u0000${s.source ?? ''}`));
  return {
    check(spec) {
      if (keys.has(specKey(spec))) return null;
      const label = `${spec.category}/${spec.tool ?? 'auto'} ${spec.direction} to ${spec.dest.name} (${spec.dest.ip})${spec.source ? ` from ${spec.source}` : ''}`;
      return dests.has(`${spec.dest.ip}\u0000${spec.dest.name}\u0000${spec.source ?? ''}`)
        ? `spec ${label} with args ${JSON.stringify(spec.args).slice(0, 200)} is not in this testpoint's plan (its HOSTS/TESTS/TOOLS/*_ARGS): only planned measurements run`
        : `spec.dest ${spec.dest.name} (${spec.dest.ip}) is not a destination in this testpoint's HOSTS: only planned measurements run`;
    },
  };
}
