// Issue 10.10: LOG_PRETTY=true on a production install (no dev dependencies, so no pino-pretty) gives
// readable log lines instead of a crash; `npm run psq` runs the CLI.
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../helpers/build.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { pathWithStandin } from '../helpers/standin.js';
import { testDir, testPrefix } from '../helpers/test-context.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// "17:02:09 INFO  message  key=value"
const READABLE = /^\d\d:\d\d:\d\d (TRACE|DEBUG|INFO |WARN |ERROR|FATAL) \S/;

let install: string;

/**
 * A copy of the program as a production install leaves it, in the file's own directory: the compiled dist/ copied (module resolution
 * starts from their real path) and every installed package but pino-pretty, the dev dependency
 * LOG_PRETTY used to load.
 */
function productionCopy(): string {
  const dir = testDir();
  ensureBuilt();
  for (const entry of ['dist', 'bin', 'package.json']) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  mkdirSync(join(dir, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules'))) {
    if (name === 'pino-pretty' || name === '.bin') continue;
    symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
  }
  return dir;
}

beforeAll(() => {
  install = productionCopy();
});

describe('LOG_PRETTY and LOG_FORMAT without pino-pretty installed', () => {
  it('stand-in: LOG_PRETTY=true run-once works and logs readable lines, not JSON', async () => {
    const r = await execa(process.execPath, [join(install, 'bin', 'psq.js'), 'run-once'], {
      cwd: install,
      reject: false,
      extendEnv: false,
      timeout: 120_000,
      env: {
        PATH: pathWithStandin(),
        HOME: install,
        LOG_PRETTY: 'true',
        BACKEND: 'pscheduler',
        HOSTS: '192.0.2.10@alpha',
        TESTS: 'rtt',
        REDIS_URL: TEST_REDIS_URL,
        QUEUE_PREFIX: testPrefix(),
        TESTPOINT: 'tp-pretty',
        DATA_DIR: join(install, 'data'),
      },
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) {
      expect(line).toMatch(READABLE);
      expect(line.startsWith('{')).toBe(false);
    }
    expect(r.stderr).toMatch(/INFO  run-once: round enqueued {2}measurements=1/);
    expect(r.stdout).toContain('OK');
  });
});

describe('npm run psq', () => {
  it('runs the CLI: npm run psq -- list-tests prints the categories', async () => {
    const r = await execa('npm', ['run', '--silent', 'psq', '--', 'list-tests'], { cwd: ROOT, reject: false, timeout: 120_000 });
    expect(r.exitCode).toBe(0);
    const categories = r.stdout.split('\n').map((l) => l.split(/\s+/)[0]);
    expect(categories).toEqual(['latency', 'rtt', 'throughput', 'trace', 'mtu', 'clock']);
  });
});
