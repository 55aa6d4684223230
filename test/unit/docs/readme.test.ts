// The README's configuration table is generated from src/config/variables.ts; keep them in step.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmeTable } from '../../../scripts/env-docs.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('holds the configuration table exactly as variables.ts generates it', () => {
    const m = /<!-- env-table:start[^>]*-->\n([\s\S]*?)\n<!-- env-table:end -->/.exec(readme);
    expect(m, 'env-table markers missing').not.toBeNull();
    expect(m![1]).toBe(readmeTable());
  });

  it('its test command is the one CI runs', () => {
    expect(readme).toContain('\nnpm test ');
    expect(readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8').trim().split('\n').at(-1)).toBe('npm test');
  });
});
