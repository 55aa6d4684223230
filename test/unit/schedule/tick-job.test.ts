import { describe, expect, it } from 'vitest';
import { checkTick, type OwnSchedules } from '../../../src/schedule/tick-job.js';

const SCHEDULE = 'round__tp-a__0123456789';
const HASH = '0123456789abcdef';
const own: OwnSchedules = new Map([[SCHEDULE, { testpoint: 'tp-a', planHash: HASH }]]);
const tickJob = { id: `repeat:${SCHEDULE}:1764115200000`, repeatJobKey: SCHEDULE };
const tick = { testpoint: 'tp-a', schedule: SCHEDULE, planHash: HASH };

describe('schedule tick check (tick data is untrusted)', () => {
  it('a tick its own Job Scheduler made, for this scheduler\'s plan, is fanned out', () => {
    expect(checkTick(tick, tickJob, own)).toEqual({ kind: 'own', schedule: SCHEDULE });
  });

  it('a well-formed tick of another schedule or plan version is not this scheduler\'s to run (it may be handed on)', () => {
    const other = 'round__tp-b__9999999999';
    expect(checkTick({ testpoint: 'tp-b', schedule: other, planHash: HASH }, { id: `repeat:${other}:1`, repeatJobKey: other }, own))
      .toMatchObject({ kind: 'not-own', schedule: other, reason: expect.stringContaining('not scheduled by this scheduler') });
    expect(checkTick({ ...tick, planHash: 'ffffffffffffffff' }, tickJob, own))
      .toMatchObject({ kind: 'not-own', reason: expect.stringContaining("planHash ffffffffffffffff is not this scheduler's plan") });
  });

  it.each([
    ['specs carried along', { ...tick, specs: [] }, /tick field "specs" is not allowed/],
    ['yesterday\'s shape', { testpoint: 'tp-a', specs: [] }, /tick field "specs" is not allowed/],
    ['no plan hash', { testpoint: 'tp-a', schedule: SCHEDULE }, /planHash undefined is not 16 hex digits/],
    ['a bad testpoint', { ...tick, testpoint: 'tp a' }, /testpoint "tp a" is not a testpoint id/],
    ['a schedule of another testpoint', { ...tick, schedule: 'round__tp-b__0123456789' }, /schedule "round__tp-b__0123456789" is not a schedule of testpoint "tp-a"/],
    ['null', null, /tick data null is not an object/],
    ['an array', [tick], /is not an object/],
    ['a huge field', { ...tick, testpoint: 'x'.repeat(70_000) }, /job data is 70\d{3} bytes, over the 65536-byte limit/],
  ])('refuses %s', (_name, data, reason) => {
    const check = checkTick(data, tickJob, own);
    expect(check.kind).toBe('refuse');
    if (check.kind === 'refuse') {
      expect(check.problems.join('; ')).toMatch(reason);
      for (const p of check.problems) expect(p.length).toBeLessThan(400);
    }
  });

  it('refuses a tick its Job Scheduler did not make (added by hand), even with a correct reference', () => {
    const byHand = checkTick(tick, { id: 'forged-1' }, own);
    expect(byHand).toMatchObject({ kind: 'refuse' });
    expect(byHand.kind === 'refuse' && byHand.problems.join('; ')).toMatch(/did not make this job \(its job scheduler: null\)/);
    expect(byHand.kind === 'refuse' && byHand.problems.join('; ')).toMatch(/job id "forged-1" is not a tick id/);
  });

  it('refuses a testpoint that merely prefixes the schedule\'s owner (a vs a__b)', () => {
    const ownAB: OwnSchedules = new Map([['round__a__b__0123456789', { testpoint: 'a__b', planHash: HASH }]]);
    const check = checkTick({ testpoint: 'a', schedule: 'round__a__b__0123456789', planHash: HASH }, { id: 'repeat:round__a__b__0123456789:5', repeatJobKey: 'round__a__b__0123456789' }, ownAB);
    expect(check).toMatchObject({ kind: 'refuse', problems: [expect.stringContaining('does not own schedule')] });
  });
});
