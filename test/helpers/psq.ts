// Runs the real `psq` command (bin/psq.js, which runs the compiled dist/) as a child process, the
// way a user does. Importing this module brings dist/ up to date first (helpers/build.ts).
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { join } from 'node:path';
import { ensureBuilt } from './build.js';
import { TEST_REDIS_URL } from './redis.js';
import { pathWithStandin } from './standin.js';
import { testDir, testPrefix } from './test-context.js';

ensureBuilt();
export const PSQ_BIN = fileURLToPath(new URL('../../bin/psq.js', import.meta.url));

export interface PsqRun {
  readonly exitCode: number | undefined;
  readonly stdout: string;
  readonly stderr: string;
}

export async function runPsq(args: string[], env: Record<string, string | undefined>, options: { cwd?: string; nodeBinary?: string; timeoutMs?: number } = {}): Promise<PsqRun> {
  const r = await execa(options.nodeBinary ?? process.execPath, [PSQ_BIN, ...args], {
    env,
    extendEnv: false,
    reject: false,
    cwd: options.cwd,
    timeout: options.timeoutMs ?? 120_000,
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/**
 * The environment a test runs psq with: the stand-in pscheduler first on PATH, and the running
 * test's own HOME, DATA_DIR and QUEUE_PREFIX on the test Redis. `more` adds to it or replaces.
 */
export function psqEnv(more: Record<string, string> = {}): Record<string, string> {
  return { PATH: pathWithStandin(), HOME: testDir(), REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: testPrefix(), DATA_DIR: join(testDir(), 'data'), ...more };
}
