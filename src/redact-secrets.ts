// Removes secrets from text that came from outside (an archiver's answer, an error message) before
// it is logged or stored in Redis; pure.
import type { Config } from './config/config.js';

/** What a removed secret is replaced with (the same mark as the logger's and the dashboard's). */
export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not searched for: "a" would cut up every text (as the dashboard's mask). */
const MIN_SECRET_LENGTH = 4;

/**
 * A secret cut off at the end of the text (an answer kept only up to a limit) is removed when at
 * least this many of its first characters are there; shorter tails are too common to tell apart.
 */
const MIN_TAIL_MATCH = 4;

/**
 * `Bearer <value>` / `Basic <value>` in any case, also as an archiver echoes them inside JSON or a
 * URL (`Bearer%20…`, `Bearer+…`). The value runs to the next space, quote, comma or backslash.
 */
const AUTH_SCHEME_VALUE = /\b(bearer|basic)(\s+|%20|\+)(?!\[REDACTED\])[^\s"'`,;\\<>)}\]]+/gi;
/** user:password@ inside a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi;

/**
 * `text` without any of `secrets` (also in their JSON-escaped and URL-encoded spellings, and a
 * secret cut off at the end of the text), without the value of any Bearer/Basic credential and
 * without user:password in URLs. Secrets shorter than 4 characters are ignored. Secrets are matched literally, longest first, so one that contains
 * another is removed whole.
 */
export function redactSecrets(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  let out = text;
  for (const secret of spellings(secrets)) {
    out = out.split(secret).join(REDACTED);
    out = redactCutOffTail(out, secret);
  }
  return out
    .replace(AUTH_SCHEME_VALUE, (_m, scheme: string, gap: string) => `${scheme}${gap}${REDACTED}`)
    .replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** A redactor bound to the configured secrets, for code that handles many texts. */
export function secretRedactor(secrets: readonly (string | null | undefined)[]): (text: string) => string {
  const list = [...secrets];
  return (text) => redactSecrets(text, list);
}

function spellings(secrets: readonly (string | null | undefined)[]): string[] {
  const all = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) continue;
    all.add(s);
    all.add(JSON.stringify(s).slice(1, -1));
    all.add(encodeURIComponent(s));
  }
  return [...all].filter((s) => s !== '').sort((a, b) => b.length - a.length);
}

function redactCutOffTail(text: string, secret: string): string {
  const longest = Math.min(secret.length - 1, text.length);
  for (let n = longest; n >= MIN_TAIL_MATCH; n--) {
    if (text.endsWith(secret.slice(0, n))) return `${text.slice(0, text.length - n)}${REDACTED}`;
  }
  return text;
}

/** The secrets a configuration holds: the archiver token, the dashboard password, a Redis password. */
export function configuredSecrets(config: Pick<Config, 'authToken' | 'dashboardPassword' | 'redisUrl'>): string[] {
  const secrets = [config.authToken, config.dashboardPassword];
  if (config.redisUrl !== null) {
    try {
      const u = new URL(config.redisUrl);
      secrets.push(safeDecode(u.password), u.searchParams.get('password'));
    } catch {
      // An unparsable REDIS_URL is refused by the config loader; nothing to add here.
    }
  }
  return secrets.filter((s): s is string => typeof s === 'string' && s !== '');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
