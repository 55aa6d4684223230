import { describe, expect, it } from 'vitest';
import { formatSummary, roundPassed, type RoundSummary } from '../../../src/operations/round-summary.js';

const base: RoundSummary = {
  testpoint: 'tp1',
  slot: '2026-11-26T01:00:00.000Z',
  measurements: [
    { jobId: 'a', category: 'rtt', label: 'rtt auto → h', state: 'succeeded', reason: null, resultFile: '/d/a.json', archived: true, deliveryJobIds: ['a1'] },
    { jobId: 'b', category: 'mtu', label: 'mtu auto → h', state: 'succeeded', reason: null, resultFile: '/d/b.json', archived: true, deliveryJobIds: ['b1'] },
  ],
  deliveries: [
    { jobId: 'a1', url: 'http://a/ps', state: 'delivered', reason: null },
    { jobId: 'b1', url: 'http://a/ps', state: 'delivered', reason: null },
  ],
  archiveUrls: ['http://a/ps'],
  dataDir: '/d',
};

describe('round summary', () => {
  it('passes only when every measurement succeeded and every delivery was accepted', () => {
    expect(roundPassed(base)).toBe(true);
    expect(roundPassed({ ...base, deliveries: [{ ...base.deliveries[0]!, state: 'pending' }] })).toBe(false);
    expect(roundPassed({ ...base, measurements: [{ ...base.measurements[0]!, state: 'failed', reason: 'x' }] })).toBe(false);
  });

  it('counts per category and per archiver, and shows failure reasons', () => {
    const text = formatSummary({
      ...base,
      measurements: [...base.measurements, { jobId: 'c', category: 'rtt', label: 'rtt ping → z', state: 'failed', reason: 'no result: pscheduler exited 1', resultFile: null, archived: false, deliveryJobIds: [] }],
      deliveries: [...base.deliveries, { jobId: 'c1', url: 'http://a/ps', state: 'failed', reason: 'HTTP 400' }],
    });
    expect(text).toContain('rtt         1 / 1');
    expect(text).toContain('mtu         1 / 0');
    expect(text).toContain('http://a/ps  2 / 1 / 0');
    expect(text).toContain('failed: rtt ping → z: no result: pscheduler exited 1');
    expect(text.split('\n').at(-1)).toBe('FAILED');
  });

  it('fails a round where an archived measurement has no delivery for some archiver, and names it', () => {
    const s: RoundSummary = {
      ...base,
      measurements: [base.measurements[0]!, { ...base.measurements[1]!, deliveryJobIds: [] }],
      deliveries: [base.deliveries[0]!],
    };
    expect(roundPassed(s)).toBe(false);
    const text = formatSummary(s);
    expect(text).toContain('not handed to every archiver: mtu auto → h (0 of 1 deliveries queued');
    expect(text.split('\n').at(-1)).toBe('FAILED');
    // Not archived (e.g. a failed measurement with ARCHIVE_FAILED=false): no delivery expected.
    expect(roundPassed({ ...s, measurements: [base.measurements[0]!, { ...base.measurements[1]!, archived: false, deliveryJobIds: [] }] })).toBe(true);
  });

  it('says so when there are no archivers', () => {
    expect(formatSummary({ ...base, archiveUrls: [], deliveries: [] })).toContain('results are kept on disk only');
  });
});
