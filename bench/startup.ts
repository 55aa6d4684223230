// Benchmark: how fast psq commands start (the compose health checks run one every 30 s per
// container) against bare `node -e 0` on the same machine, and the size of a production install
// (what the images ship). Prints figures; asserts nothing. Target (issue 11): list-tests and
// health within 2× bare node; production node_modules ≤ 60 MB.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { ensureBuilt, REPO } from '../test/helpers/build.js';

const RUNS = Number(process.env['BENCH_STARTUP_RUNS'] ?? 15);
const PSQ = join(REPO, 'bin/psq.js');

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function wallMs(args: readonly string[], env: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  spawnSync(process.execPath, args, { env, stdio: 'ignore', cwd: tmpdir() });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/** Production node_modules as the images install it, in a temp copy; MB as `du -sm` counts them. */
function productionInstallMb(): number {
  const dir = mkdtempSync(join(tmpdir(), 'psq-bench-prod-'));
  try {
    cpSync(join(REPO, 'package.json'), join(dir, 'package.json'));
    cpSync(join(REPO, 'package-lock.json'), join(dir, 'package-lock.json'));
    execaSync('npm', ['ci', '--omit=dev', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--silent'], { cwd: dir });
    return Number(execaSync('du', ['-sm', join(dir, 'node_modules')]).stdout.split('\t')[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchStartup(): Promise<void> {
  ensureBuilt();
  const env = { PATH: process.env['PATH'], REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379', QUEUE_PREFIX: `bench-startup-${process.pid}` };
  const cases: Array<[string, string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['psq list-tests', [PSQ, 'list-tests']],
    ['psq health scheduler', [PSQ, 'health', 'scheduler']],
  ];
  const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
  for (const [, args] of cases) wallMs(args, env); // warm the file cache
  // Interleaved, so load on a shared machine falls on every case alike.
  for (let i = 0; i < RUNS; i++) for (const [name, args] of cases) times.get(name)!.push(wallMs(args, env));
  const base = median(times.get('node -e 0')!);
  console.log(`startup (node ${process.version}, median of ${RUNS} runs, Redis ${env.REDIS_URL}):`);
  for (const [name] of cases) {
    const m = median(times.get(name)!);
    console.log(`  ${name.padEnd(22)} ${m.toFixed(0).padStart(5)} ms  ${(m / base).toFixed(2)}× node -e 0`);
  }
  if (process.env['BENCH_STARTUP_SIZE'] !== '0') {
    console.log(`production node_modules (npm ci --omit=dev --omit=optional): ${productionInstallMb()} MB`);
  }
}
