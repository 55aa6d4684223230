// Why Redis could not be used, in words an operator can act on, and what psq should do about it. Pure.

/**
 * config: retrying cannot help until REDIS_URL (or the server's settings) change — exit 2. A TLS
 * certificate refused either way (the server's not trusted or not for this host, ours missing or
 * not accepted) is config too: it stays refused until a certificate or REDIS_CA_FILE changes.
 * unreachable: nothing answers (yet) — a command exits 1, a long-running role waits and retries.
 */
export type RedisProblemKind = 'config' | 'unreachable';

export interface RedisProblem {
  readonly kind: RedisProblemKind;
  /** One line: what happened and what to fix. Never holds the password. */
  readonly message: string;
  /** Short cause for log fields (an errno or the server's error word). */
  readonly cause: string;
}

const NETWORK_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'nothing listens there',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  ECONNRESET: 'the connection was reset',
  EPIPE: 'the connection was closed',
  ENOENT: 'no such socket',
  EAI_AGAIN: 'its name does not resolve (yet)',
  ENOTFOUND: 'its name does not resolve',
};

/** The server's certificate does not verify against REDIS_CA_FILE (or the system's CAs). Node's codes. */
const UNTRUSTED_SERVER_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
]);

const EXPIRED_SERVER_CODES: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'has expired',
  CERT_NOT_YET_VALID: 'is not valid yet',
};

/** TLS alerts the server sends when it wants a client certificate and got none (TLS 1.3; 1.2). */
const CLIENT_CERT_MISSING_CODES = new Set(['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']);

/** …and when it got one it does not accept. */
const CLIENT_CERT_REFUSED_CODES = new Set([
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
  'ERR_SSL_TLSV1_ALERT_DECRYPT_ERROR',
]);

function tlsProblem(code: string, text: string, target: string, hasClientCert: boolean): RedisProblem | null {
  const said = `${code}: ${firstLine(text).replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:[^:]*:/, '').replace(/:\.\.\/deps\/.*$/, '')}`;
  if (UNTRUSTED_SERVER_CODES.has(code)) {
    return {
      kind: 'config',
      cause: code,
      message: `Redis at ${target}: TLS certificate not trusted (${said}): set REDIS_CA_FILE to the PEM file of the CA that signed the server's certificate`,
    };
  }
  const expired = EXPIRED_SERVER_CODES[code];
  if (expired !== undefined) {
    return { kind: 'config', cause: code, message: `Redis at ${target}: the server's TLS certificate ${expired} (${code}): renew the server's certificate (tls-cert-file)` };
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      kind: 'config',
      cause: code,
      message: `Redis at ${target}: the server's TLS certificate is not for this host (${said}): put a name the certificate lists in REDIS_URL, or give the server a certificate for this one`,
    };
  }
  if (CLIENT_CERT_MISSING_CODES.has(code) && !hasClientCert) {
    return {
      kind: 'config',
      cause: code,
      message: `Redis at ${target} requires a TLS client certificate (${code}): set REDIS_CERT_FILE and REDIS_KEY_FILE to a certificate signed by a CA the server trusts (tls-ca-cert-file)`,
    };
  }
  if (CLIENT_CERT_REFUSED_CODES.has(code) || CLIENT_CERT_MISSING_CODES.has(code)) {
    return {
      kind: 'config',
      cause: code,
      message: `Redis at ${target} refused the TLS client certificate in REDIS_CERT_FILE (${code}): use one signed by a CA the server trusts (tls-ca-cert-file) and not expired`,
    };
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return {
      kind: 'config',
      cause: code,
      message: `Redis at ${target}: the TLS handshake failed (${said}): check that this port speaks TLS (tls-port) and that REDIS_URL is rediss:// only for it`,
    };
  }
  return null;
}

export interface RedisConnectionFacts {
  /** The connection uses TLS (a rediss:// URL). */
  readonly tls?: boolean;
  /** A client certificate was offered (REDIS_CERT_FILE). */
  readonly clientCert?: boolean;
}

function errorParts(err: unknown): { code: string; text: string } {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const text = typeof e?.message === 'string' ? e.message : String(err);
  return { code, text };
}

