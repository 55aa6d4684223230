// The compose scenarios: the central stack (docker-compose-redis.yml) healthy, its dashboard behind
// basic auth, Redis data through a restart; a round from each testpoint variant delivered to the test
// archiver with the cron runner's files on the host volume; and faults through compose — the archive
// worker stopped mid-round, Redis SIGKILLed, the whole stack stopped — with every result delivered
// exactly once and every role exiting 0 within its stop_grace_period.
import { Queue } from 'bullmq';
import { setTimeout as sleep } from 'node:timers/promises';
import { archiveQueueName, measureQueueName } from '../../src/queues/queue-names.js';
import type { ArchiverServer } from '../helpers/archiver-server.js';
import type { ComposeStack } from './compose-stack.js';
import { cronRunnerFileName, keptResults, type KeptResult } from './results-on-disk.js';

export const CENTRAL_SERVICES = ['redis', 'scheduler', 'archive', 'dashboard'] as const;

/** A testpoint compose file run against the central stack; docker-compose-tool.yml fits the same shape. */
export interface TestpointVariant {
  readonly name: string;
  /** Compose files added to docker-compose-redis.yml (the testpoint's own, then any test-only override). */
  readonly files: readonly string[];
  readonly service: string;
  /** Host directory the service's /data is bound to (read from the compose configuration). */
  dataDir: string;
  /** Why the variant runs differently from what users get, if it does. */
  readonly deviation: string | null;
  /**
   * The container's exit code when its init halts cleanly, if not 0. systemd as PID 1 halts with
   * reboot(2), and in a PID namespace the kernel ends the namespace's init with SIGINT for a halt:
   * Docker then reports 130 however clean the shutdown was. psq's own clean exit is then read from
   * its log ("shutdown complete").
   */
  readonly haltExitCode: number | null;
  /** uid (and gid) the host results directory must belong to, as the variant's compose file asks users. */
  readonly dataOwner?: number;
}

export interface Settings {
  readonly testpoint: string;
  readonly destName: string;
  readonly destIp: string;
  readonly categories: readonly string[];
  readonly archiveUrl: string;
  readonly redisPort: number;
  readonly redisPassword: string;
  readonly dashboardPort: number;
  readonly dashboardUser: string;
  readonly dashboardPassword: string;
}

export interface Ctx {
  readonly central: ComposeStack;
  readonly variants: readonly TestpointVariant[];
  readonly archiver: ArchiverServer;
  readonly settings: Settings;
  readonly log: (line: string) => void;
  readonly figure: (name: string, value: string) => void;
  readonly expect: (ok: boolean, what: string) => void;
}

const seconds = (since: number): number => Math.round((Date.now() - since) / 100) / 10;

async function until<T>(what: string, timeoutS: number, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false): Promise<T> {
  const started = Date.now();
  for (;;) {
    const got = await probe();
    if (got !== null && got !== undefined && got !== false) return got;
    if (Date.now() - started > timeoutS * 1000) throw new Error(`timed out after ${timeoutS} s waiting for ${what}`);
    await sleep(500);
  }
}

async function withQueue<T>(s: Settings, name: string, fn: (q: Queue) => Promise<T>): Promise<T> {
  const q = new Queue(name, {
    prefix: 'psq',
    connection: { host: '127.0.0.1', port: s.redisPort, password: s.redisPassword, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false },
  });
  q.on('error', () => undefined);
  try {
    await q.waitUntilReady();
    return await fn(q);
  } finally {
    await q.close().catch(() => undefined);
  }
}

const PENDING_STATES = ['waiting', 'delayed', 'prioritized', 'active', 'waiting-children'] as const;

/** Results kept by a testpoint that were handed to the archivers. */
function archived(results: readonly KeptResult[]): KeptResult[] {
  return results.filter((r) => r.meta?.archived === true);
}

function recordsByRunId(archiver: ArchiverServer): Map<string, { category: string; writes: number }[]> {
  const byRun = new Map<string, { category: string; writes: number }[]>();
  for (const [key, rec] of archiver.records) {
    const runId = String(rec.body.run_id);
    const category = key.split('|')[1] ?? '';
    byRun.set(runId, [...(byRun.get(runId) ?? []), { category, writes: rec.writes }]);
  }
  return byRun;
}

function undelivered(ctx: Ctx, results: readonly KeptResult[]): KeptResult[] {
  const byRun = recordsByRunId(ctx.archiver);
  return archived(results).filter((r) => !byRun.has(r.meta!.run_id));
}

