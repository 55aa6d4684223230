// The TLS files for Redis (REDIS_CA_FILE, REDIS_CERT_FILE, REDIS_KEY_FILE), read where connections are
// made: configuration holds only their paths (src/config reads no disk). Never logs their contents.
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/config.js';

export type RedisTlsFiles = Pick<Config, 'redisCaFile' | 'redisCertFile' | 'redisKeyFile'>;

/** PEM text to add to a rediss:// connection's `tls` options; empty when no file is configured. */
export interface RedisTlsMaterial {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** A configured TLS file cannot be used; names the variable and the path, never the contents. */
export class RedisTlsFileError extends Error {
  override readonly name = 'RedisTlsFileError';
  constructor(
    readonly variable: 'REDIS_CA_FILE' | 'REDIS_CERT_FILE' | 'REDIS_KEY_FILE',
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${variable}=${path}: ${reason}`);
  }
}

const EXPECTED = {
  REDIS_CA_FILE: 'a readable PEM file with the CA certificate that signed the Redis server certificate',
  REDIS_CERT_FILE: 'a readable PEM file with the client certificate Redis accepts',
  REDIS_KEY_FILE: 'a readable PEM file with the unencrypted private key of REDIS_CERT_FILE',
} as const;

/** What a variable should name, for a configuration problem. */
export function expectedTlsFile(variable: RedisTlsFileError['variable']): string {
  return EXPECTED[variable];
}

/**
 * The files' PEM text, checked the way the TLS layer will use it (a CA that parses, a certificate and
 * a key that belong together), so a bad file is named at start and not as a handshake failure later.
 */
export async function readRedisTls(files: RedisTlsFiles): Promise<RedisTlsMaterial> {
  const [ca, cert, key] = await Promise.all([
    readPem('REDIS_CA_FILE', files.redisCaFile),
    readPem('REDIS_CERT_FILE', files.redisCertFile),
    readPem('REDIS_KEY_FILE', files.redisKeyFile),
  ]);
  if (ca === undefined && cert === undefined && key === undefined) return {};
  // node:tls only when there is a file to check: most health checks have none.
  const { createSecureContext } = await import('node:tls');
  if (ca !== undefined && files.redisCaFile !== null) {
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new RedisTlsFileError('REDIS_CA_FILE', files.redisCaFile, 'no PEM certificate in it (no "-----BEGIN CERTIFICATE-----" line)');
    try {
      createSecureContext({ ca });
    } catch (err) {
      throw new RedisTlsFileError('REDIS_CA_FILE', files.redisCaFile, `not a usable PEM CA certificate (${tlsText(err)})`);
    }
  }
  if (cert !== undefined && key !== undefined && files.redisCertFile !== null && files.redisKeyFile !== null) {
    try {
      createSecureContext({ cert });
    } catch (err) {
      throw new RedisTlsFileError('REDIS_CERT_FILE', files.redisCertFile, `not a usable PEM certificate (${tlsText(err)})`);
    }
    try {
      createSecureContext({ cert, key });
    } catch (err) {
      // OpenSSL's words only (e.g. "key values mismatch", "bad decrypt"): they never quote the key.
      throw new RedisTlsFileError('REDIS_KEY_FILE', files.redisKeyFile, `not an unencrypted PEM private key for REDIS_CERT_FILE (${tlsText(err)})`);
    }
  }
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key } : {}) };
}

async function readPem(variable: RedisTlsFileError['variable'], path: string | null): Promise<string | undefined> {
  if (path === null) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new RedisTlsFileError(variable, path, `cannot read it (${e.code ?? e.message})`);
  }
}

function tlsText(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? (e.message.split('\n')[0] ?? '') : String(err);
  // OpenSSL messages carry an internal prefix ("error:0A00…:SSL routines::"): keep the readable tail.
  const tail = message.replace(/^.*?:(?:[^:]*routines)?::?/, '').trim() || message;
  return typeof e.code === 'string' ? `${e.code}: ${tail}` : tail;
}
