// Exclusive throughput: one test at a time per testpoint (across all its worker processes) and per
// destination (across all testpoints), with leases in Redis that expire. A lock that outlived its
// owner would stop a testpoint's throughput until someone noticed; a lease held by a worker that
// died (SIGKILL, OOM, a host gone) frees itself within LEASE_TTL_MS, while a live holder renews it.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** How long a lease lives without renewal: how soon a dead holder's slot frees. */
export const LEASE_TTL_MS = 15_000;
/** Renewed this often while the test runs: two renewals may fail (a Redis blip) before it expires. */
export const LEASE_RENEW_MS = 5_000;

/** Per-testpoint state lives under <prefix>:tp:<testpoint>:*, shared leases under <prefix>:lease:* (see `psq acl`). */
export function testpointLeaseKey(prefix: string, testpoint: string): string {
  return `${prefix}:tp:${testpoint}:throughput-lease`;
}

export function destinationLeaseKey(prefix: string, destIp: string): string {
  return `${prefix}:lease:dest:${destIp}`;
}

// Both keys or neither, atomically: two testpoints each holding one of the pair would wait on
// each other forever. Returns 1, or the first holder found and its remaining ms.
const ACQUIRE = `
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder and holder ~= ARGV[1] then return {0, key, holder, redis.call('PTTL', key)} end
end
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[1], 'PX', ARGV[2]) end
return {1}
`;

// Only while still ours: a lease that expired and was taken by another holder is left alone.
const RENEW = `
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]); n = n + 1 end
end
return n
`;

const RELEASE = `
local n = 0
for i, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key); n = n + 1 end
end
return n
`;

export type LeaseAttempt =
  | { readonly held: true; readonly lease: HeldLease }
  | { readonly held: false; readonly key: string; readonly holder: string; readonly remainingMs: number };

export interface HeldLease {
  /** Stops renewing and frees the keys (if still ours). Idempotent. */
  release(): Promise<void>;
  /** Whether a renewal found a key no longer ours (it expired: Redis was out of reach too long). */
  lost(): boolean;
}

export interface LeaseOptions {
  readonly ttlMs?: number;
  readonly renewMs?: number;
  /** Told once when a renewal fails or finds the lease gone; the test goes on (it cannot be un-run). */
  readonly onTrouble?: (what: string) => void;
}

/**
 * Takes every key in `keys` for `who` (a label shown to whoever waits: testpoint and job), or says
 * who holds one. A held lease is renewed until released.
 */
export async function acquireLeases(client: Redis, keys: readonly string[], who: string, options: LeaseOptions = {}): Promise<LeaseAttempt> {
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const renewMs = options.renewMs ?? LEASE_RENEW_MS;
  // The value names the holder for the waiting side's log line; the uuid makes it ours alone.
  const owner = `${who} ${randomUUID()}`;
  const answer = (await client.eval(ACQUIRE, keys.length, ...keys, owner, String(ttlMs))) as [number, string?, string?, number?];
  if (answer[0] !== 1) {
    const holder = String(answer[2] ?? '').replace(/ [0-9a-f-]{36}$/, '');
    return { held: false, key: String(answer[1]), holder, remainingMs: Math.max(0, Number(answer[3] ?? 0)) };
  }
  let lost = false;
  let troubled = false;
  const trouble = (what: string) => {
    if (troubled) return;
    troubled = true;
    options.onTrouble?.(what);
  };
  const timer = setInterval(() => {
    (client.eval(RENEW, keys.length, ...keys, owner, String(ttlMs)) as Promise<number>).then(
      (n) => {
        if (n < keys.length) {
          lost = true;
          trouble('a throughput lease expired while its test ran (Redis out of reach?); another test may overlap');
        }
      },
      (err: unknown) => trouble(`renewing a throughput lease failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }, renewMs);
  timer.unref();
  let released: Promise<void> | null = null;
  return {
    held: true,
    lease: {
      release() {
        released ??= (async () => {
          clearInterval(timer);
          await client.eval(RELEASE, keys.length, ...keys, owner);
        })();
        return released;
      },
      lost: () => lost,
    },
  };
}
