// Which archivers replay and retry-failed may send to: only those in ARCHIVE_URLS. The token goes
// with every delivery, so a command-line URL can narrow the choice, never widen it. Pure.
import { maskUserinfo, parseArchiveUrl } from '../config/archive-urls.js';

export type ArchiverChoice = { ok: true; urls: string[] } | { ok: false; error: string };

/** "ARCHIVE_URLS has: a, b" or "ARCHIVE_URLS is empty", for messages. */
export function describeConfigured(configured: readonly string[]): string {
  return configured.length === 0 ? 'ARCHIVE_URLS is empty' : `ARCHIVE_URLS has: ${configured.join(', ')}`;
}

/** The archivers to send to: `--archiver URL` when it is one of ARCHIVE_URLS, else all of them. */
export function chooseArchivers(configured: readonly string[], archiver: string | null): ArchiverChoice {
  if (archiver === null) {
    return configured.length > 0 ? { ok: true, urls: [...configured] } : { ok: false, error: 'no archivers: ARCHIVE_URLS is empty' };
  }
  const parsed = parseArchiveUrl(archiver);
  if (!parsed.ok) return { ok: false, error: `--archiver ${parsed.shown}: expected ${parsed.expected}` };
  if (!configured.includes(parsed.value)) {
    return {
      ok: false,
      error:
        `--archiver ${maskUserinfo(archiver)}: not a configured archiver (${describeConfigured(configured)}); ` +
        'psq sends only to the archivers in ARCHIVE_URLS: add it there first',
    };
  }
  return { ok: true, urls: [parsed.value] };
}

/** `--from OLD_URL`: a valid archiver URL that is no longer configured (canonical form). */
export function parseFromArchiver(configured: readonly string[], from: string): { ok: true; url: string } | { ok: false; error: string } {
  const parsed = parseArchiveUrl(from);
  if (!parsed.ok) return { ok: false, error: `--from ${parsed.shown}: expected ${parsed.expected}` };
  if (configured.includes(parsed.value)) {
    return {
      ok: false,
      error:
        `--from ${parsed.value}: this archiver is still in ARCHIVE_URLS, so its failed deliveries are retried by ` +
        'plain `psq retry-failed`; --from moves the failed deliveries of an archiver that is no longer configured',
    };
  }
  if (configured.length === 0) return { ok: false, error: `--from ${parsed.value}: nowhere to move its deliveries to: ARCHIVE_URLS is empty` };
  return { ok: true, url: parsed.value };
}
