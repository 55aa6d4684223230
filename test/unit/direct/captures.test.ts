// Every captured output must be exercised by a test, and every capture must be complete.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allCaptureNames, capture } from './captures.js';

const TESTS = new URL('./', import.meta.url);

function testSources(): string {
  return readdirSync(TESTS)
    .filter((f) => f.endsWith('.test.ts') && f !== 'captures.test.ts')
    .map((f) => readFileSync(new URL(f, TESTS), 'utf8'))
    .join('\n');
}

describe('test/fixtures/tool-output', () => {
  it('holds the captures the README lists', () => {
    const readme = readFileSync(new URL('../../fixtures/tool-output/README.md', import.meta.url), 'utf8');
    const names = allCaptureNames();
    expect(names.length).toBeGreaterThanOrEqual(45);
    const listed = names.filter((n) => !n.endsWith('-server'));
    for (const name of listed) expect(readme).toContain(`| ${name} |`);
  });

  it('every capture has stdout, stderr and a numeric exit status', () => {
    for (const name of allCaptureNames()) expect(() => capture(name)).not.toThrow();
  });

  it('every capture is named in some unit test', () => {
    const sources = testSources();
    const unused = allCaptureNames().filter((name) => !sources.includes(`'${name}'`));
    expect(unused).toEqual([]);
  });
});
