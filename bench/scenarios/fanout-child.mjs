// The measured side of bench/scenarios/fanout.ts, in a fresh process of its own and in plain
// JavaScript on the compiled build (dist/), as production runs it: no TypeScript loader in the
// heap or the RSS. `node fanout-child.mjs MODE REDIS_URL DESTINATIONS` prints one JSON line:
// { jobs, wallMs, peakRss, readyRss, maxStallMs }.
//   ceiling: raw BullMQ addBulk of DESTINATIONS × 7 minimal jobs, one call, on one queue.
//   fanout:  the real scheduler role (dist/src/roles/scheduler-role.js) with one schedule of a
//            DESTINATIONS-host plan (6 categories, reverse throughput); its delayed tick is
//            promoted and timed until the role's tick processor has fanned out the whole round.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Queue } from 'bullmq';

const DIST = new URL('../../dist/src/', import.meta.url);
const PREFIX = 'bench';
/** A schedule that never fires by itself during the run (1 January): the child promotes its tick. */
const YEARLY = '0 0 1 1 *';
const [mode, url, destinationsArg] = process.argv.slice(2);
const destinations = Number(destinationsArg);

/** The n-th destination, from 198.18.0.0/15 (RFC 2544: benchmarking), never routed. */
function destination(n) {
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}@dest-${n}`;
}

/** Runs `fn` with the event-loop delay histogram on (10 ms resolution); its time and longest stall. */
async function measured(fn) {
  global.gc?.();
  const readyRss = process.memoryUsage.rss();
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t = performance.now();
  await fn();
  const wallMs = performance.now() - t;
  h.disable();
  return { wallMs, readyRss, maxStallMs: h.max / 1e6 };
}

async function ceiling() {
  const queue = new Queue('ceiling', { connection: { url }, prefix: PREFIX });
  await queue.waitUntilReady();
  const n = destinations * 7;
  const m = await measured(() => queue.addBulk(Array.from({ length: n }, (_, i) => ({ name: 'm', data: { i } }))));
  const jobs = await queue.count();
  await queue.close();
  return { jobs, ...m };
}

async function fanout() {
  const [{ createLogger }, { loadConfig }, { plan }, names, { QueueRegistry }, { redisOptionsFromUrl }, { startSchedulerRole }] = await Promise.all(
    ['logger.js', 'config/load-config.js', 'plan/plan.js', 'queues/queue-names.js', 'queues/queue-registry.js', 'queues/redis-options.js', 'roles/scheduler-role.js'].map(
      (m) => import(new URL(m, DIST).href),
    ),
  );
  const logger = createLogger({ level: 'silent' });
  const hosts = Array.from({ length: destinations }, (_, i) => destination(i)).join(' ');
  const config = loadConfig({ TESTPOINT: 'tp-0', HOSTS: hosts, REVERSE: 'true', TOOL_MODE: 'auto' }, { hostname: 'bench', inContainer: false, processEnv: {} });
  const { specs } = plan(config);
  const queues = new QueueRegistry(redisOptionsFromUrl(url), PREFIX, logger);
  const role = await startSchedulerRole({ config, schedules: [{ testpoint: 'tp-0', pattern: YEARLY, tz: 'UTC', specs }], queues, logger });
  try {
    const scheduleQueue = queues.get(names.SCHEDULE_QUEUE);
    const [tick] = await scheduleQueue.getDelayed(0, 0);
    if (tick === undefined) throw new Error('no delayed tick');
    const m = await measured(async () => {
      await tick.promote();
      // Done when the tick processor has fanned out the whole round (it returns after the last add).
      for (;;) {
        const state = await scheduleQueue.getJobState(String(tick.id));
        if (state === 'completed') return;
        if (state === 'failed') throw new Error(`tick failed: ${(await scheduleQueue.getJob(String(tick.id)))?.failedReason}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    });
    const jobs = (await queues.get(names.measureQueueName('tp-0')).count()) + (await queues.get(names.throughputQueueName('tp-0')).count());
    if (jobs !== specs.length) throw new Error(`${jobs} measure jobs for ${specs.length} specs`);
    return { jobs, ...m };
  } finally {
    await role.close();
    await queues.close();
  }
}

const result = mode === 'ceiling' ? await ceiling() : await fanout();
// ru_maxrss: the kernel's own peak, so a spike between two samples is not missed.
process.stdout.write(`${JSON.stringify({ ...result, peakRss: process.resourceUsage().maxRSS * 1024 })}\n`);
process.exit(0);
