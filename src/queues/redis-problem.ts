// Why Redis could not be used, in words an operator can act on, and what psq should do about it. Pure.

/**
 * config: retrying cannot help until REDIS_URL (or the server's settings) change — exit 2.
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

function errorParts(err: unknown): { code: string; text: string } {
  const e = err as { code?: unknown; message?: unknown } | null | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const text = typeof e?.message === 'string' ? e.message : String(err);
  return { code, text };
}

/** Classify what went wrong when connecting to `target` (host:port, never the URL with its password). */
export function describeRedisProblem(err: unknown, target: string): RedisProblem {
  const { code, text } = errorParts(err);
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
  if (network !== undefined) {
    return {
      kind: 'unreachable',
      cause: code,
      message: `Redis at ${target} is not reachable (${code}: ${network}): start Redis, or fix the host and port in REDIS_URL`,
    };
  }
  if (/timed? ?out/i.test(text)) {
    return { kind: 'unreachable', cause: 'timeout', message: `Redis at ${target} did not answer in time: check that it runs and that the network lets this host reach it (REDIS_URL)` };
  }
  return { kind: 'unreachable', cause: word || code || 'error', message: `Redis at ${target} could not be used (${firstLine(text)}): check REDIS_URL and that Redis runs` };
}

/** Errors about the connection itself (not a failed command): logged as one line, without a stack. */
export function isConnectionError(err: unknown): boolean {
  const { code, text } = errorParts(err);
  return code in NETWORK_CODES || /^(WRONGPASS|NOAUTH|LOADING)\b/.test(text) || /Connection is closed|Stream isn't writeable|connect ETIMEDOUT/i.test(text);
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Delay before the next connection attempt of a waiting role: 1 s doubling to 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
}
