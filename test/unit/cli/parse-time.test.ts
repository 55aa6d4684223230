import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../src/cli/parse-time.js';

const now = Date.parse('2026-11-26T12:00:00Z');

describe('--since/--until times', () => {
  it('spans back from now', () => {
    expect(parseTime('30m', now)?.toISOString()).toBe('2026-11-26T11:30:00.000Z');
    expect(parseTime('24h', now)?.toISOString()).toBe('2026-11-25T12:00:00.000Z');
    expect(parseTime('7d', now)?.toISOString()).toBe('2026-11-19T12:00:00.000Z');
  });
  it('RFC 3339 times and UTC dates', () => {
    expect(parseTime('2026-11-25T10:00:00Z', now)?.toISOString()).toBe('2026-11-25T10:00:00.000Z');
    expect(parseTime('2026-11-25T10:00:00+02:00', now)?.toISOString()).toBe('2026-11-25T08:00:00.000Z');
    expect(parseTime('2026-11-25', now)?.toISOString()).toBe('2026-11-25T00:00:00.000Z');
  });
  it('refuses local times without a zone and nonsense', () => {
    expect(parseTime('2026-11-25T10:00:00', now)).toBeNull();
    expect(parseTime('yesterday', now)).toBeNull();
    expect(parseTime('5y', now)).toBeNull();
    expect(parseTime('2026-13-45', now)).toBeNull();
  });
});
