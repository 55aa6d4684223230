import { describe, expect, it } from 'vitest';

import { maskUserinfo, parseArchiveUrls } from '../../../src/config/archive-urls.js';
import { splitList } from '../../../src/config/list-values.js';

describe('splitList', () => {
  it('splits on spaces, commas and semicolons and drops empties', () => {
    expect(splitList(' a,b;;c  d ,\n')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitList(' ,; ')).toEqual([]);
  });
});

describe('parseArchiveUrls', () => {
  it('drops trailing slashes and de-duplicates in order', () => {
    const { urls, problems } = parseArchiveUrls(
      'https://b.example.org/ps/, https://a.example.org:8443/ps;https://b.example.org/ps//  https://A.example.org:8443/ps',
    );
    expect(problems).toEqual([]);
    expect(urls).toEqual(['https://b.example.org/ps', 'https://a.example.org:8443/ps']);
  });

  it('keeps a bare host without a trailing slash and normalises default ports', () => {
    expect(parseArchiveUrls('http://localhost:8080/ https://x.org:443/').urls).toEqual([
      'http://localhost:8080',
      'https://x.org',
    ]);
  });

  it('accepts IPv6 literals', () => {
    expect(parseArchiveUrls('https://[2001:db8::1]:8443/ps').urls).toEqual(['https://[2001:db8::1]:8443/ps']);
  });

  it('reports every bad URL and keeps the good ones', () => {
    const { urls, problems } = parseArchiveUrls(
      'https://ok.org/ps ftp://x.org archiver.example.org https:x.org https://x.org/ps?a=1 https://x.org/ps#f mailto:a@b',
    );
    expect(urls).toEqual(['https://ok.org/ps']);
    expect(problems.map((p) => p.value)).toEqual([
      'ftp://x.org',
      'archiver.example.org',
      'https:x.org',
      'https://x.org/ps?a=1',
      'https://x.org/ps#f',
      'mailto:a@b',
    ]);
    expect(problems[0]?.expected).toMatch(/http:\/\/ or https:\/\//);
    expect(problems[3]?.expected).toMatch(/without \?query or #fragment/);
  });

  it('refuses credentials in the URL without showing them', () => {
    const { urls, problems } = parseArchiveUrls('https://user:hunter2@archiver.example.org/ps');
    expect(urls).toEqual([]);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.expected).toMatch(/AUTH_TOKEN/);
    expect(problems[0]?.value).toBe('https://***@archiver.example.org/ps');
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });

  it('masks userinfo even when the URL does not parse', () => {
    const { problems } = parseArchiveUrls('https://u:hunter2@');
    expect(problems).toHaveLength(1);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
  });
});

describe('maskUserinfo', () => {
  it('masks only the userinfo', () => {
    expect(maskUserinfo('redis://:pw@redis:6379/0')).toBe('redis://***@redis:6379/0');
    expect(maskUserinfo('https://x.org/a@b')).toBe('https://x.org/a@b');
  });
});
