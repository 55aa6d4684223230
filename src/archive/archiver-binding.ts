// Which archiver a delivery goes to: always the one the worker's configuration binds to its queue,
// never a URL read from job data (which anyone with Redis or dashboard access can write); pure.
import { maskUserinfo, parseArchiveUrl } from '../config/archive-urls.js';

export type BindingCheck = { readonly ok: true } | { readonly ok: false; readonly shown: string; readonly why: string };

/**
 * Whether a job's `url` names `configuredUrl`, compared in canonical form (case of scheme and
 * host, default port and trailing slashes do not matter). A URL with user:password@ in it is never
 * the configured archiver: ARCHIVE_URLS refuses those, and `http://archiver@elsewhere/` is a trick
 * to make it look like one.
 */
export function checkArchiverBinding(jobUrl: string, configuredUrl: string): BindingCheck {
  const configured = canonical(configuredUrl) ?? configuredUrl;
  const parsed = parseArchiveUrl(jobUrl);
  if (!parsed.ok) return { ok: false, shown: parsed.shown, why: `not an archiver base URL (${parsed.expected})` };
  if (parsed.value !== configured) return { ok: false, shown: maskUserinfo(jobUrl), why: `names another archiver than this queue's (${configured})` };
  return { ok: true };
}

function canonical(url: string): string | null {
  const parsed = parseArchiveUrl(url);
  return parsed.ok ? parsed.value : null;
}
