// The one sleep and the one deadline every module uses (src/async.ts).
import { describe, expect, it } from 'vitest';
import { sleep, withTimeout } from '../../src/async.js';

/** Timers that keep the event loop alive right now (unref'd ones are not counted by Node). */
const liveTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('sleep', () => {
  it('resolves (with nothing) once the time has passed', async () => {
    const started = Date.now();
    await expect(sleep(50)).resolves.toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe('withTimeout', () => {
  it("passes the work's own value and its own rejection through", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
    await expect(withTimeout(Promise.reject(new Error('refused')), 1000, 'x')).rejects.toThrow('refused');
  });

  it('rejects naming what timed out and after how long, when the work does not settle', async () => {
    await expect(withTimeout(new Promise(() => undefined), 30, 'redis ping')).rejects.toThrow('redis ping timed out after 30 ms');
  });

  it('rejects with the caller’s own error when given one (its code kept)', async () => {
    const err = await withTimeout(new Promise(() => undefined), 30, 'x', { error: (ms) => Object.assign(new Error(`no answer in ${ms} ms`), { code: 'ETIMEDOUT' }) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ message: 'no answer in 30 ms', code: 'ETIMEDOUT' });
  });

  it('a deadline alone does not hold the process open, unless asked to; the timer is cleared when the work settles', async () => {
    const before = liveTimers();
    let finish!: () => void;
    const work = new Promise<void>((resolve) => (finish = resolve));
    const unheld = withTimeout(work, 60_000, 'x');
    expect(liveTimers()).toBe(before);
    const held = withTimeout(work, 60_000, 'x', { keepAlive: true });
    expect(liveTimers()).toBe(before + 1);
    finish();
    await Promise.all([unheld, held]);
    expect(liveTimers()).toBe(before);
  });
});
