// One planned measurement: what `psq plan` prints and what a measure job carries.
import type { Category, Direction } from './categories.js';

export interface MeasurementSpec {
  readonly testpoint: string;
  readonly category: Category;
  /** null: pScheduler picks the tool. */
  readonly tool: string | null;
  readonly dest: { readonly ip: string; readonly name: string };
  /** `%src` of the HOSTS entry: a source IP or an interface name (resolved on the testpoint). */
  readonly source: string | null;
  readonly direction: Direction;
  /** Test arguments after the destination, defaults applied. */
  readonly args: readonly string[];
}

/** Something the planner decided not to run, said out loud instead of silently. */
export interface PlanNote {
  readonly category: string;
  readonly tool: string | null;
  readonly message: string;
}

export interface Plan {
  readonly specs: readonly MeasurementSpec[];
  readonly notes: readonly PlanNote[];
}
