// Masks anything secret-looking before job data leaves the dashboard; pure.
// Job data should never hold a secret (DESIGN.md, Security), but it is untrusted input: anyone
// with Redis access or the "add job" button can put one there, so the board masks on the way out.

export const MASK = '[REDACTED]';

/** Key names that hold secrets, at any depth: token, password, authorization, secret (and close kin). */
const SECRET_KEY = /token|passw(or)?d|authorization|secret|api[-_]?key|bearer|credential/i;
/** A whole value that is an HTTP credential, whatever key it sits under ("Basic latency …" is not). */
const CREDENTIAL_VALUE = /^\s*(bearer\s+\S+|basic\s+[A-Za-z0-9+/]{6,}={0,2})\s*$/i;
/** user:password inside a URL. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s:@]*:[^/\s@]*@/gi;

/** Secrets shorter than this are not searched for inside strings: "a" would mask half the page. */
const MIN_SECRET_LENGTH = 4;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A deep copy of `value` with secret-named keys and secret values masked: keys matching
 * {@link isSecretKey}, strings equal to or containing one of `secrets` (the configured
 * AUTH_TOKEN, dashboard and Redis passwords), Bearer/Basic credentials and URL passwords.
 */
export function maskSecrets(value: unknown, secrets: readonly (string | null | undefined)[]): unknown {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH);
  const seen = new WeakSet<object>();
  const visit = (v: unknown): unknown => {
    if (typeof v === 'string') return maskString(v, known);
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) return '[Circular]';
    seen.add(v);
    if (Array.isArray(v)) return v.map(visit);
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(v)) {
      out[key] = isSecretKey(key) && child !== null && child !== undefined && child !== '' ? MASK : visit(child);
    }
    return out;
  };
  return visit(value);
}

/** Masks secrets inside one string (also used on error messages and stack traces). */
export function maskString(text: string, secrets: readonly string[]): string {
  if (CREDENTIAL_VALUE.test(text)) return MASK;
  let out = text.replace(URL_USERINFO, `$1${MASK}@`);
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH && out.includes(secret)) out = out.split(secret).join(MASK);
  }
  return out;
}
