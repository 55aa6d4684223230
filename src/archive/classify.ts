// Retry policy as data: which archiver answers and network failures are retried, and why; pure.

export type DeliveryOutcome = 'delivered' | 'retry' | 'reject';

export interface Classification {
  readonly outcome: DeliveryOutcome;
  /** Short human reason, shown in logs and the job's failedReason. */
  readonly reason: string;
}

export interface NetworkClassification extends Classification {
  readonly outcome: 'retry';
  /** The error code found on the error or its cause, when any. */
  readonly code: string | null;
  /** A certificate problem: fixed by the operator, not by time. */
  readonly tls: boolean;
}

/** Statuses worth another try (DESIGN.md: 408, 429 and every 5xx), with what they usually mean. */
export const RETRYABLE_STATUSES: Readonly<Record<number, string>> = {
  408: 'the archiver timed out reading the request',
  429: 'the archiver is rate limiting us',
  500: 'archiver internal error',
  502: 'bad gateway in front of the archiver',
  503: 'archiver unavailable',
  504: 'gateway timeout in front of the archiver',
};

/** 4xx answers that retrying cannot fix, with the operator's next step. */
export const REJECT_REASONS: Readonly<Record<number, string>> = {
  400: 'the archiver refused the body (schema)',
  401: 'bad or missing bearer token: check AUTH_TOKEN',
  403: 'forbidden: the token lacks permission on this archiver',
  404: 'unknown path or category: check the ARCHIVE_URLS base (it usually ends in /ps)',
  405: 'method not allowed: check the ARCHIVE_URLS base',
  409: 'conflict: the archiver refused to overwrite an existing record',
  413: 'result too large for the archiver',
  415: 'the archiver did not accept application/json',
  422: 'the archiver could not process the body',
};

export function classifyStatus(status: number): Classification {
  if (status >= 200 && status < 300) return { outcome: 'delivered', reason: 'accepted' };
  // Following a redirect would re-send the bearer token to wherever the Location points.
  if (status >= 300 && status < 400) {
    return { outcome: 'reject', reason: `redirect (${status}): redirects are not followed; fix the URL` };
  }
  const known = RETRYABLE_STATUSES[status];
  if (known !== undefined) return { outcome: 'retry', reason: known };
  if (status >= 500 && status < 600) return { outcome: 'retry', reason: 'archiver server error' };
  if (status >= 400 && status < 500) {
    return { outcome: 'reject', reason: REJECT_REASONS[status] ?? 'the archiver refused the request' };
  }
  // 1xx finals or codes past 599 mean a confused hop on the path; time may fix it, a human can too.
  return { outcome: 'retry', reason: `unexpected HTTP status ${status}` };
}

/** Network failures by code; all are retried, since links (ships at sea) come and go. */
export const NETWORK_REASONS: Readonly<Record<string, string>> = {
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out (archiver unreachable or filtered)',
  UND_ERR_HEADERS_TIMEOUT: 'no answer within the timeout (archiver stalled)',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped arriving within the timeout',
  UND_ERR_SOCKET: 'the connection was closed mid-request',
  UND_ERR_CLOSED: 'the connection pool was closed (shutting down)',
  UND_ERR_DESTROYED: 'the connection pool was destroyed (shutting down)',
  UND_ERR_ABORTED: 'the request was aborted',
  UND_ERR_INFO: 'the connection was closed by the archiver',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the answer was cut short',
  HPE_INVALID_CONSTANT: 'the archiver did not speak HTTP (wrong port?)',
  ECONNREFUSED: 'connection refused (archiver down or wrong port)',
  ECONNRESET: 'connection reset by the archiver or a middlebox',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection broken while sending',
  ETIMEDOUT: 'the network timed out',
  EHOSTUNREACH: 'no route to the archiver host',
  ENETUNREACH: 'network unreachable (link down?)',
  ENETDOWN: 'network down',
  ENOTFOUND: 'archiver host name not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed for now (resolver unreachable?)',
  TimeoutError: 'no complete answer within the overall deadline',
  AbortError: 'the request was cancelled (worker shutting down?)',
};

/** Node/OpenSSL verification failures that a CA file (or a fixed certificate) cures. */
const TLS_TRUST_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
]);

function errorCode(err: unknown): string | null {
  // undici raises some errors directly and wraps others (system and TLS errors) in `cause`.
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; depth++) {
    const rec = e as { code?: unknown; name?: unknown; cause?: unknown };
    if (typeof rec.code === 'string' && rec.code !== '') return rec.code;
    if (rec.name === 'TimeoutError' || rec.name === 'AbortError') return rec.name;
    e = rec.cause;
  }
  return null;
}

function tlsReason(code: string): string | null {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `TLS certificate does not match the host name in ARCHIVE_URLS (${code}); fix the URL or the certificate`;
  }
  if (code.startsWith('CERT_') || TLS_TRUST_CODES.has(code)) {
    return `TLS certificate not trusted (${code}); put the archiver's CA in ARCHIVE_CA_FILE or fix its certificate`;
  }
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) {
    return `TLS handshake failed (${code}); check http:// vs https:// in ARCHIVE_URLS`;
  }
  return null;
}

/**
 * Every network failure is retried; a certificate failure too, because the operator can fix the
 * CA while the job waits, but its reason says how.
 */
export function classifyNetworkError(err: unknown): NetworkClassification {
  const code = errorCode(err);
  const tls = code === null ? null : tlsReason(code);
  if (tls !== null) return { outcome: 'retry', reason: tls, code, tls: true };
  const known = code === null ? undefined : NETWORK_REASONS[code];
  if (known !== undefined) return { outcome: 'retry', reason: `${known} [${code}]`, code, tls: false };
  const message = err instanceof Error ? err.message : String(err);
  return { outcome: 'retry', reason: `network error${code ? ` [${code}]` : ''}: ${message}`, code, tls: false };
}
