// Throughput leases against real Redis: a waiter learns when the holder expects to be done; a second
// job of the same process waits for the first's lease in-process and takes it as it is let go; the
// lease's guarantees (compare-and-delete, expiry of a holder that stops renewing) stay.
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acquireLeases, parseLeaseValue, type HeldLease, type LeaseAttempt } from '../../src/measure/throughput-leases.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { testPrefix } from '../helpers/test-context.js';

function client(): Redis {
  const c = new Redis(TEST_REDIS_URL);
  onTestFinished(() => c.disconnect());
  return c;
}

function held(a: LeaseAttempt): HeldLease {
  if (!a.held) throw new Error(`not held: ${a.holder}`);
  return a.lease;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('lease values', () => {
  it('name the holder and, when it knows, its expected end', () => {
    expect(parseLeaseValue('tp-a job-1 0b6c4f7e-1d2a-4c3b-9e8f-7a6b5c4d3e2f ~1796164612054')).toEqual({ holder: 'tp-a job-1', expectedEndMs: 1796164612054 });
    expect(parseLeaseValue('tp-a job-1 0b6c4f7e-1d2a-4c3b-9e8f-7a6b5c4d3e2f')).toEqual({ holder: 'tp-a job-1', expectedEndMs: null });
    expect(parseLeaseValue('something else')).toEqual({ holder: 'something else', expectedEndMs: null });
  });
});

describe('throughput leases (real Redis)', () => {
  it('tells a waiter in another process when the holder expects to be done: from its previous lease, or as it says', async () => {
    const keys = [`${testPrefix()}:lease:dest:192.0.2.1`];
    const a = client();
    const b = client();
    // Nothing known before a first lease.
    const first = held(await acquireLeases(a, keys, 'tp-a j1'));
    const told = await acquireLeases(b, keys, 'tp-b j1');
    expect(told).toMatchObject({ held: false, key: keys[0], holder: 'tp-a j1', expectedRemainingMs: null });
    await sleep(300);
    await first.release();
    // The next lease of the same connection expects to be held as long as the one before (~300 ms).
    const second = held(await acquireLeases(a, keys, 'tp-a j2'));
    const waiting = await acquireLeases(b, keys, 'tp-b j1');
    if (waiting.held) throw new Error('taken twice');
    expect(waiting.expectedRemainingMs).toBeGreaterThan(200);
    expect(waiting.expectedRemainingMs).toBeLessThanOrEqual(400);
    expect(waiting.remainingMs).toBeGreaterThan(10_000);
    await second.release();
    const said = held(await acquireLeases(a, keys, 'tp-a j3', { expectedMs: 60_000 }));
    const later = await acquireLeases(b, keys, 'tp-b j1');
    expect(later.held ? null : later.expectedRemainingMs).toBeGreaterThan(59_000);
    await said.release();
    await held(await acquireLeases(b, keys, 'tp-b j1')).release();
  });

  it('a second job of the same process waits for the first to let go and takes the slot at once, never before', async () => {
    const keys = [`${testPrefix()}:tp:tp-a:throughput-lease`, `${testPrefix()}:lease:dest:192.0.2.1`];
    const a = client();
    const first = held(await acquireLeases(a, keys, 'tp-a j1'));
    let secondAt = 0;
    const second = acquireLeases(a, [keys[0]!, `${testPrefix()}:lease:dest:192.0.2.2`], 'tp-a j2').then((r) => {
      secondAt = Date.now();
      return r;
    });
    await sleep(300);
    expect(secondAt).toBe(0);
    const releasedAt = Date.now();
    await first.release();
    const got = held(await second);
    expect(secondAt - releasedAt).toBeLessThan(200);
    expect(await a.get(keys[1]!)).toBeNull();
    expect(await a.get(keys[0]!)).toMatch(/^tp-a j2 /);
    await got.release();
    expect(await a.get(keys[0]!)).toBeNull();
  });

  it('two jobs of one process taken at the same moment: one holds, the other waits for it (never both asking Redis)', async () => {
    const keys = [`${testPrefix()}:tp:tp-a:throughput-lease`];
    const a = client();
    const [x, y] = await Promise.all([acquireLeases(a, keys, 'tp-a j1', { localWaitMs: 100 }), acquireLeases(a, keys, 'tp-a j2', { localWaitMs: 100 })]);
    // The second gave up waiting in-process after 100 ms and was told who holds it, without asking Redis.
    expect([x.held, y.held]).toEqual([true, false]);
    expect(y).toMatchObject({ held: false, holder: 'tp-a j1' });
    await held(x).release();
  });

  it('keeps its guarantees: a release frees only its own lease, and a holder that stops renewing loses it at the TTL', async () => {
    const keys = [`${testPrefix()}:lease:dest:192.0.2.9`];
    const a = client();
    const b = client();
    const short = held(await acquireLeases(a, keys, 'tp-a j1', { ttlMs: 300, renewMs: 60_000 }));
    await sleep(450);
    const next = held(await acquireLeases(b, keys, 'tp-b j1'));
    await short.release();
    expect(await b.get(keys[0]!)).toMatch(/^tp-b j1 /);
    await next.release();
    expect(await b.get(keys[0]!)).toBeNull();
  });
});
