// Expected values were printed by CPython 3 (see the comments); halfping's keys depend on them.
import { describe, expect, it } from 'vitest';
import { pyFloatRepr, pyFloorDiv, pyRound } from '../../../src/measure/direct/python-float.js';

describe('CPython float semantics', () => {
  it('floor division goes through fmod, like CPython', () => {
    // python3 -c 'print(1.0//0.01, 0.35//0.01, 0.7//0.1, -1.0//0.3)' → 99.0 34.0 6.0 -4.0
    expect(pyFloorDiv(1.0, 0.01)).toBe(99);
    expect(pyFloorDiv(0.35, 0.01)).toBe(34);
    expect(pyFloorDiv(0.7, 0.1)).toBe(6);
    expect(pyFloorDiv(-1.0, 0.3)).toBe(-4);
    expect(pyFloorDiv(5, 1)).toBe(5);
    expect(() => pyFloorDiv(1, 0)).toThrow(RangeError);
  });

  it('round(x, 2) rounds the exact binary value, ties to even', () => {
    // round(0.125,2) round(0.375,2) round(2.675,2) round(0.015,2) round(1.005,2) round(0.625,2) round(-0.125,2)
    // → 0.12 0.38 2.67 0.01 1.0 0.62 -0.12
    expect([0.125, 0.375, 2.675, 0.015, 1.005, 0.625, -0.125].map((x) => pyRound(x, 2))).toEqual([
      0.12, 0.38, 2.67, 0.01, 1.0, 0.62, -0.12,
    ]);
  });

  it('repr: ".0" on whole numbers, exponents outside 1e-4..1e16', () => {
    // repr(2.0) repr(1e-05) repr(1e16) repr(0.1+0.2) repr(123456.789) repr(5e-324) repr(1e-4)
    expect([2.0, 1e-5, 1e16, 0.1 + 0.2, 123456.789, 5e-324, 1e-4].map(pyFloatRepr)).toEqual([
      '2.0', '1e-05', '1e+16', '0.30000000000000004', '123456.789', '5e-324', '0.0001',
    ]);
    expect(pyFloatRepr(0)).toBe('0.0');
    expect(pyFloatRepr(0.35)).toBe('0.35');
    expect(pyFloatRepr(1532.38)).toBe('1532.38');
  });
});
