import { describe, expect, it } from 'vitest';
import { clipText, jobDataBytes, jobDataSizeProblem, MAX_JOB_DATA_BYTES, refusalReason, showValue } from '../../../src/jobs/job-data-bounds.js';

describe('job data bounds', () => {
  it('measures job data as the JSON Redis holds', () => {
    expect(jobDataBytes({ a: 'é' })).toBe(Buffer.byteLength('{"a":"é"}'));
    expect(jobDataBytes(undefined)).toBe(0);
    const circular: Record<string, unknown> = {};
    circular['self'] = circular;
    expect(jobDataBytes(circular)).toBeNull();
  });

  it('names the size and the limit when over it', () => {
    expect(jobDataSizeProblem({ pad: 'x'.repeat(MAX_JOB_DATA_BYTES) })).toBe(`job data is ${MAX_JOB_DATA_BYTES + 10} bytes, over the 65536-byte limit for this queue`);
    expect(jobDataSizeProblem({ small: true })).toBeNull();
  });

  it('quotes values as JSON, clipped with their length', () => {
    expect(showValue('abc')).toBe('"abc"');
    expect(showValue(null)).toBe('null');
    expect(showValue(undefined)).toBe('undefined');
    expect(showValue('a\r\nb')).toBe('"a\\r\\nb"');
    expect(showValue('x'.repeat(1_000_000))).toBe(`"${'x'.repeat(79)}…(1000002 chars)`);
    expect(clipText('short', 10)).toBe('short');
  });

  it('a refusal reason stays short however many problems it lists', () => {
    const reason = refusalReason('job refused', Array.from({ length: 500 }, (_, i) => `problem ${i}`));
    expect(reason.length).toBeLessThan(1100);
    expect(reason.startsWith('job refused: problem 0; problem 1')).toBe(true);
  });
});