/** Checks a stopped service exited cleanly (0, or its init's clean halt code with psq's own clean exit logged). */
async function expectCleanStop(ctx: Ctx, stack: ComposeStack, service: string, since: number, variant: TestpointVariant | null): Promise<void> {
  const st = await stack.state(service);
  const grace = await stack.stopGraceSeconds(service);
  const took = (Date.parse(st.FinishedAt) - since) / 1000;
  if (variant?.haltExitCode != null && st.ExitCode === variant.haltExitCode) {
    const logs = await stack.run(['logs', '--no-color', '--since', new Date(since - 1000).toISOString(), service], { quiet: true });
    const psqDone = logs.includes('"msg":"shutdown complete"');
    ctx.expect(
      !st.Running && psqDone,
      `${service}: systemd halted (exit ${st.ExitCode}: SIGINT from the kernel for a halt in a PID namespace) after psq logged "shutdown complete"${psqDone ? '' : ' — psq logged no clean shutdown'}`,
    );
  } else {
    ctx.expect(!st.Running && st.ExitCode === 0, `${service} exits 0 on stop (got ${st.ExitCode}, status ${st.Status})`);
  }
  ctx.expect(took <= grace, `${service} stopped within its stop_grace_period ${grace} s (${Math.round(took * 10) / 10} s)`);
}

// ---------------------------------------------------------------------------------------------
// (a) central stack

export async function centralStack(ctx: Ctx): Promise<void> {
  const { central, settings: s } = ctx;
  const t0 = Date.now();
  await central.run(['up', '-d']);
  const healthyIn = await central.waitHealthy(CENTRAL_SERVICES, 240);
  ctx.figure('central stack: up -d → redis, scheduler, archive, dashboard healthy', `${seconds(t0)} s (healthy ${healthyIn} s after up returned)`);
  ctx.expect(true, 'redis, scheduler, archive and dashboard healthy through their own health checks');

  // The dashboard on its published 127.0.0.1 port, behind basic auth.
  const base = `http://127.0.0.1:${s.dashboardPort}`;
  const anon = await fetch(`${base}/admin/queues`, { redirect: 'manual' });
  ctx.expect(anon.status === 401, `dashboard without credentials answers 401 (got ${anon.status})`);
  const wrong = await fetch(`${base}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`${s.dashboardUser}:wrong`).toString('base64')}` } });
  ctx.expect(wrong.status === 401, `dashboard with a wrong password answers 401 (got ${wrong.status})`);
  const auth = { authorization: `Basic ${Buffer.from(`${s.dashboardUser}:${s.dashboardPassword}`).toString('base64')}` };
  const board = await fetch(`${base}/admin/queues`, { headers: auth });
  const page = await board.text();
  ctx.expect(board.status === 200 && /<html/i.test(page), `dashboard with credentials answers 200 with the board (got ${board.status})`);
  const health = await fetch(`${base}/healthz`, { headers: auth });
  const healthBody = (await health.json()) as { status?: string; redis?: string };
  ctx.expect(health.status === 200 && healthBody.redis !== 'unreachable', `/healthz answers 200 with Redis reachable (got ${health.status} ${JSON.stringify(healthBody)})`);

  // Redis data through `docker compose restart redis` (AOF): a key written before, and the scheduler's
  // Job Scheduler for the testpoint (the queues' own state).
  const marker = `compose-${Date.now()}`;
  const set = await central.run(['exec', '-T', 'redis', 'redis-cli', 'SET', 'psq-compose-test:marker', marker]);
  ctx.expect(set.trim() === 'OK', `redis-cli SET answered OK (got ${JSON.stringify(set.trim())})`);
  const aof = await central.run(['exec', '-T', 'redis', 'redis-cli', 'CONFIG', 'GET', 'appendonly'], { quiet: true });
  ctx.expect(/appendonly\s+yes/.test(aof), `Redis runs with appendonly yes (got ${JSON.stringify(aof)})`);
  const schedulersBefore = await until('the scheduler to register its Job Scheduler', 60, () =>
    withQueue(s, 'schedule', async (q) => {
      const list = await q.getJobSchedulers();
      return list.length > 0 ? list.map((j) => j.key).sort() : null;
    }),
  );
  const r0 = Date.now();
  await central.run(['restart', 'redis']);
  await central.waitHealthy(['redis'], 120);
  ctx.figure('docker compose restart redis → healthy', `${seconds(r0)} s`);
  const got = await central.run(['exec', '-T', 'redis', 'redis-cli', 'GET', 'psq-compose-test:marker'], { quiet: true });
  ctx.expect(got.trim() === marker, `a key written before \`restart redis\` is there after it (got ${JSON.stringify(got.trim())})`);
  const schedulersAfter = await withQueue(s, 'schedule', async (q) => (await q.getJobSchedulers()).map((j) => j.key).sort());
  ctx.expect(
    JSON.stringify(schedulersAfter) === JSON.stringify(schedulersBefore),
    `the Job Schedulers survive the restart (${JSON.stringify(schedulersBefore)} → ${JSON.stringify(schedulersAfter)})`,
  );
}

