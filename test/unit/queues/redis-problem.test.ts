// Issue 10.7: what psq says, and does, when Redis refuses it or cannot be reached. Pure parts.
import { describe, expect, it } from 'vitest';
import { describeRedisProblem, describeRefusedCommand, isConnectionError, reconnectDelayMs } from '../../../src/queues/redis-problem.js';
import { describeRedisTarget, parseRedisUrl, redactRedisUrl } from '../../../src/queues/redis-options.js';

const T = '127.0.0.1:6379';

describe('describeRedisProblem', () => {
  it('a refused password is a configuration problem (exit 2) that says what to set', () => {
    const p = describeRedisProblem(new Error('WRONGPASS invalid username-password pair or user is disabled.'), T);
    expect(p.kind).toBe('config');
    expect(p.message).toContain('refused the password in REDIS_URL');
    expect(p.message).toContain('REDIS_URL=redis://:PASSWORD@host:port');
  });

  it('no password given where one is required', () => {
    expect(describeRedisProblem(new Error('NOAUTH Authentication required.'), T)).toMatchObject({ kind: 'config', cause: 'NOAUTH' });
  });

  it('a database Redis does not have', () => {
    const p = describeRedisProblem(new Error('ERR DB index is out of range'), T);
    expect(p.kind).toBe('config');
    expect(p.message).toContain('database number in REDIS_URL');
  });

  it('nothing listening, no route, a name that does not resolve: out of reach (exit 1, a role waits)', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ETIMEDOUT']) {
      const p = describeRedisProblem(Object.assign(new Error(`connect ${code}`), { code }), T);
      expect(p).toMatchObject({ kind: 'unreachable', cause: code });
      expect(p.message).toContain(`Redis at ${T} is not reachable (${code}`);
    }
    expect(describeRedisProblem(new Error('LOADING Redis is loading the dataset in memory'), T).kind).toBe('unreachable');
  });

  it('messages are one line', () => {
    expect(describeRedisProblem(new Error('weird\nsecond line\n    at x (y:1:2)'), T).message).not.toContain('\n');
  });

  it('isConnectionError: outages yes, a failing command no', () => {
    expect(isConnectionError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isConnectionError(new Error('Connection is closed.'))).toBe(true);
    expect(isConnectionError(new Error('ERR wrong number of arguments'))).toBe(false);
  });
});

describe('reconnectDelayMs', () => {
  it('grows from 1 s, doubling, up to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });
});

describe('parseRedisUrl', () => {
  it('reads host, port, password (decoded), database and TLS', () => {
    expect(parseRedisUrl('rediss://user:p%40ss@[2001:db8::1]:6380/3')).toEqual({
      ok: true,
      options: { host: '2001:db8::1', port: 6380, username: 'user', password: 'p@ss', db: 3, tls: {} },
    });
    expect(parseRedisUrl('redis://redis')).toEqual({ ok: true, options: { host: 'redis', port: 6379 } });
  });

  it.each(['http://redis:6379', 'redis://', 'redis://:a%zz@r:6379', 'redis://r:6379?password=x', 'redis://r:6379/x', 'not a url'])('refuses %s', (url) => {
    expect(parseRedisUrl(url).ok).toBe(false);
  });
});

describe('redactRedisUrl and describeRedisTarget never show the password', () => {
  it('masks userinfo and query; an unparseable URL with a password is cut to its scheme', () => {
    expect(redactRedisUrl('redis://:SECRET@r:6379/1')).toBe('redis://:***@r:6379/1');
    expect(redactRedisUrl('redis://r:6379?password=SECRET')).not.toContain('SECRET');
    expect(redactRedisUrl('redis://:SECRET@[bad')).not.toContain('SECRET');
    expect(describeRedisTarget({ host: 'r', port: 6380, password: 'SECRET', db: 2 })).toBe('r:6380/2');
  });
});

describe('redisErrorLogger', () => {
  it('a connection error is one short warning per cause, repeated at most every repeatMs, never with a stack', async () => {
    const { createLogger } = await import('../../../src/logger.js');
    const { redisErrorLogger } = await import('../../../src/queues/redis-error-log.js');
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', destination: { write: (t: string) => lines.push(t) } });
    let now = 0;
    const log = redisErrorLogger(logger, { queue: 'q' }, 'worker error', 30_000, () => now);
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    log(refused());
    now = 2_000;
    log(refused());
    now = 31_000;
    log(refused());
    log(new Error('ERR something else broke'));
    const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { stack?: string }; cause?: string });
    expect(records.map((r) => [r.level, r.cause ?? null])).toEqual([[40, 'ECONNREFUSED'], [40, 'ECONNREFUSED'], [50, null]]);
    expect(records[0]!.msg).toContain('worker error: Redis at REDIS_URL is not reachable (ECONNREFUSED');
    expect(records[0]!.err).toBeUndefined();
    // Not a connection problem: logged whole, it may be a bug.
    expect(records[2]!.err?.stack).toContain('ERR something else broke');
  });
});

