// startup: how fast psq commands start (the compose health checks run one every 30 s per
// container) against bare `node -e 0`, interleaved in the same run; and the production install's size.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execaSync } from 'execa';
import { REPO } from '../../test/helpers/build.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import { median } from '../probes.js';
import type { BenchContext } from '../report.js';

const RUNS = Number(process.env['BENCH_STARTUP_RUNS'] ?? 15);
const PSQ = join(REPO, 'bin/psq.js');

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

export default async function startup(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  try {
    const env = { PATH: process.env['PATH'], REDIS_URL: redis.url, QUEUE_PREFIX: 'bench' };
    const cases: Array<[string, string[]]> = [
      ['node -e 0', ['-e', '0']],
      ['psq list-tests', [PSQ, 'list-tests']],
      ['psq health scheduler', [PSQ, 'health', 'scheduler']],
    ];
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    for (const [, args] of cases) wallMs(args, env); // warm the file cache
    // Interleaved, so load on a shared machine falls on every case alike.
    for (let i = 0; i < RUNS; i++) for (const [name, args] of cases) times.get(name)!.push(wallMs(args, env));
    const base = { name: 'node -e 0', value: median(times.get('node -e 0')!) };
    ctx.say(`node ${process.version}, median of ${RUNS} runs each, interleaved`);
    for (const [name] of cases.slice(1)) {
      ctx.report({ figure: `${name} wall time`, value: median(times.get(name)!), unit: 'ms', baseline: base, target: { max: 2 } });
    }
  } finally {
    await redis.destroy();
  }
  if (process.env['BENCH_STARTUP_SIZE'] !== '0') {
    ctx.report({ figure: 'production node_modules', value: productionInstallMb(), unit: 'MB', target: { max: 60 } });
  }
}
