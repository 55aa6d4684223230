// The CLI imports a command's modules only when that command runs: `psq help`, `list-tests` and the
// health checks (every 30 s per container) must not load the queue, HTTP, dashboard or process
// libraries. Checked on the real process (bin/psq.js → dist/) with a module resolve hook.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { PSQ_BIN } from '../helpers/psq.js';
import { REPO } from '../helpers/build.js';
import { TEST_REDIS_URL } from '../helpers/redis.js';
import { testDir, testPrefix } from '../helpers/test-context.js';
import { eventually } from '../helpers/eventually.js';

const HOOK = pathToFileURL(join(REPO, 'test/fixtures/record-imports.mjs')).href;
const REGISTER = `data:text/javascript,import{register}from"node:module";register(${JSON.stringify(HOOK)})`;

/** The npm packages a psq run imported (first path segment(s) after node_modules/). */
async function packagesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<{ exitCode: number | undefined; packages: string[] }> {
  const log = join(testDir(), 'imports.txt');
  const r = await execa(process.execPath, ['--import', REGISTER, PSQ_BIN, ...args], {
    env: { PATH: process.env['PATH'], RECORD_IMPORTS_TO: log, ...env },
    extendEnv: false,
    reject: false,
    cwd: testDir(),
  });
  let urls: string[] = [];
  try {
    urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  } catch {
    // nothing imported beyond node's own modules
  }
  return { exitCode: r.exitCode, packages: packagesIn(urls.join('\n')) };
}

function packagesIn(imported: string): string[] {
  const packages = new Set<string>();
  for (const u of imported.split('\n')) {
    const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u);
    if (m) packages.add(m[1]!);
  }
  return [...packages].sort();
}

const HEAVY = ['bullmq', 'ioredis', 'express', '@bull-board/api', '@bull-board/express', 'undici', 'execa', 'pino', 'prom-client'];

describe('psq loads a command’s modules only when it runs', () => {
  it.each([['help'], ['list-tests']])('psq %s imports none of bullmq, ioredis, express, bull-board, undici, execa, pino', async (command) => {
    const { exitCode, packages } = await packagesLoadedBy([command]);
    expect(exitCode).toBe(0);
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it('psq health scheduler asks Redis on a socket of its own: no Redis, queue, config-schema, HTTP or process library', async () => {
    const { exitCode, packages } = await packagesLoadedBy(['health', 'scheduler'], { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: testPrefix() });
    // No scheduler runs under this prefix: unhealthy (1), having counted the workers in CLIENT LIST.
    expect(exitCode).toBe(1);
    expect(packages).toEqual([]);
  });

  it('psq start archive loads none of the dashboard, measurement or fleet libraries, nor zod (the environment is checked without it)', async () => {
    const log = join(testDir(), 'imports-start.txt');
    const child = execa(process.execPath, ['--import', REGISTER, PSQ_BIN, 'start', 'archive'], {
      env: { PATH: process.env['PATH'], RECORD_IMPORTS_TO: log, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: testPrefix(), ARCHIVE_URLS: 'http://127.0.0.1:9/ps' },
      extendEnv: false,
      reject: false,
      cwd: testDir(),
    });
    try {
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      await eventually(() => out.includes('psq started'), { timeoutMs: 20_000, what: 'psq start archive to start' });
    } finally {
      child.kill('SIGTERM');
      await child;
    }
    const packages = packagesIn(readFileSync(log, 'utf8'));
    expect(packages).toEqual(expect.arrayContaining(['bullmq', 'undici']));
    expect(packages.filter((p) => ['express', '@bull-board/api', '@bull-board/express', 'prom-client', 'execa', 'yaml', 'zod'].includes(p))).toEqual([]);
  });

  it('the hook does see what a command loads: psq plan loads execa (its backends) and zod (fleet files)', async () => {
    const { exitCode, packages } = await packagesLoadedBy(['plan'], { HOSTS: '127.0.0.1', BACKEND: 'direct', DATA_DIR: join(testDir(), 'data') });
    expect(exitCode).toBe(0);
    expect(packages).toEqual(expect.arrayContaining(['zod', 'execa']));
  });
});
