// The contract between the measure worker (which adds archive jobs) and the archive worker (which
// sends them); both import it, neither imports the other. What an archive job carries: the whole request body, so any machine that reaches Redis and
// the archiver can deliver it. Never the token: that is read from configuration at send time.
import type { Config } from '../config/config.js';
import type { Category, Direction } from '../plan/categories.js';

export interface NodeRef {
  readonly ip: string;
  readonly name: string;
}

/** The archiver API body (DESIGN.md, "The archiver API"). Exactly these keys. */
export interface ArchiveBody {
  readonly src: NodeRef;
  readonly dst: NodeRef;
  readonly direction: Direction;
  /** Measurement start, RFC 3339 UTC; fixed when the result is saved, identical on every re-delivery. */
  readonly ts: string;
  /** Stable per measurement job, so re-delivery upserts. */
  readonly run_id: string;
  readonly raw: unknown;
}

export interface ArchiveJobData {
  /**
   * Archiver base URL (no trailing slash) this delivery is for. Informational: the worker sends to
   * the URL its configuration binds to the queue, and refuses the job if this names another one.
   */
  readonly url: string;
  readonly category: Category;
  readonly body: ArchiveBody;
  /** The local record this delivery came from (for replay and operators); null when DATA_DIR could not keep it. */
  readonly resultFile: string | null;
  readonly testpoint: string;
  /** Whether the measurement itself succeeded (shown in the dashboard). */
  readonly measurementSucceeded: boolean;
}

/** An archive job's place: its queue (one per archiver) and id. */
export interface ArchiveJobRef {
  readonly queue: string;
  readonly id: string;
}

export const ARCHIVE_BACKOFF_TYPE = 'archive';

/** Options for every archive job: retries via the 'archive' strategy; failed jobs kept 30 days for a manual retry. */
export function archiveJobOptions(config: Pick<Config, 'archiveAttempts' | 'archiveBackoffMs' | 'archiveFailedKeepDays'>) {
  return {
    attempts: config.archiveAttempts,
    backoff: { type: ARCHIVE_BACKOFF_TYPE, delay: config.archiveBackoffMs },
    removeOnComplete: { age: 86_400, count: 10_000 },
    removeOnFail: { age: config.archiveFailedKeepDays * 86_400 },
  };
}
