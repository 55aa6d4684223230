// How each kind of Redis connection behaves when Redis is slow or gone, named once. BullMQ takes
// options, not instances (it duplicates connections), so a kind is a function of the base options
// from REDIS_URL. Pure.

export type ConnectionKind =
  /** Workers and QueueEvents: block on Redis and wait out an outage (BullMQ's production guidance). */
  | 'worker'
  /**
   * A queue that must hand work over even during an outage (a measurement's deliveries): commands
   * wait in the offline queue until Redis is back instead of failing a finished measurement.
   */
  | 'handover'
  /** Adds and reads that a person or a request waits for (dashboard, commands): fail at once while Redis is down. */
  | 'producer'
  /** A long-lived side connection that must answer during an outage (dashboard health, scans): one retry, 2 s to connect. */
  | 'control'
  /** One question and gone (is Redis there? does it take the password?): no retries, no reconnects. */
  | 'probe';

/** The options a kind sets (ioredis names), on top of whatever base options (BullMQ's or ioredis's RedisOptions) it is given. */
export interface KindOptions {
  readonly maxRetriesPerRequest?: number | null;
  readonly enableOfflineQueue?: boolean;
  readonly connectTimeout?: number;
  readonly lazyConnect?: boolean;
  readonly retryStrategy?: (times: number) => number | null;
}

export function connectionFor<Options extends object>(kind: ConnectionKind, base: Options, timeoutMs = 2000): Options & KindOptions {
  switch (kind) {
    case 'worker':
      return { ...base, maxRetriesPerRequest: null };
    case 'handover':
      return { ...base, maxRetriesPerRequest: null, enableOfflineQueue: true };
    case 'producer':
      return { ...base, enableOfflineQueue: false };
    case 'control':
      return { ...base, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: timeoutMs, retryStrategy: (times: number) => Math.min(times * 500, 5000) };
    case 'probe':
      return { ...base, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false };
  }
}
