import { describe, expect, it } from 'vitest';
import { checkArchiverBinding } from '../../../src/archive/archiver-binding.js';

const CONFIGURED = 'http://127.0.0.1:8080/ps';

describe('checkArchiverBinding', () => {
  it('accepts the configured archiver, also spelled with another case, default port or trailing slash', () => {
    expect(checkArchiverBinding(CONFIGURED, CONFIGURED)).toEqual({ ok: true });
    expect(checkArchiverBinding('HTTP://127.0.0.1:8080/ps/', CONFIGURED)).toEqual({ ok: true });
    expect(checkArchiverBinding('https://Archiver.Example.org:443/ps', 'https://archiver.example.org/ps')).toEqual({ ok: true });
  });

  it('refuses any other archiver, path or port', () => {
    for (const other of ['http://127.0.0.1:9999/steal', 'http://127.0.0.1:8080/PS', 'http://127.0.0.1:8081/ps', 'https://127.0.0.1:8080/ps', 'http://localhost:8080/ps']) {
      const r = checkArchiverBinding(other, CONFIGURED);
      expect(r.ok, other).toBe(false);
      if (!r.ok) expect(r.why).toContain(`names another archiver than this queue's (${CONFIGURED})`);
    }
  });

  it('refuses user:password@ and host@host tricks, showing them without credentials', () => {
    const r1 = checkArchiverBinding('http://user:s3cret-pw@127.0.0.1:8080/ps', CONFIGURED);
    expect(r1.ok).toBe(false);
    if (!r1.ok) {
      expect(r1.shown).toBe('http://***@127.0.0.1:8080/ps');
      expect(r1.why).toContain('without user:password@');
    }
    const r2 = checkArchiverBinding('http://127.0.0.1:8080@attacker.example/ps', CONFIGURED);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.shown).toBe('http://***@attacker.example/ps');
  });

  it('refuses URLs with a query or fragment, and non-URLs', () => {
    expect(checkArchiverBinding(`${CONFIGURED}?x=1`, CONFIGURED).ok).toBe(false);
    expect(checkArchiverBinding('not a url', CONFIGURED).ok).toBe(false);
  });
});
