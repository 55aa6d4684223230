// Exclusive throughput: one test at a time per testpoint (across all its worker processes) and per
// destination (across all testpoints), with leases in Redis that expire. A lock that outlived its
// owner would stop a testpoint's throughput until someone noticed; a lease held by a worker that
// died (SIGKILL, OOM, a host gone) frees itself within LEASE_TTL_MS, while a live holder renews it.
// A lease also says when its holder expects to be done (from how long this process's last
// throughput test held its slots), so a waiting testpoint asks again just then instead of polling
// blindly: a renewed lease's TTL says nothing about how long the test has left.
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
  | {
      readonly held: false;
      readonly key: string;
      readonly holder: string;
      /** Until the lease expires unless renewed (PTTL): when a dead holder's slot frees at the latest. */
      readonly remainingMs: number;
      /** Until the holder expects to be done (≤ 0: overdue); null when it did not say (first test, older psq). */
      readonly expectedRemainingMs: number | null;
    };

/** A lease's value: `<who> <uuid>`, and ` ~<expected end, ms since epoch>` when the holder knows it. */
const VALUE = /^(.*) [0-9a-f-]{36}(?: ~(\d+))?$/;

/** Pure: who holds a lease and until when they expect to, from its value (anything else: shown as it is). */
export function parseLeaseValue(value: string): { readonly holder: string; readonly expectedEndMs: number | null } {
  const m = VALUE.exec(value);
  if (!m) return { holder: value, expectedEndMs: null };
  return { holder: m[1]!, expectedEndMs: m[2] === undefined ? null : Number(m[2]) };
}

// How long this process's last throughput test held its slots, per lease connection (one per measure
// role): the tests of one testpoint share their arguments, so the last one says how long the next takes.
const lastHeldMs = new WeakMap<Redis, number>();

// The keys this process holds, per lease connection, each with a promise settled when its lease is
// let go: the next throughput job of the same testpoint, already taken by the worker, waits for it
// here and starts as soon as the tool before it is done, instead of after that job is finished
// (result kept, job completed) and a round trip through the delayed set.
const localLeases = new WeakMap<Redis, Map<string, LocalHold>>();

/** A key held (or being taken) in this process: settled when let go; `value` once taken in Redis. */
interface LocalHold {
  readonly gone: Promise<void>;
  value: string | null;
}

/** How long a job waits in this process for a lease this process holds, before it is told "held" like any other waiter. */
export const LOCAL_WAIT_MAX_MS = 15_000;

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
  /**
   * How long the holder expects to hold the lease, told to whoever waits; default: how long this
   * connection's previous lease was held (none before the first).
   */
  readonly expectedMs?: number;
  /** The clock (tests). */
  readonly now?: () => number;
  /** How long to wait for a lease this process holds on one of `keys` (default LOCAL_WAIT_MAX_MS). */
  readonly localWaitMs?: number;
}

/** A claim on keys in this process: let go once the lease is freed (or was never had). */
interface LocalClaim {
  /** Once the keys are ours in Redis: what local waiters are told if they give up waiting. */
  taken(value: string): void;
  letGo(): void;
}

/**
 * Waits until no key of `keys` is held in this process and claims them at once (no await between
 * the check and the claim, so two jobs of this process never both go on to Redis for one key), or
 * gives up after `ms`: then the key still held here and its hold.
 */
async function claimLocally(
  held: Map<string, LocalHold>,
  keys: readonly string[],
  ms: number,
  now: () => number,
): Promise<{ readonly claim: LocalClaim } | { readonly key: string; readonly hold: LocalHold }> {
  const deadline = now() + ms;
  for (;;) {
    const busy = keys.filter((k) => held.has(k));
    if (busy.length === 0) {
      let resolve!: () => void;
      const hold: LocalHold = { gone: new Promise<void>((r) => (resolve = r)), value: null };
      for (const key of keys) held.set(key, hold);
      return {
        claim: {
          taken: (value) => (hold.value = value),
          letGo() {
            for (const key of keys) if (held.get(key) === hold) held.delete(key);
            resolve();
          },
        },
      };
    }
    const left = deadline - now();
    if (left <= 0) return { key: busy[0]!, hold: held.get(busy[0]!)! };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(busy.map((k) => held.get(k)!.gone)), new Promise<void>((r) => (timer = setTimeout(r, left)))]);
    clearTimeout(timer);
  }
}

/**
 * Takes every key in `keys` for `who` (a label shown to whoever waits: testpoint and job), or says
 * who holds one. A held lease is renewed until released.
 */
export async function acquireLeases(client: Redis, keys: readonly string[], who: string, options: LeaseOptions = {}): Promise<LeaseAttempt> {
  const ttlMs = options.ttlMs ?? LEASE_TTL_MS;
  const renewMs = options.renewMs ?? LEASE_RENEW_MS;
  const now = options.now ?? Date.now;
  let held = localLeases.get(client);
  if (held === undefined) {
    held = new Map();
    localLeases.set(client, held);
  }
  const local = await claimLocally(held, keys, options.localWaitMs ?? LOCAL_WAIT_MAX_MS, now);
  if (!('claim' in local)) {
    // Still held by a test of this process: never ask Redis, whose lease may have lapsed meanwhile.
    const { holder, expectedEndMs } = parseLeaseValue(local.hold.value ?? '');
    return { held: false, key: local.key, holder, remainingMs: ttlMs, expectedRemainingMs: expectedEndMs === null ? null : expectedEndMs - now() };
  }
  const { claim } = local;
  // The value names the holder for the waiting side's log line, the uuid makes it ours alone, and
  // the expected end tells the waiting side when to ask again.
  const expectedMs = options.expectedMs ?? lastHeldMs.get(client);
  const acquiredAt = now();
  const owner = `${who} ${randomUUID()}${expectedMs === undefined ? '' : ` ~${Math.round(acquiredAt + expectedMs)}`}`;
  let answer: [number, string?, string?, number?];
  try {
    answer = (await client.eval(ACQUIRE, keys.length, ...keys, owner, String(ttlMs))) as [number, string?, string?, number?];
  } catch (err) {
    claim.letGo();
    throw err;
  }
  if (answer[0] !== 1) {
    claim.letGo();
    const { holder, expectedEndMs } = parseLeaseValue(String(answer[2] ?? ''));
    return {
      held: false,
      key: String(answer[1]),
      holder,
      remainingMs: Math.max(0, Number(answer[3] ?? 0)),
      expectedRemainingMs: expectedEndMs === null ? null : expectedEndMs - now(),
    };
  }
  claim.taken(owner);
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
          lastHeldMs.set(client, now() - acquiredAt);
          try {
            await client.eval(RELEASE, keys.length, ...keys, owner);
          } finally {
            // After the keys are freed in Redis: a local waiter's ACQUIRE must find them free.
            claim.letGo();
          }
        })();
        return released;
      },
      lost: () => lost,
    },
  };
}
