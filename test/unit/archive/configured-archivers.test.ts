// replay and retry-failed send only to configured archivers: --archiver narrows, never widens.
import { describe, expect, it } from 'vitest';
import { chooseArchivers, parseFromArchiver } from '../../../src/archive/configured-archivers.js';

const CONFIGURED = ['https://a.example.org/ps', 'https://b.example.org/ps'];

describe('chooseArchivers', () => {
  it('all configured archivers without --archiver', () => {
    expect(chooseArchivers(CONFIGURED, null)).toEqual({ ok: true, urls: CONFIGURED });
  });
  it('--archiver picks one of them, compared in canonical form', () => {
    expect(chooseArchivers(CONFIGURED, 'https://B.example.org:443/ps/')).toEqual({ ok: true, urls: ['https://b.example.org/ps'] });
  });
  it('an unconfigured --archiver is refused, naming the value and listing the configured ones', () => {
    const r = chooseArchivers(CONFIGURED, 'http://attacker.example/steal');
    expect(r.ok).toBe(false);
    const error = (r as { error: string }).error;
    expect(error).toContain('--archiver http://attacker.example/steal: not a configured archiver');
    expect(error).toContain('ARCHIVE_URLS has: https://a.example.org/ps, https://b.example.org/ps');
  });
  it('a password in --archiver is never shown', () => {
    const r = chooseArchivers(CONFIGURED, 'https://user:s3cret@a.example.org/ps');
    expect(JSON.stringify(r)).not.toContain('s3cret');
    expect(r.ok).toBe(false);
  });
  it('empty ARCHIVE_URLS: nothing to send to', () => {
    expect(chooseArchivers([], null)).toEqual({ ok: false, error: 'no archivers: ARCHIVE_URLS is empty' });
    expect((chooseArchivers([], 'https://a.example.org/ps') as { error: string }).error).toContain('ARCHIVE_URLS is empty');
  });
});

describe('parseFromArchiver', () => {
  it('an archiver no longer configured, canonical', () => {
    expect(parseFromArchiver(CONFIGURED, 'https://a.example.org/')).toEqual({ ok: true, url: 'https://a.example.org' });
  });
  it('refuses one that is still configured, saying why', () => {
    const r = parseFromArchiver(CONFIGURED, 'https://a.example.org/ps/');
    expect(r.ok).toBe(false);
    expect((r as { error: string }).error).toMatch(/--from https:\/\/a\.example\.org\/ps: this archiver is still in ARCHIVE_URLS.*plain `psq retry-failed`/);
  });
  it('refuses a value that is not an archiver URL, and an empty ARCHIVE_URLS', () => {
    expect((parseFromArchiver(CONFIGURED, 'a.example.org') as { error: string }).error).toContain('--from a.example.org: expected an absolute http:// or https:// URL');
    expect((parseFromArchiver([], 'https://a.example.org') as { error: string }).error).toContain('ARCHIVE_URLS is empty');
  });
});
