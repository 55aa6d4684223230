// The one polling helper tests use (test/helpers/eventually.ts).
import { describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/eventually.js';

describe('eventually', () => {
  it('returns the first answer that is not false, undefined or null', async () => {
    const answers = [false, undefined, null, 0, 7];
    expect(await eventually(() => answers.shift(), { intervalMs: 1 })).toBe(0);
    const later = [undefined, { job: 'j1' }];
    expect(await eventually(async () => later.shift(), { intervalMs: 1 })).toEqual({ job: 'j1' });
  });

  it('on timeout names what it waited for, asking a function only then', async () => {
    let seen = 'waiting';
    await expect(eventually(() => false, { timeoutMs: 30, intervalMs: 5, what: 'the archiver' })).rejects.toThrow('timed out after 30 ms waiting for the archiver');
    const asked = eventually(() => ((seen = 'active'), false), { timeoutMs: 30, intervalMs: 5, what: () => `job j1, still ${seen}` });
    await expect(asked).rejects.toThrow('timed out after 30 ms waiting for job j1, still active');
  });

  it('without `what`, names the probe by its source', async () => {
    const jobs: string[] = [];
    await expect(eventually(() => jobs.length === 2, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow('timed out after 20 ms waiting for `() => jobs.length === 2`');
  });

  it('does not retry a probe that throws', async () => {
    let calls = 0;
    const failing = eventually(() => {
      calls++;
      throw new Error('connection refused');
    }, { timeoutMs: 1000, intervalMs: 1 });
    await expect(failing).rejects.toThrow('connection refused');
    expect(calls).toBe(1);
  });
});