/** Classify what went wrong when connecting to `target` (host:port, never the URL with its password). */
export function describeRedisProblem(err: unknown, target: string, facts: RedisConnectionFacts = {}): RedisProblem {
  const { code, text } = errorParts(err);
  const tls = tlsProblem(code, text, target, facts.clientCert === true);
  if (tls !== null) return tls;
  const word = /^[A-Z]+/.exec(text)?.[0] ?? '';
  if (word === 'WRONGPASS' || /invalid password/i.test(text)) {
    return {
      kind: 'config',
      cause: 'WRONGPASS',
      message: `Redis at ${target} refused the password in REDIS_URL (WRONGPASS): set REDIS_URL=redis://:PASSWORD@host:port with the server's password (requirepass)`,
    };
  }
  if (word === 'NOAUTH') {
    return {
      kind: 'config',
      cause: 'NOAUTH',
      message: `Redis at ${target} requires a password and REDIS_URL has none: set REDIS_URL=redis://:PASSWORD@host:port`,
    };
  }
  if (/DB index is out of range|invalid DB index/i.test(text)) {
    return {
      kind: 'config',
      cause: 'DB index out of range',
      message: `Redis at ${target} refused the database number in REDIS_URL (${text}): use a database the server has (0 unless its "databases" setting allows more), e.g. redis://host:6379/0`,
    };
  }
  if (word === 'NOPERM') {
    return { kind: 'config', cause: 'NOPERM', message: `Redis at ${target} does not let REDIS_URL's user run what psq needs (${text}): grant it ~* +@all or use another user` };
  }
  if (word === 'LOADING') {
    return { kind: 'unreachable', cause: 'LOADING', message: `Redis at ${target} is still loading its data; try again when it is done` };
  }
  const network = NETWORK_CODES[code];
  // A plain client on a TLS port is cut off (reset); a TLS client on a plain port waits for a
  // handshake that never comes (timeout). Both look like network trouble, so say which to check.
  const schemeHint = facts.tls === true
    ? ' (REDIS_URL is rediss://: if that port does not speak TLS, use redis://)'
    : code === 'ECONNRESET' || code === 'EPIPE' ? ' (if that port speaks only TLS, use rediss:// in REDIS_URL)' : '';
  if (network !== undefined) {
    return {
      kind: 'unreachable',
      cause: code,
      message: `Redis at ${target} is not reachable (${code}: ${network}): start Redis, or fix the host and port in REDIS_URL${code === 'ECONNREFUSED' ? '' : schemeHint}`,
    };
  }
  if (/timed? ?out/i.test(text)) {
    return { kind: 'unreachable', cause: 'timeout', message: `Redis at ${target} did not answer in time: check that it runs and that the network lets this host reach it (REDIS_URL)${schemeHint}` };
  }
  return { kind: 'unreachable', cause: word || code || 'error', message: `Redis at ${target} could not be used (${firstLine(text)}): check REDIS_URL and that Redis runs` };
}

/**
 * A command Redis refused for REDIS_URL's user (NOPERM), e.g. a testpoint started with another
 * testpoint's user (`psq acl`): one line naming the command and its key, never its other arguments
 * (job data). null for any other error.
 */
export function describeRefusedCommand(err: unknown): string | null {
  const { text } = errorParts(err);
  if (!/^NOPERM\b/.test(text)) return null;
  const command = (err as { command?: { name?: unknown; args?: unknown } }).command;
  const name = typeof command?.name === 'string' ? command.name.toUpperCase() : '';
  const args = Array.isArray(command?.args) ? command.args : [];
  // EVALSHA/EVAL: sha, numkeys, keys…; otherwise the key comes first.
  const key = /^EVAL/.test(name) ? args[2] : args[0];
  const what = name ? ` to ${name}${typeof key === 'string' ? ` ${key}` : ''}` : '';
  return (
    `Redis refused REDIS_URL's user${what} (${firstLine(text)}): that user may not use these keys; ` +
    'give this process the user `psq acl` made for its TESTPOINT and role, or run `psq acl` again for this TESTPOINT, QUEUE_PREFIX and ARCHIVE_URLS'
  );
}

/** Errors about the connection itself (not a failed command): logged as one line, without a stack. */
export function isConnectionError(err: unknown): boolean {
  const { code, text } = errorParts(err);
  return code in NETWORK_CODES || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || UNTRUSTED_SERVER_CODES.has(code) || code in EXPIRED_SERVER_CODES ||
    /^(WRONGPASS|NOAUTH|LOADING)\b/.test(text) || /Connection is closed|Stream isn't writeable|connect ETIMEDOUT/i.test(text);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Delay before the next connection attempt of a waiting role: 1 s doubling to 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
