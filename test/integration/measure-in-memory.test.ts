// The measure role with backends that answer at once (no child process): what a measurement leaves
// behind once it is kept and handed over. A result and its .meta per measurement, the marker that a
// lost-lock re-run would reuse, one archive job each; a completed job's outcome is in its return
// value only (no progress write), a failed one's also in its progress (run-once and the dashboard
// read it there); no scratch directory unless the backend asks for one; the round record sums them.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import type { MeasureBackend } from '../../src/measure/backend.js';
import type { MeasureOutcome } from '../../src/measure/measure-processor.js';
import { findEarlierRun } from '../../src/measure/measured-marker.js';
import { testpointKeys } from '../../src/operations/testpoint-status-keys.js';
import { plan } from '../../src/plan/plan.js';
import { archiveQueueName, measureQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import type { Role } from '../../src/roles/role.js';
import { fanOut, measureJobOptions } from '../../src/schedule/fan-out.js';
import { testConfig } from '../helpers/config.js';
import { eventually } from '../helpers/eventually.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
const ARCHIVER = 'http://127.0.0.1:9/ps';
const RTT = readFileSync(join(import.meta.dirname, '../fixtures/pscheduler/rtt.json'), 'utf8');
const FAILED = '{"succeeded":false,"error":"ping: unreachable"}\n';

let queues: QueueRegistry;
let role: Role | null;

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
  role = null;
  onCleanup(() => role?.close());
});

function config(): Config {
  return testConfig({
    TESTPOINT: 'tp-mem',
    HOSTS: '10.1.0.1@one 10.1.0.2@two 10.1.0.3@three',
    TESTS: 'rtt',
    REVERSE: 'false',
    DATA_DIR: join(testDir(), 'data'),
    ARCHIVE_URLS: ARCHIVER,
    MEASURE_ATTEMPTS: '1',
  });
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

async function round(cfg: Config, backend: MeasureBackend) {
  role = await startMeasureRole({ config: cfg, queues, backend, logger, shutdownGraceMs: 5000 });
  const slotMs = Math.floor(Date.now() / 60_000) * 60_000;
  const jobs = await fanOut(plan(cfg).specs, slotMs, (name) => queues.get(name), measureJobOptions(cfg), { notAfterMs: slotMs + 3_600_000 });
  const queue = queues.get(measureQueueName(cfg.testpoint));
  await eventually(async () => {
    const c = await queue.getJobCounts('completed', 'failed');
    return (c['completed'] ?? 0) + (c['failed'] ?? 0) === jobs.length ? true : undefined;
  }, { timeoutMs: 20_000, what: 'every measurement to finish' });
  return { jobs, slotMs, queue };
}

describe('measure role with an in-memory backend', () => {
  it('keeps each result with its .meta and marker, queues one archive job each; completed jobs write no progress; no scratch', async () => {
    const cfg = config();
    const asked: string[] = [];
    const backend: MeasureBackend = {
      name: 'instant',
      supports: () => ({ ok: true }),
      run: async (spec, ctx) => {
        if (spec.dest.name !== 'three') return { kind: 'ran', diags: '', output: RTT };
        // This one writes its result to a file, as pscheduler does.
        const file = await ctx.outputFile();
        asked.push(file);
        writeFileSync(file, RTT);
        return { kind: 'ran', diags: '' };
      },
    };
    const { jobs, slotMs, queue } = await round(cfg, backend);
    expect(jobs).toHaveLength(3);
    const completed = await queue.getCompleted();
    expect(completed).toHaveLength(3);
    // Compact jobs (fan-out.ts): the worker measured the spec each id names, from its own plan.
    expect(completed.map((j) => j.data)).toEqual(jobs.map(() => ({ slotMs, notAfterMs: slotMs + 3_600_000 })));
    expect(completed.map((j) => j.name).sort()).toEqual(['rtt auto → one (10.1.0.1) forward', 'rtt auto → three (10.1.0.3) forward', 'rtt auto → two (10.1.0.2) forward']);
    for (const job of completed) {
      const rv = job.returnvalue as MeasureOutcome;
      expect(rv).toMatchObject({ succeeded: true, archived: true, keptOnDisk: true });
      expect(rv.archiveJobs).toHaveLength(1);
      expect(job.progress).toBe(0); // never written: the return value says it all
      expect(readFileSync(rv.resultFile!, 'utf8')).toBe(RTT);
      expect(JSON.parse(readFileSync(`${rv.resultFile}.meta`, 'utf8'))).toMatchObject({ measureJobId: job.id, run_id: rv.runId, ts: rv.ts });
      // The marker a lost-lock re-run of this attempt would find.
      expect((await findEarlierRun(cfg.dataDir, String(job.id), 0))?.file).toBe(rv.resultFile);
    }
    expect(await queues.get(archiveQueueName(ARCHIVER)).count()).toBe(3);
    // Only results, their .meta and markers: no temp files, no scratch in DATA_DIR.
    const files = filesUnder(cfg.dataDir);
    expect(files.filter((f) => f.startsWith('rtt/'))).toHaveLength(6);
    expect(files.filter((f) => f.includes('.partial'))).toEqual([]);
    // The one backend that asked for a scratch file had one outside DATA_DIR, removed afterwards.
    expect(asked).toHaveLength(1);
    expect(asked[0]!.startsWith(cfg.dataDir)).toBe(false);
    expect(existsSync(dirname(asked[0]!))).toBe(false);

    // The round record: the three summed, written at the latest when the role stops.
    await role!.close();
    const client = new Redis(TEST_REDIS_URL);
    onCleanup(() => client.disconnect());
    const keys = testpointKeys(testPrefix(), cfg.testpoint);
    expect(await client.hget(keys.round('rtt', slotMs), 'succeeded')).toBe('3');
  });

  it('a failed measurement still leaves its outcome in progress (return values of failed jobs are lost)', async () => {
    const cfg = config();
    const backend: MeasureBackend = { name: 'instant', supports: () => ({ ok: true }), run: async () => ({ kind: 'ran', diags: '', output: FAILED }) };
    const { queue } = await round(cfg, backend);
    const failed = await queue.getFailed();
    expect(failed).toHaveLength(3);
    for (const job of failed) {
      const progress = job.progress as MeasureOutcome;
      expect(progress).toMatchObject({ succeeded: false, keptOnDisk: true });
      expect(readFileSync(progress.resultFile!, 'utf8')).toBe(FAILED);
      expect(Array.isArray(progress.archiveJobs)).toBe(true);
    }
  });

  it('a compact job that fails is retried after MEASURE_RETRY_DELAY_MS (the worker\'s backoff strategy)', async () => {
    const cfg = { ...config(), measureAttempts: 2, measureRetryDelayMs: 300 };
    const tries = new Map<string, number[]>();
    const backend: MeasureBackend = {
      name: 'instant',
      supports: () => ({ ok: true }),
      run: async (spec) => {
        const at = [...(tries.get(spec.dest.name) ?? []), Date.now()];
        tries.set(spec.dest.name, at);
        return { kind: 'ran', diags: '', output: at.length === 1 ? FAILED : RTT };
      },
    };
    const { queue } = await round(cfg, backend);
    const completed = await queue.getCompleted();
    expect(completed).toHaveLength(3);
    for (const job of completed) expect(job.attemptsMade).toBe(2); // the failed try and the one that completed
    for (const [, [first, second]] of tries) expect(second! - first!).toBeGreaterThanOrEqual(250);
  });
});
