// A private redis-server for destructive tests (stop, restart, persistence), never the shared one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { redisAnswers } from '../../src/queues/embedded-redis.js';
import { freePort } from './ports.js';
import { eventually } from './eventually.js';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  start(): Promise<void>;
  /** SIGTERM: Redis flushes the AOF and exits, like a service stop. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; with appendfsync always nothing acknowledged is lost. */
  kill(): Promise<void>;
  destroy(): Promise<void>;
}

export async function privateRedis(options: { appendfsync?: 'always' | 'everysec'; requirepass?: string } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'psq-redis-'));
  let child: ResultPromise | null = null;
  const self: PrivateRedis = {
    port,
    url: options.requirepass ? `redis://:${encodeURIComponent(options.requirepass)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      child = execa('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
        '--appendonly', 'yes', '--appendfsync', options.appendfsync ?? 'always', '--maxmemory-policy', 'noeviction',
        ...(options.requirepass ? ['--requirepass', options.requirepass] : []),
      ], { reject: false, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' });
      const auth = options.requirepass ? { password: options.requirepass } : {};
      await eventually(() => redisAnswers({ host: '127.0.0.1', port, ...auth }, 200), { timeoutMs: 10_000, what: `private redis-server on ${port} to come up` });
    },
    async stop() {
      child?.kill('SIGTERM');
      await child;
      child = null;
    },
    async kill() {
      child?.kill('SIGKILL');
      await child;
      child = null;
    },
    async destroy() {
      await self.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}