// ---------------------------------------------------------------------------------------------
// (b) a round from a testpoint

function checkRound(ctx: Ctx, variant: TestpointVariant, results: readonly KeptResult[]): void {
  const s = ctx.settings;
  const name = cronRunnerFileName(s.destName, s.destIp);
  const byRun = recordsByRunId(ctx.archiver);
  for (const category of s.categories) {
    const mine = results.filter((r) => r.category === category);
    ctx.expect(mine.length > 0, `${variant.name}: a ${category} result is on the host volume (${variant.dataDir}/${category}/)`);
    for (const r of mine) {
      ctx.expect(name.test(r.file), `${variant.name}: ${category}/${r.file} has the cron runner's file name (${name.source})`);
      ctx.expect(r.meta !== null, `${variant.name}: ${category}/${r.file}.meta is beside it`);
      if (r.meta?.archived !== true) continue;
      const recs = byRun.get(r.meta.run_id) ?? [];
      ctx.expect(
        recs.length === 1 && recs[0]!.category === category && recs[0]!.writes === 1,
        `${variant.name}: ${category}/${r.file} delivered once to the archiver as ${category} (records ${JSON.stringify(recs)})`,
      );
    }
  }
}

export async function round(ctx: Ctx, variant: TestpointVariant): Promise<void> {
  const stack = ctx.central.withFiles([...ctx.central.files, ...variant.files]);
  const before = new Set(keptResults(variant.dataDir).map((r) => `${r.category}/${r.file}`));
  const t0 = Date.now();
  await stack.run(['up', '-d', variant.service]);
  const healthy = stack.waitHealthy([variant.service], 300).then(
    (t) => ctx.figure(`${variant.name} testpoint: up -d → healthy`, `${Math.round(t * 10) / 10} s`),
    (e: unknown) => ctx.expect(false, `${variant.name} testpoint healthy: ${(e as Error).message}`),
  );
  // The scheduler ticks every minute; one whole round (every planned category) kept and delivered.
  const fresh = (): KeptResult[] => keptResults(variant.dataDir).filter((r) => !before.has(`${r.category}/${r.file}`));
  const results = await until(`a round from the ${variant.name} testpoint kept and delivered`, 180, () => {
    const got = fresh();
    const complete = ctx.settings.categories.every((c) => got.some((r) => r.category === c && r.meta !== null));
    return complete && undelivered(ctx, got).length === 0 ? got : null;
  });
  ctx.figure(`${variant.name} testpoint: up -d → first round kept and delivered`, `${seconds(t0)} s (${results.length} results)`);
  checkRound(ctx, variant, results);
  await healthy;
  const s0 = Date.now();
  await stack.run(['stop', variant.service]);
  await expectCleanStop(ctx, stack, variant.service, s0, variant);
}

// ---------------------------------------------------------------------------------------------
// (c) faults

