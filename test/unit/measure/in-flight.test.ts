// One run per job id at a time: a second run of the same id waits for the first and shares its outcome.
import { describe, expect, it } from 'vitest';
import { inFlightRuns } from '../../../src/measure/in-flight.js';

class Outcome extends Error {}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('inFlightRuns', () => {
  it('a second run of the same key while the first is in flight does not start its own work and gets the same value', async () => {
    const runs = inFlightRuns<string>((e) => e instanceof Outcome);
    const first = deferred<string>();
    let started = 0;
    const joins: number[] = [];
    const a = runs.run('job-1', () => (started++, first.promise));
    const b = runs.run('job-1', async () => (started++, 'second'), { onJoin: (n) => joins.push(n.alreadyWaiting) });
    expect(runs.keys()).toEqual(['job-1']);
    first.resolve('measured once');
    expect(await Promise.all([a, b])).toEqual(['measured once', 'measured once']);
    expect(started).toBe(1);
    expect(joins).toEqual([0]);
    expect(runs.keys()).toEqual([]);
  });

  it('different keys run side by side', async () => {
    const runs = inFlightRuns<string>(() => true);
    let started = 0;
    const [a, b] = await Promise.all([runs.run('a', async () => (started++, 'A')), runs.run('b', async () => (started++, 'B'))]);
    expect([a, b, started]).toEqual(['A', 'B', 2]);
  });

  it('a failure that is the outcome (a failed measurement) is shared: the waiting run fails the same way without working', async () => {
    const runs = inFlightRuns<string>((e) => e instanceof Outcome);
    const first = deferred<string>();
    let started = 0;
    const a = runs.run('k', () => (started++, first.promise));
    const b = runs.run('k', async () => (started++, 'x'));
    first.reject(new Outcome('measurement failed: unreachable'));
    await expect(a).rejects.toThrow('measurement failed: unreachable');
    await expect(b).rejects.toThrow('measurement failed: unreachable');
    expect(started).toBe(1);
  });

  it('any other failure of the first run (interrupted, lost lock) lets the waiting run do the work itself, once', async () => {
    const runs = inFlightRuns<string>((e) => e instanceof Outcome);
    const first = deferred<string>();
    let started = 0;
    const a = runs.run('k', () => (started++, first.promise));
    const b = runs.run('k', async () => (started++, 'measured by the second'));
    const c = runs.run('k', async () => (started++, 'measured by the third'));
    first.reject(new Error('Missing lock for job k. moveToDelayed'));
    await expect(a).rejects.toThrow('Missing lock');
    // The second starts afresh; the third joins it rather than starting a third piece of work.
    expect(await b).toBe('measured by the second');
    expect(await c).toBe('measured by the second');
    expect(started).toBe(2);
    expect(runs.keys()).toEqual([]);
  });

  it('cancelling a waiting run cancels the run doing the work (BullMQ signals only the latest run of a job id)', async () => {
    const runs = inFlightRuns<string>(() => true);
    let seen: AbortSignal | null = null;
    const a = runs.run('k', (signal) => {
      seen = signal;
      return new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve('cut short')));
    });
    const waiting = new AbortController();
    const b = runs.run('k', async () => 'never', { signal: waiting.signal });
    expect(seen!.aborted).toBe(false);
    waiting.abort('worker shutting down');
    expect(await a).toBe('cut short');
    expect(await b).toBe('cut short');
  });

  it("the first run's own signal reaches its work", async () => {
    const runs = inFlightRuns<string>(() => true);
    const own = new AbortController();
    const a = runs.run('k', (signal) => new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve(String(signal.reason)))), { signal: own.signal });
    own.abort('shutdown');
    expect(await a).toBe('shutdown');
  });
});
