import { describe, expect, it } from 'vitest';
import { benchContext, figureLine, toFigure, type Figure } from '../../../bench/report.js';

describe('bench figures', () => {
  it('a ratio target is judged on value / ceiling, and the line names both', () => {
    const f = toFigure('fanout', { figure: '70,000 jobs added', value: 6, unit: 's', baseline: { name: 'raw addBulk', value: 4.8 }, target: { max: 1.2 } });
    expect(f).toMatchObject({ ratio: 1.25, met: false, target: '≤ 1.2× raw addBulk', baseline: { name: 'raw addBulk', value: 4.8 } });
    expect(figureLine(f)).toBe('  fanout: 70,000 jobs added = 6 s  ceiling 4.8 s (raw addBulk)  ratio 1.25  target ≤ 1.2× raw addBulk  MISSED');
    expect(toFigure('fanout', { figure: 'x', value: 5.7, unit: 's', baseline: { name: 'raw addBulk', value: 4.8 }, target: { max: 1.2 } }).met).toBe(true);
  });

  it('a value target ignores the ceiling; min and max both hold', () => {
    const f = toFigure('drain-remote', { figure: 'rate', value: 1200, unit: '/s', baseline: { name: 'undici loop', value: 3000 }, target: { min: 1000, of: 'value' } });
    expect(f).toMatchObject({ met: true, target: '≥ 1000 /s', ratio: 0.4 });
    expect(toFigure('idle', { figure: 'rss', value: 81, unit: 'MB', target: { max: 80 } }).met).toBe(false);
    expect(toFigure('idle', { figure: 'rss', value: 81, unit: 'MB', target: { min: 10, max: 100 } })).toMatchObject({ met: true, target: '≥ 10 MB and ≤ 100 MB' });
  });

  it('a figure without a target is context: met null, no ratio without a ceiling', () => {
    const f = toFigure('schedule-state', { figure: 'ticks', value: 2016, unit: 'ticks' });
    expect(f).toEqual({ scenario: 'schedule-state', figure: 'ticks', value: 2016, unit: 'ticks', target: null, met: null });
  });

  it('a ratio target without a ceiling is a mistake in the scenario, said at once', () => {
    expect(() => toFigure('drain', { figure: 'rate', value: 1, unit: '/s', target: { min: 0.6, of: 'ratio' } })).toThrow(/drain\/rate: a ratio target needs a baseline/);
  });

  it('the context collects each figure and prints it as it is reported', () => {
    const into: Figure[] = [];
    const lines: string[] = [];
    const ctx = benchContext('startup', into, (l) => lines.push(l));
    ctx.say('median of 3');
    ctx.report({ figure: 'list-tests', value: 90, unit: 'ms', baseline: { name: 'node -e 0', value: 75 }, target: { max: 2 } });
    expect(into).toHaveLength(1);
    expect(lines).toEqual(['  startup: median of 3', '  startup: list-tests = 90 ms  ceiling 75 ms (node -e 0)  ratio 1.2  target ≤ 2× node -e 0  met']);
  });
});
