// --since/--until values: an RFC 3339 time or date, or a span back from now (30m, 24h, 7d). Pure.

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseTime(value: string, nowMs: number): Date | null {
  const rel = /^(\d+)([smhd])$/.exec(value.trim());
  if (rel) return new Date(nowMs - Number(rel[1]) * UNITS[rel[2]!]!);
  // Only full dates or date-times with a zone: a bare local time would depend on the machine.
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i.test(value.trim())) return null;
  const t = Date.parse(value.trim().length === 10 ? `${value.trim()}T00:00:00Z` : value.trim());
  return Number.isNaN(t) ? null : new Date(t);
}

export const TIME_EXPECTED = 'an RFC 3339 time (2026-11-25T10:00:00Z), a date (2026-11-25, UTC) or a span back from now (30m, 24h, 7d)';
