// The embedded default: with no REDIS_URL and nothing on 127.0.0.1:6379, run a private
// redis-server under DATA_DIR (AOF on, noeviction) for as long as this process lives.
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import type { ResultPromise } from 'execa';
import type { RedisOptions } from 'bullmq';
import { sleep } from '../async.js';
import type { Logger } from '../logger.js';
import { toolEnvironment } from '../process/tool-env.js';
import { redisAnswers } from './redis-answers.js';
import { redactRedisUrl, redisOptionsFromUrl, type RedisTlsPem } from './redis-options.js';

export interface RedisHandle {
  readonly options: RedisOptions;
  /** What to show in logs. */
  readonly description: string;
  readonly embedded: boolean;
  stop(): Promise<void>;
}

export class RedisUnavailableError extends Error {
  override readonly name = 'RedisUnavailableError';
}

// In its own module so `psq health` can probe Redis without loading execa.
export { redisAnswers } from './redis-answers.js';

/** Unix socket paths are limited to ~107 bytes; fall back to a short path under tmpdir. */
function socketPathFor(dir: string): string {
  const preferred = join(dir, 'redis.sock');
  if (Buffer.byteLength(preferred) < 100) return preferred;
  return join(tmpdir(), `psq-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}.sock`);
}

async function startEmbedded(dataDir: string, logger: Logger, processEnv: Readonly<Record<string, string | undefined>>): Promise<RedisHandle> {
  const dir = resolve(dataDir, 'redis');
  await mkdir(dir, { recursive: true });
  const socket = socketPathFor(dir);
  await rm(socket, { force: true });
  const args = [
    '--port', '0',
    '--unixsocket', socket,
    '--unixsocketperm', '700',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--logfile', join(dir, 'redis.log'),
  ];
  let child: ResultPromise;
  // execa only when an embedded Redis is started: a process given REDIS_URL never needs it.
  const { execa } = await import('execa');
  try {
    child = execa('redis-server', args, {
      reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe', cleanup: true,
      env: toolEnvironment('redis-server', processEnv), extendEnv: false, // no secrets (tool-env.ts)
    });
  } catch (err) {
    throw new RedisUnavailableError(`could not start redis-server: ${(err as Error).message}`);
  }
  const exited = child.then((r) => r);
  const options: RedisOptions = { path: socket };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const early = await Promise.race([exited, sleep(100).then(() => null)]);
    if (early) {
      const code = (early as { code?: string }).code;
      if (code === 'ENOENT') throw new RedisUnavailableError(noRedisMessage());
      throw new RedisUnavailableError(`embedded redis-server exited (${early.exitCode ?? early.signal}); see ${join(dir, 'redis.log')}`);
    }
    if (await redisAnswers(options, 500)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RedisUnavailableError(`embedded redis-server did not answer on ${socket} within 10 s`);
    }
  }
  logger.info({ socket, dir }, 'started embedded redis-server (REDIS_URL unset and nothing on 127.0.0.1:6379)');
  let stopping: Promise<void> | null = null;
  return {
    options,
    description: `embedded redis-server (unix:${socket})`,
    embedded: true,
    stop() {
      stopping ??= (async () => {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

export function noRedisMessage(): string {
  return (
    'no Redis: REDIS_URL is unset, nothing answers on 127.0.0.1:6379 and redis-server is not installed. ' +
    'Install it (Debian/Ubuntu: apt-get install redis-server), set REDIS_URL to a running Redis, ' +
    'or start the central stack with: docker compose -f docker-compose-redis.yml up -d'
  );
}

export interface ResolveRedisOptions {
  readonly redisUrl: string | null;
  readonly dataDir: string;
  readonly logger: Logger;
  /**
   * The environment psq was started with (Config.processEnv): an embedded redis-server gets its
   * allow-listed part (tool-env.ts) and is looked up on its PATH.
   */
  readonly processEnv: Readonly<Record<string, string | undefined>>;
  /** The default tried when REDIS_URL is unset. */
  readonly probeUrl?: string;
  /** CA and client certificate for a rediss:// REDIS_URL (redis-tls.ts readRedisTls). */
  readonly tls?: RedisTlsPem;
}

export async function resolveRedis(opts: ResolveRedisOptions): Promise<RedisHandle> {
  if (opts.redisUrl) {
    return { options: redisOptionsFromUrl(opts.redisUrl, opts.tls), description: redactRedisUrl(opts.redisUrl), embedded: false, stop: async () => undefined };
  }
  const probeUrl = opts.probeUrl ?? 'redis://127.0.0.1:6379';
  const probe = redisOptionsFromUrl(probeUrl);
  if (await redisAnswers(probe)) {
    return { options: probe, description: probeUrl, embedded: false, stop: async () => undefined };
  }
  return startEmbedded(opts.dataDir, opts.logger, opts.processEnv);
}
