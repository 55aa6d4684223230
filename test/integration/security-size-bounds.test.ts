// Issue 9.6: MAX_RESULT_BYTES. A result over it stays on disk under its normal name, the measurement
// fails saying so, and nothing of that size enters Redis: no archive job carries it. The STAND-IN
// pscheduler writes a padded result (mode big:<bytes>); the direct backend runs the real ping.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { createBackend } from '../../src/measure/create-backend.js';
import { createPschedulerBackend } from '../../src/measure/pscheduler-backend.js';
import { plan } from '../../src/plan/plan.js';
import { archiveQueueName } from '../../src/queues/queue-names.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startMeasureRole } from '../../src/roles/measure-role.js';
import type { Role } from '../../src/roles/role.js';
import { runOnce } from '../../src/operations/run-once.js';
import { testConfig } from '../helpers/config.js';
import { keysWithPrefix, TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { readStandinLog, standinInThisProcess } from '../helpers/standin.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
const standinLog = standinInThisProcess();
const ARCHIVER = 'http://127.0.0.1:9/ps';

let queues: QueueRegistry;
let role: Role | null;

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
  role = null;
  onCleanup(() => role?.close());
});

function config(env: Record<string, string>): Config {
  return testConfig({
    TESTPOINT: 'tp-size',
    DATA_DIR: join(testDir(), 'data'),
    ARCHIVE_URLS: ARCHIVER,
    MEASURE_ATTEMPTS: '2',
    MEASURE_RETRY_DELAY_MS: '10',
    ...env,
  });
}

async function round(cfg: Config, backend = createPschedulerBackend(cfg.pschedulerBin, process.env)) {
  role = await startMeasureRole({ config: cfg, queues, backend, logger, shutdownGraceMs: 5000 });
  return runOnce({ config: cfg, queues, logger, specs: plan(cfg).specs, archiveWaitMs: 0, pollMs: 50 });
}

const resultFiles = (category: string) => {
  const d = join(testDir(), 'data', category);
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => join(d, f)) : [];
};

/** The largest value under this test's prefix, in bytes (Redis' own account of each key). */
async function largestRedisValue(): Promise<number> {
  const client = new Redis(TEST_REDIS_URL);
  try {
    let largest = 0;
    for (const key of await keysWithPrefix(testPrefix())) largest = Math.max(largest, Number(await client.memory('USAGE', key)) || 0);
    return largest;
  } finally {
    client.disconnect();
  }
}

async function expectNoArchiveJobs(): Promise<void> {
  const counts = await queues.get(archiveQueueName(ARCHIVER)).getJobCounts('waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized');
  expect(Object.values(counts).every((n) => n === 0), JSON.stringify(counts)).toBe(true);
}

describe('MAX_RESULT_BYTES', () => {
  it('stand-in: a result over the bound is kept on disk, the measurement fails saying so (no retry), no archive job, nothing big in Redis', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'big:200000';
    const cfg = config({ TESTS: 'rtt', MAX_RESULT_BYTES: '4096' });
    const summary = await round(cfg);

    const [file, ...more] = resultFiles('rtt');
    expect(more).toEqual([]);
    expect(file).toMatch(/\/rtt\/loopback@127\.0\.0\.1_auto_\d{8}-\d{6}Z_forward\.json$/);
    const bytes = statSync(file!).size;
    expect(bytes).toBeGreaterThanOrEqual(200_000);
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toMatchObject({ succeeded: true });
    // Beside it the usual .meta, marked as not handed to the archivers (replay leaves it alone).
    expect(JSON.parse(readFileSync(`${file}.meta`, 'utf8'))).toMatchObject({ archived: false, succeeded: false });

    expect(summary.measurements).toHaveLength(1);
    expect(summary.measurements[0]).toMatchObject({
      state: 'failed',
      reason: `result is ${bytes} bytes, over MAX_RESULT_BYTES=4096; kept at ${file}, not archived`,
    });
    expect(readStandinLog(standinLog())).toHaveLength(1);
    await expectNoArchiveJobs();
    expect(await largestRedisValue()).toBeLessThan(16 * 1024);
  });

  it('stand-in: a result within the bound is archived as before', async () => {
    process.env['PSQ_STANDIN_MODE'] = 'big:3000';
    const cfg = config({ TESTS: 'rtt', MAX_RESULT_BYTES: '4096' });
    const summary = await round(cfg);
    expect(summary.measurements[0]).toMatchObject({ state: 'succeeded' });
    expect(await queues.get(archiveQueueName(ARCHIVER)).getJobCounts('waiting')).toEqual({ waiting: 1 });
  });

  it('direct backend (real ping to 127.0.0.1): a result over the bound is kept on disk, failed, not archived', async () => {
    const cfg = config({ BACKEND: 'direct', TESTS: 'rtt', RTT_ARGS: '--count 20 --interval 0.2', MAX_RESULT_BYTES: '1024' });
    const summary = await round(cfg, createBackend('direct', cfg, logger));
    const [file] = resultFiles('rtt');
    const bytes = statSync(file!).size;
    expect(bytes).toBeGreaterThan(1024);
    expect(JSON.parse(readFileSync(file!, 'utf8')).roundtrips).toHaveLength(20);
    expect(summary.measurements[0]).toMatchObject({
      state: 'failed',
      reason: `result is ${bytes} bytes, over MAX_RESULT_BYTES=1024; kept at ${file}, not archived`,
    });
    await expectNoArchiveJobs();
  });
});
