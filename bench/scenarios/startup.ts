// startup: how fast psq commands start against bare `node -e 0`, interleaved in the same run (the
// compose health checks run `psq health ROLE` every 30 s per container); and the production
// install's size. The health checks run with a worker of each role connected (BullMQ workers on the
// roles' queues, in this process), so they answer ok and the figure is the healthy path.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'bullmq';
import { execaSync } from 'execa';
import { archiveQueueName, measureQueueName, SCHEDULE_QUEUE, throughputQueueName } from '../../src/queues/queue-names.js';
import { REPO } from '../../test/helpers/build.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import { median } from '../probes.js';
import type { BenchContext } from '../report.js';

// 11 × 5 commands: about 30 s on this 2-core machine under load, within the scenario's budget with the install below.
const RUNS = Number(process.env['BENCH_STARTUP_RUNS'] ?? 11);
const PSQ = join(REPO, 'bin/psq.js');
const TESTPOINT = 'bench-tp';
const ARCHIVE_URL = 'http://127.0.0.1:9/ps';

interface Run {
  readonly ms: number;
  readonly status: number | null;
  readonly stdout: string;
}

function run(args: readonly string[], env: NodeJS.ProcessEnv): Run {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, cwd: tmpdir(), encoding: 'utf8' });
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, status: r.status, stdout: r.stdout };
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
  const prefix = 'bench';
  const connection = { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null };
  // One idle worker per queue the roles serve: what `psq health` counts.
  const queues = [SCHEDULE_QUEUE, measureQueueName(TESTPOINT), throughputQueueName(TESTPOINT), archiveQueueName(ARCHIVE_URL)];
  const workers = queues.map((q) => new Worker(q, async () => undefined, { connection, prefix }));
  try {
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    const env = { PATH: process.env['PATH'], REDIS_URL: redis.url, QUEUE_PREFIX: prefix, TESTPOINT, ARCHIVE_URLS: ARCHIVE_URL };
    const cases: Array<[string, string[]]> = [
      ['node -e 0', ['-e', '0']],
      ['psq list-tests', [PSQ, 'list-tests']],
      ['psq health scheduler', [PSQ, 'health', 'scheduler']],
      ['psq health measure', [PSQ, 'health', 'measure']],
      ['psq health archive', [PSQ, 'health', 'archive']],
    ];
    // Warm the file cache, and check each command does what is timed (health answering ok).
    for (const [name, args] of cases) {
      const r = run(args, env);
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stdout}`);
    }
    const times = new Map<string, number[]>(cases.map(([name]) => [name, []]));
    // Interleaved, so load on a shared machine falls on every case alike.
    for (let i = 0; i < RUNS; i++) for (const [name, args] of cases) times.get(name)!.push(run(args, env).ms);
    const base = { name: 'node -e 0', value: median(times.get('node -e 0')!) };
    ctx.say(`node ${process.version}, median of ${RUNS} runs each, interleaved; health with one worker per queue connected`);
    for (const [name] of cases.slice(1)) {
      ctx.report({ figure: `${name} wall time`, value: median(times.get(name)!), unit: 'ms', baseline: base, target: { max: 2 } });
    }
  } finally {
    await Promise.allSettled(workers.map((w) => w.close()));
    await redis.destroy();
  }
  if (process.env['BENCH_STARTUP_SIZE'] !== '0') {
    ctx.report({ figure: 'production node_modules', value: productionInstallMb(), unit: 'MB', target: { max: 60 } });
  }
}
