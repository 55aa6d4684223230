// idle: what a long-running role costs while it has nothing to do. Each role alone (`psq start ROLE`,
// a real process from bin/psq.js), all roles in one process, and the ceiling — a minimal BullMQ
// worker process (one Worker on one queue) — run side by side against one private Redis (each
// under its own QUEUE_PREFIX), all idle over the same window: RSS at its end and CPU over it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { REPO } from '../../test/helpers/build.js';
import { freePort } from '../../test/helpers/ports.js';
import { privateRedis } from '../../test/helpers/private-redis.js';
import { standinPath } from '../../test/helpers/standin-spans.js';
import { cpuMsOf, MB, rssOf, sleep } from '../probes.js';
import type { BenchContext } from '../report.js';

const WINDOW_MS = Number(process.env['BENCH_IDLE_WINDOW_MS'] ?? 60_000);
/** After "psq started": start-up garbage collected, the first heartbeat and stall checks done. */
const SETTLE_MS = Number(process.env['BENCH_IDLE_SETTLE_MS'] ?? 3_000);
const PSQ = join(REPO, 'bin/psq.js');
const ROLES = ['scheduler', 'measure', 'archive', 'dashboard', 'responder'] as const;

const MINIMAL_WORKER = `
import { Worker } from 'bullmq';
const w = new Worker('q', async () => undefined, { connection: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT), maxRetriesPerRequest: null }, prefix: 'minimal' });
await w.waitUntilReady();
console.log('psq started');
`;

interface Subject {
  readonly name: string;
  readonly child: ResultPromise;
  out: string;
}

async function hasIperf3(): Promise<boolean> {
  const r = await execa('iperf3', ['--version'], { reject: false });
  return r.exitCode === 0;
}

export default async function idle(ctx: BenchContext): Promise<void> {
  const redis = await privateRedis({ appendfsync: 'everysec' });
  const dir = mkdtempSync(join(tmpdir(), 'psq-bench-idle-'));
  const subjects: Subject[] = [];
  try {
    const iperf3 = await hasIperf3();
    if (!iperf3) ctx.say('iperf3 is not installed: the responder is left out');
    const roles = ROLES.filter((r) => r !== 'responder' || iperf3);
    const envFor = async (prefix: string): Promise<Record<string, string>> => ({
      PATH: standinPath(process.env['PATH'] ?? ''),
      HOME: dir,
      BACKEND: 'pscheduler',
      HOSTS: '192.0.2.1@dest-a 192.0.2.2@dest-b',
      TESTPOINT: `tp-${prefix}`,
      ARCHIVE_URLS: 'http://127.0.0.1:9/ps',
      REDIS_URL: redis.url,
      QUEUE_PREFIX: prefix,
      DATA_DIR: join(dir, prefix),
      DASHBOARD_PORT: String(await freePort()),
      IPERF3_PORT: String(await freePort()),
      RESPONDER_BIND: '127.0.0.1',
    });
    const spawn = (name: string, args: string[], env: Record<string, string>) => {
      const child = execa(process.execPath, args, { env, extendEnv: false, reject: false, cwd: REPO, all: false });
      const s: Subject = { name, child, out: '' };
      child.stdout?.on('data', (b: Buffer) => {
        s.out += b.toString();
      });
      child.stderr?.on('data', (b: Buffer) => {
        s.out += b.toString();
      });
      subjects.push(s);
    };
    for (const role of roles) spawn(role, [PSQ, 'start', role], await envFor(role));
    spawn('all roles', [PSQ, 'start', ...roles], await envFor('all'));
    spawn('minimal BullMQ worker', ['--input-type=module', '-e', MINIMAL_WORKER], { PATH: process.env['PATH'] ?? '', REDIS_PORT: String(redis.port) });

    const t0 = Date.now();
    const deadline = t0 + 30_000;
    while (subjects.some((s) => !s.out.includes('psq started'))) {
      const dead = subjects.find((s) => s.child.exitCode !== null);
      if (dead) throw new Error(`${dead.name} exited ${dead.child.exitCode} before starting:\n${dead.out.slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`not started within 30 s: ${subjects.filter((s) => !s.out.includes('psq started')).map((s) => s.name).join(', ')}`);
      await sleep(100);
    }
    const startedMs = Date.now() - t0;
    await sleep(SETTLE_MS);
    const cpu0 = subjects.map((s) => cpuMsOf(s.child.pid!));
    await sleep(WINDOW_MS);
    const cpu1 = subjects.map((s) => cpuMsOf(s.child.pid!));
    const rss = subjects.map((s) => rssOf(s.child.pid!) / MB);
    const cpuPct = subjects.map((_, i) => ((cpu1[i]! - cpu0[i]!) / WINDOW_MS) * 100);
    const at = (name: string) => subjects.findIndex((s) => s.name === name);
    const minimal = at('minimal BullMQ worker');
    const rssBase = { name: 'minimal BullMQ worker', value: rss[minimal]! };
    const cpuBase = { name: 'minimal BullMQ worker', value: cpuPct[minimal]! };
    ctx.say(`node ${process.version}; ${subjects.length} processes side by side, all started in ${(startedMs / 1000).toFixed(1)} s; ${WINDOW_MS / 1000} s idle window after ${SETTLE_MS / 1000} s settling`);
    for (const role of roles) {
      const i = at(role);
      ctx.report({ figure: `${role} RSS`, value: rss[i]!, unit: 'MB', baseline: rssBase, target: { max: 80, of: 'value' } });
      ctx.report({ figure: `${role} CPU`, value: cpuPct[i]!, unit: '%', baseline: cpuBase, target: { max: 0.5, of: 'value' } });
    }
    const all = at('all roles');
    ctx.report({ figure: 'all roles in one process RSS', value: rss[all]!, unit: 'MB', baseline: rssBase, target: { max: 150, of: 'value' }, note: roles.join(' ') });
    ctx.report({ figure: 'all roles in one process CPU', value: cpuPct[all]!, unit: '%', baseline: cpuBase });
    ctx.report({ figure: 'minimal BullMQ worker RSS', value: rss[minimal]!, unit: 'MB' });
    ctx.report({ figure: 'minimal BullMQ worker CPU', value: cpuPct[minimal]!, unit: '%' });
  } finally {
    const t = Date.now();
    for (const s of subjects) s.child.kill('SIGTERM');
    await Promise.allSettled(subjects.map(async (s) => void (await s.child)));
    ctx.say(`stopped in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}
