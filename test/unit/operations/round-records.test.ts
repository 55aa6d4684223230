// Round records are summed before they are written (heartbeat.ts): counts add up, the span widens.
import { describe, expect, it } from 'vitest';
import { addRecord, type RoundRecord } from '../../../src/operations/testpoint-status-rounds.js';

const rec = (startMs: number | null, endMs: number | null, outcome: RoundRecord['outcome'] = 'succeeded'): RoundRecord => ({ category: 'rtt', slotMs: 1000, outcome, startMs, endMs });

describe('addRecord (pure)', () => {
  it('starts a sum at one, adds up, takes the earliest start and the latest end', () => {
    let sum = addRecord(undefined, rec(5000, 6000));
    expect(sum).toMatchObject({ count: 1, startMs: 5000, endMs: 6000 });
    sum = addRecord(sum, rec(4000, 5500));
    sum = addRecord(sum, rec(5200, 9000));
    expect(sum).toEqual({ category: 'rtt', slotMs: 1000, outcome: 'succeeded', count: 3, startMs: 4000, endMs: 9000 });
  });

  it('a record without a start or end leaves the span as it is', () => {
    const sum = addRecord(addRecord(undefined, rec(null, null, 'dropped')), rec(3000, null, 'dropped'));
    expect(sum).toMatchObject({ count: 2, startMs: 3000, endMs: null });
    expect(addRecord(addRecord(undefined, rec(2000, 2500)), rec(null, null))).toMatchObject({ count: 2, startMs: 2000, endMs: 2500 });
  });
});
