import { describe, expect, it } from 'vitest';
import { recoveryHint } from '../../../src/archive/recovery-hint.js';

const URL = 'https://archiver.example.org';

describe('recoveryHint', () => {
  it('names psq retry-failed and psq replay for every failure', () => {
    for (const status of [400, 401, 403, 409, 422, null]) {
      const hint = recoveryHint('rejected', status, URL);
      expect(hint).toContain('`psq retry-failed');
      expect(hint).toContain('`psq replay --since');
    }
    expect(recoveryHint('exhausted', 503, URL)).toMatch(/psq retry-failed.*psq replay/);
  });

  it('says which setting to fix first', () => {
    expect(recoveryHint('rejected', 401, URL)).toMatch(/^fix AUTH_TOKEN, then run `psq retry-failed`/);
    expect(recoveryHint('rejected', 404, URL)).toBe(
      `fix ARCHIVE_URLS, then run \`psq retry-failed --from ${URL}\` to send these deliveries to the new URL ` +
        '(or `psq replay --since <time>` (sends the results again from the files on disk))',
    );
    expect(recoveryHint('rejected', 308, URL)).toContain('--from');
  });

  it('points refused jobs at replay, never at retrying them as they are', () => {
    expect(recoveryHint('refused', null, URL)).not.toContain('retry-failed');
    expect(recoveryHint('refused', null, URL)).toContain('psq replay');
    expect(recoveryHint('too-large', null, URL)).toContain('MAX_RESULT_BYTES');
  });
});
