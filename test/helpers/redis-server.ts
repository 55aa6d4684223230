// A private redis-server with the arguments a test needs (TLS ports, an ACL file), on a free loopback
// port, stopped and its directory removed by destroy(). For TLS and ACL tests: never the shared Redis.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisOptions } from 'bullmq';
import { execa, type ResultPromise } from 'execa';
import { redisAnswers } from '../../src/queues/redis-answers.js';
import { freePort } from './ports.js';

export interface RedisServer {
  readonly port: number;
  readonly dir: string;
  /** What redis-server printed (its log goes to stdout): for a failure message. */
  log(): string;
  destroy(): Promise<void>;
}

/**
 * `args(port, dir)` gives the listening and security arguments; `answers` the options with which
 * the test can PING it (TLS material, a user), so start() returns only once the server is usable.
 */
export async function startRedisServer(args: (port: number, dir: string) => string[], answers: (port: number) => RedisOptions): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'psq-redis-srv-'));
  let output = '';
  const child: ResultPromise = execa('redis-server', ['--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', ...args(port, dir)], {
    reject: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const server: RedisServer = {
    port,
    dir,
    log: () => output,
    async destroy() {
      child.kill('SIGKILL');
      await child;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; i < 100; i++) {
    if (await redisAnswers(answers(port), 300)) return server;
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await server.destroy();
  throw new Error(`private redis-server on ${port} did not come up:\n${output}`);
}
