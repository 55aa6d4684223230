// The suite's own test hook (test/helpers/test-hook.ts), run for real on fixture files in a child
// vitest: a file that leaves a Redis connection or a child process open fails naming it, and a
// failed test's keys and directory are kept and named while a passing test's are removed.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/build.js';
import { isAlive } from '../helpers/procs.js';
import { deletePrefix, keysWithPrefix } from '../helpers/redis.js';
import { onCleanup } from '../helpers/test-context.js';

const FIXTURES = 'test/fixtures/test-hook';

async function runFixture(name: string): Promise<{ exitCode: number | undefined; output: string }> {
  const r = await execa('npx', ['vitest', 'run', '--config', join(FIXTURES, 'vitest.config.ts'), join(FIXTURES, `${name}.fixture.ts`)], {
    cwd: REPO,
    env: { NO_COLOR: '1', FORCE_COLOR: '0' },
    all: true,
    reject: false,
    timeout: 120_000,
  });
  return { exitCode: r.exitCode, output: String(r.all) };
}

describe('the test hook', { timeout: 150_000 }, () => {
  it('fails a file that leaves Redis connections open, naming each with what the server knows of it', async () => {
    const r = await runFixture('leaks-redis');
    const prefix = /name=(t-[0-9a-f-]{36}):/.exec(r.output)?.[1];
    if (prefix) onCleanup(() => deletePrefix(prefix));
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toContain('Tests  1 passed (1)');
    expect(r.output).toMatch(/leaks-redis\.fixture\.ts leaked: 3 Redis connection\(s\) to redis:\/\/\S+ still open: /);
    // The plain ioredis client (no name) and the BullMQ worker's blocking connection, named by its prefix.
    expect(r.output).toMatch(/name=\(none\) last cmd=ping/);
    expect(prefix, r.output).toBeDefined();
    expect(r.output).toMatch(/last cmd=bzpopmin/);
  });

  it('fails a file that leaves a child process running, naming it, and kills it', async () => {
    const r = await runFixture('leaks-process');
    expect(r.exitCode, r.output).toBe(1);
    expect(r.output).toContain('Tests  1 passed (1)');
    const pid = Number(/1 child process\(es\) still running: pid (\d+) `sleep 117`/.exec(r.output)?.[1]);
    expect(pid, r.output).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(false);
  });

  it("keeps a failed test's keys and directory and prints where they are; removes a passing test's", async () => {
    const r = await runFixture('fails-keeps');
    const state = (tag: string) => {
      const m = new RegExp(`state of ${tag}: prefix=(\\S+) dir=(\\S+)`).exec(r.output);
      return m ? { prefix: m[1]!, dir: m[2]! } : undefined;
    };
    const failing = state('failing');
    const passing = state('passing');
    if (failing) {
      onCleanup(() => rmSync(failing.dir, { recursive: true, force: true }));
      onCleanup(() => deletePrefix(failing.prefix));
    }
    expect(r.exitCode, r.output).toBe(1);
    expect(failing, r.output).toBeDefined();
    expect(passing, r.output).toBeDefined();
    expect(r.output).toContain(
      `kept for inspection after "${FIXTURES}/fails-keeps.fixture.ts > failing test" failed: Redis prefix ${failing!.prefix}, dir ${failing!.dir}; look: redis-cli -u redis://127.0.0.1:6379 --scan --pattern '${failing!.prefix}:*'`,
    );
    expect(r.output).not.toContain('after "test/fixtures/test-hook/fails-keeps.fixture.ts > passing test"');
    expect(await keysWithPrefix(failing!.prefix)).toEqual([`${failing!.prefix}:marker`]);
    expect(readFileSync(join(failing!.dir, 'marker'), 'utf8')).toBe('failing');
    expect(await keysWithPrefix(passing!.prefix)).toEqual([]);
    expect(existsSync(passing!.dir)).toBe(false);
  });
});
