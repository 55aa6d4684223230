// The contract between keeping a result (the measure worker writes it beside each result file) and
// replaying it (psq replay reads it to re-send the very same body): both import it from here.
import type { MeasurementSpec } from '../plan/measurement-spec.js';

/** Kept beside each result file; replay reads it to re-send the very same body. */
export interface ResultMeta {
  readonly run_id: string;
  readonly ts: string;
  readonly measureJobId: string;
  readonly testpoint: string;
  readonly category: MeasurementSpec['category'];
  readonly tool: string | null;
  readonly direction: MeasurementSpec['direction'];
  readonly src: { ip: string; name: string };
  readonly dst: { ip: string; name: string };
  readonly succeeded: boolean;
  /** Whether this result was handed to the archivers (false for a failure that was retried). */
  readonly archived: boolean;
}
