import { describe, expect, it } from 'vitest';
import { deliverySummary } from '../../../src/archive/delivery-summary.js';
import { capturedLogger } from '../../helpers/captured-logger.js';
import { eventually } from '../../helpers/eventually.js';

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('deliverySummary', () => {
  it('logs one info line per interval with the count, and none while nothing was delivered', async () => {
    const lines: string[] = [];
    const s = deliverySummary(capturedLogger(lines), { url: 'http://a/ps' }, 30);
    try {
      for (let i = 0; i < 5; i++) s.delivered();
      const line = await eventually(() => parsed(lines).find((l) => l.delivered !== undefined), { timeoutMs: 2000, intervalMs: 10 });
      expect(line).toMatchObject({ level: 30, url: 'http://a/ps', delivered: 5 });
      expect(String(line.msg)).toMatch(/^archive delivered 5 in the last [\d.]+ s$/);
      // Idle intervals add nothing.
      await new Promise((r) => setTimeout(r, 120));
      expect(parsed(lines).filter((l) => l.delivered !== undefined)).toHaveLength(1);
    } finally {
      s.close();
    }
  });

  it('on close, logs what was counted since the last line, once', () => {
    const lines: string[] = [];
    const s = deliverySummary(capturedLogger(lines), { url: 'http://a/ps' }, 60_000);
    s.delivered();
    s.delivered();
    s.close();
    s.close();
    expect(parsed(lines).map((l) => l.delivered)).toEqual([2]);
  });
});
