// Parses ARCHIVE_URLS into canonical archiver base URLs; a URL is refused rather than guessed at.
import { splitList } from './list-values.js';

export interface UrlProblem {
  /** The offending token, with any password in it masked. */
  readonly value: string;
  readonly expected: string;
}

/**
 * Split on spaces, commas and semicolons, drop trailing slashes, and de-duplicate in order (compared in
 * the URL's canonical form, so `https://A.org:443/ps/` and `https://a.org/ps` are one archiver).
 */
export function parseArchiveUrls(raw: string): { urls: string[]; problems: UrlProblem[] } {
  const urls: string[] = [];
  const problems: UrlProblem[] = [];
  for (const token of splitList(raw)) {
    const result = parseArchiveUrl(token);
    if (!result.ok) problems.push({ value: result.shown, expected: result.expected });
    else if (!urls.includes(result.value)) urls.push(result.value);
  }
  return { urls, problems };
}

type UrlResult = { ok: true; value: string } | { ok: false; shown: string; expected: string };

/** One archiver base URL, canonicalised, without trailing slashes. */
export function parseArchiveUrl(token: string): UrlResult {
  const shown = maskUserinfo(token);
  const trimmed = token.replace(/\/+$/, '');
  let url: URL;
  try {
    // The WHATWG parser would read `https:host` as https://host; an archiver URL must be spelled out.
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(trimmed)) throw new TypeError('not absolute');
    url = new URL(trimmed);
  } catch {
    return bad(shown, 'an absolute http:// or https:// URL, such as https://archiver.example.org/ps');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return bad(shown, `an http:// or https:// URL (not ${url.protocol})`);
  }
  if (url.hostname === '') return bad(shown, 'a URL with a host name');
  if (url.username !== '' || url.password !== '') {
    return bad(shown, 'a URL without user:password@ in it; put the bearer token in AUTH_TOKEN instead');
  }
  if (trimmed.includes('?') || trimmed.includes('#')) {
    return bad(shown, 'a base URL without ?query or #fragment (the path /measurements/… is appended to it)');
  }
  return { ok: true, value: url.href.replace(/\/+$/, '') };
}

function bad(shown: string, expected: string): UrlResult {
  return { ok: false, shown, expected };
}

/** Replace a URL's `user:password@` with `***@`: userinfo may hold a password, which no message may show. */
export function maskUserinfo(raw: string): string {
  return raw.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1***@');
}