describe('describeRedisProblem: TLS', () => {
  const tlsError = (code: string, message = code) => Object.assign(new Error(message), { code });

  it('a server certificate this host does not trust: exit 2, points at REDIS_CA_FILE', () => {
    for (const code of ['SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT']) {
      const p = describeRedisProblem(tlsError(code, 'self-signed certificate in certificate chain'), T, { tls: true });
      expect(p).toMatchObject({ kind: 'config', cause: code });
      expect(p.message).toContain('REDIS_CA_FILE');
      expect(p.message).toContain('not trusted');
    }
  });

  it('a certificate for another name: says so and what to change', () => {
    const p = describeRedisProblem(tlsError('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1"), T, { tls: true });
    expect(p.kind).toBe('config');
    expect(p.message).toContain('not for this host');
    expect(p.message).toContain('127.0.0.2');
  });

  it('a server that wants a client certificate: names REDIS_CERT_FILE and REDIS_KEY_FILE; one offered and refused: says refused', () => {
    const missing = describeRedisProblem(tlsError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', '80BC:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n'), T, { tls: true });
    expect(missing).toMatchObject({ kind: 'config' });
    expect(missing.message).toMatch(/requires a TLS client certificate.*REDIS_CERT_FILE and REDIS_KEY_FILE/);
    const refused = describeRedisProblem(tlsError('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA'), T, { tls: true, clientCert: true });
    expect(refused.kind).toBe('config');
    expect(refused.message).toContain('refused the TLS client certificate');
  });

  it('other handshake failures are configuration too, one line, without OpenSSL source paths', () => {
    const p = describeRedisProblem(tlsError('ERR_SSL_WRONG_VERSION_NUMBER', '80:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:\n'), T, { tls: true });
    expect(p.kind).toBe('config');
    expect(p.message).not.toContain('\n');
    expect(p.message).not.toContain('deps/openssl');
    expect(p.message).toContain('wrong version number');
  });

  it('a reset or a timeout hints at the scheme; a refused port does not', () => {
    expect(describeRedisProblem(tlsError('ECONNRESET'), T).message).toContain('use rediss://');
    expect(describeRedisProblem(new Error('timed out'), T, { tls: true }).message).toContain('use redis://');
    expect(describeRedisProblem(tlsError('ECONNREFUSED'), T, { tls: true }).message).not.toContain('rediss');
  });

  it('TLS failures are connection errors (one log line, no stack)', () => {
    expect(isConnectionError(tlsError('SELF_SIGNED_CERT_IN_CHAIN'))).toBe(true);
    expect(isConnectionError(tlsError('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'))).toBe(true);
  });
});

describe('describeRefusedCommand', () => {
  const noperm = (name: string, args: unknown[]) => Object.assign(new Error('NOPERM this user has no permissions to access one of the keys used as arguments'), { command: { name, args } });
  it('names the command and its key, never the other arguments', () => {
    const line = describeRefusedCommand(noperm('hdel', ['psq:throughput-b:meta', 'concurrency']))!;
    expect(line).toContain('HDEL psq:throughput-b:meta');
    expect(line).toContain('psq acl');
    const evalLine = describeRefusedCommand(noperm('evalsha', ['abc123', '2', 'psq:measure-b:wait', 'psq:measure-b:meta', '{"secret":"job data"}']))!;
    expect(evalLine).toContain('EVALSHA psq:measure-b:wait');
    expect(evalLine).not.toContain('job data');
  });
  it('null for anything but NOPERM', () => {
    expect(describeRefusedCommand(new Error('ERR wrong number of arguments'))).toBeNull();
  });
});