export async function faults(ctx: Ctx, variant: TestpointVariant): Promise<void> {
  const s = ctx.settings;
  const stack = ctx.central.withFiles([...ctx.central.files, ...variant.files]);
  const archiveQueue = archiveQueueName(s.archiveUrl);
  const measureQueue = measureQueueName(s.testpoint);
  await stack.run(['up', '-d', variant.service]);

  // 1. `docker compose stop archive` during a round: the archiver stalls the round's deliveries, so one
  //    is in flight when the archive worker gets SIGTERM.
  const requestsBefore = ctx.archiver.requests.length;
  ctx.archiver.setDefaultMode('stall');
  await until('a delivery of the next round in flight (stalled at the archiver)', 90, () =>
    ctx.archiver.requests.slice(requestsBefore).some((r) => r.mode === 'stall'),
  );
  const a0 = Date.now();
  await stack.run(['stop', 'archive']);
  ctx.archiver.setDefaultMode('normal');
  ctx.figure('docker compose stop archive (deliveries in flight)', `${seconds(a0)} s`);
  await expectCleanStop(ctx, stack, 'archive', a0, null);

  // The round goes on without the archive worker: its measurements finish and wait in Redis.
  await until('the round\'s measurements to finish', 120, () =>
    withQueue(s, measureQueue, async (q) => {
      const c = await q.getJobCounts(...PENDING_STATES);
      return Object.values(c).every((n) => n === 0);
    }),
  );
  const pending = await withQueue(s, archiveQueue, async (q) => (await q.getJobs([...PENDING_STATES])).map((j) => j.id!));
  ctx.expect(pending.length > 0, `deliveries wait in ${archiveQueue} while the archive worker is stopped (${pending.length})`);

  // 2. `docker compose kill -s SIGKILL redis`, then `up -d redis`: with AOF (appendfsync everysec),
  //    everything written more than a second before the kill is there after it.
  await sleep(2000);
  await stack.run(['kill', '-s', 'SIGKILL', 'redis']);
  const killed = await stack.state('redis');
  ctx.expect(!killed.Running && killed.ExitCode === 137, `redis was killed (running ${killed.Running}, exit ${killed.ExitCode})`);
  const k0 = Date.now();
  await stack.run(['up', '-d', 'redis']);
  await stack.waitHealthy(['redis'], 120);
  const redisBackAt = Date.now();
  ctx.figure('redis after SIGKILL: up -d → healthy', `${seconds(k0)} s`);
  const lost = await withQueue(s, archiveQueue, async (q) => {
    const missing: string[] = [];
    for (const id of pending) if ((await q.getJob(id)) === undefined) missing.push(id);
    return missing;
  });
  ctx.expect(lost.length === 0, `no pending delivery lost to the SIGKILL (${pending.length} before, missing ${JSON.stringify(lost)})`);
  const marker = await stack.run(['exec', '-T', 'redis', 'redis-cli', 'GET', 'psq-compose-test:marker'], { quiet: true });
  ctx.expect(marker.trim().startsWith('compose-'), `the key from (a) survives the SIGKILL too (got ${JSON.stringify(marker.trim())})`);

  // 3. `docker compose start archive`: the waiting deliveries go out.
  const d0 = Date.now();
  await stack.run(['start', 'archive']);
  await until('the deliveries held while the archive worker was stopped', 180, () => undelivered(ctx, keptResults(variant.dataDir)).length === 0);
  ctx.figure('docker compose start archive → held deliveries accepted', `${seconds(d0)} s`);

  // 4. A round measured after Redis came back is delivered too (every role reconnected by itself).
  await until('a round measured after the Redis SIGKILL, delivered', 150, () => {
    const after = archived(keptResults(variant.dataDir)).filter((r) => Date.parse(r.meta!.ts) >= redisBackAt);
    const complete = s.categories.every((c) => after.some((r) => r.category === c));
    return complete && undelivered(ctx, after).length === 0;
  });

  // Every result on the volume delivered exactly once, nothing delivered that is not on the volume.
  await until('the queues to settle between rounds', 90, () =>
    withQueue(s, archiveQueue, async (q) => Object.values(await q.getJobCounts(...PENDING_STATES)).every((n) => n === 0) && undelivered(ctx, keptResults(variant.dataDir)).length === 0),
  );
  const dirs = [...new Set(ctx.variants.map((v) => v.dataDir))];
  const all = archived(dirs.flatMap((d) => keptResults(d)));
  const byRun = recordsByRunId(ctx.archiver);
  const twice = [...byRun].filter(([, recs]) => recs.length !== 1 || recs[0]!.writes !== 1);
  const orphans = [...byRun.keys()].filter((runId) => !all.some((r) => r.meta!.run_id === runId));
  ctx.expect(
    all.length > 0 && all.every((r) => byRun.has(r.meta!.run_id)) && twice.length === 0 && orphans.length === 0,
    `every one of ${all.length} archived results delivered exactly once (${byRun.size} records; more than once: ${JSON.stringify(twice.slice(0, 3))}; not on disk: ${JSON.stringify(orphans.slice(0, 3))})`,
  );

  // 5. `docker compose stop` of the whole stack: SIGTERM (SIGRTMIN+3 for the systemd testpoint) to
  //    every role; each exits 0 within its own stop_grace_period.
  const services = [...CENTRAL_SERVICES, variant.service];
  const z0 = Date.now();
  await stack.run(['stop']);
  ctx.figure('docker compose stop (whole stack)', `${seconds(z0)} s`);
  for (const svc of services) await expectCleanStop(ctx, stack, svc, z0, svc === variant.service ? variant : null);
}
