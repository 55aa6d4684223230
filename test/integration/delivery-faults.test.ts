// Delivery that loses nothing, under faults injected into a real archiver on loopback:
// refused connections, 500s, resets, stalls, 429 + Retry-After, and one archiver of two down.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import type { Config } from '../../src/config/config.js';
import { createLogger } from '../../src/logger.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import type { Role } from '../../src/roles/role.js';
import { waitForDeliveries } from '../../src/operations/wait-for-deliveries.js';
import { freePort, produceResults } from '../helpers/archive-harness.js';
import { startArchiverServer, type ArchiverServer, type Mode } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { testRedisOptions } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { testPrefix } from '../helpers/test-context.js';

const TOKEN = 'fault-token';
const logger = createLogger({ level: 'silent' });
let queues: QueueRegistry;
let roles: Role[];
let servers: ArchiverServer[];

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  roles = [];
  servers = [];
});
afterEach(async () => {
  for (const r of roles) await r.close();
  await queues.close();
  for (const s of servers) await s.close();
});

function config(urls: string[], over: Record<string, string> = {}): Config {
  return testConfig({
    ARCHIVE_URLS: urls.join(' '),
    AUTH_TOKEN: TOKEN,
    ARCHIVE_ATTEMPTS: '100',
    ARCHIVE_BACKOFF_MS: '50',
    ARCHIVE_BACKOFF_MAX_MS: '400',
    ARCHIVE_TIMEOUT_MS: '300',
    ...over,
  });
}

async function archiver(options: Parameters<typeof startArchiverServer>[0] = {}) {
  const s = await startArchiverServer({ token: TOKEN, ...options });
  servers.push(s);
  return s;
}

async function startWorkers(cfg: Config) {
  roles.push(await startArchiveRole({ config: cfg, queues, logger, shutdownGraceMs: 2000 }));
}

const queueFor = (name: string) => queues.get<ArchiveJobData>(name);

describe('delivery under faults', () => {
  it('archiver refusing connections while 50 results are produced, then up: all 50 delivered, none twice', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/ps`;
    const cfg = config([url]);
    await startWorkers(cfg);
    const refs = await produceResults(queues, cfg, 50);
    // Give every job at least one refused attempt.
    await eventually(async () => (await queues.get(refs[0]!.queue).getJobCounts('delayed'))['delayed']! >= 40, { timeoutMs: 10_000, what: 'refused attempts' });
    const s = await archiver({ port });
    const outcomes = await waitForDeliveries(queueFor, refs, 30_000, 100);
    expect(outcomes.filter((o) => o.state === 'delivered')).toHaveLength(50);
    expect(s.distinctRecords()).toBe(50);
    expect(s.acceptedPosts()).toBe(50);
  });

  it('30% of requests answered 500, reset, or stalled past the timeout: all delivered; repeats only as same-run_id re-POSTs', async () => {
    const s = await archiver();
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const faults: Mode[] = [{ status: 500 }, 'reset', 'stall'];
    const script: Mode[] = Array.from({ length: 120 }, () => (random() < 0.3 ? faults[Math.floor(random() * 3)]! : 'normal'));
    s.enqueue(...script);
    const cfg = config([s.url]);
    await startWorkers(cfg);
    const refs = await produceResults(queues, cfg, 50);
    const outcomes = await waitForDeliveries(queueFor, refs, 60_000, 100);
    expect(outcomes.filter((o) => o.state === 'delivered')).toHaveLength(50);
    const faulted = s.requests.filter((r) => r.status !== 200);
    expect(faulted.length).toBeGreaterThan(10);
    expect(s.distinctRecords()).toBe(50);
    // Every request, faulted or accepted, carried one of the 50 run_ids: nothing was invented.
    const runIds = new Set(s.requests.map((r) => (r.body as { run_id: string }).run_id));
    expect(runIds.size).toBe(50);
    expect([...s.records.values()].every((r) => r.writes >= 1)).toBe(true);
  });

  it('429 with Retry-After: 2 — the next attempt waits at least 2 s', async () => {
    const s = await archiver();
    s.enqueue({ status: 429, retryAfter: 2 });
    const cfg = config([s.url]);
    await startWorkers(cfg);
    const refs = await produceResults(queues, cfg, 1);
    const [outcome] = await waitForDeliveries(queueFor, refs, 15_000, 100);
    expect(outcome!.state).toBe('delivered');
    expect(s.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(s.requests[1]!.receivedAt - s.requests[0]!.receivedAt).toBeGreaterThanOrEqual(2000);
  });

  it('two archivers, one stalled: the other receives everything without waiting', async () => {
    const down = await archiver();
    down.setDefaultMode('stall');
    const up = await archiver();
    const cfg = config([down.url, up.url], { ARCHIVE_TIMEOUT_MS: '20000', ARCHIVE_CONCURRENCY: '2' });
    await startWorkers(cfg);
    const started = Date.now();
    await produceResults(queues, cfg, 20);
    await eventually(() => up.distinctRecords() === 20, { timeoutMs: 10_000, what: 'the healthy archiver to get all 20' });
    // All 20 arrived while the stalled archiver still held its two request slots (20 s timeout).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(down.acceptedPosts()).toBe(0);
    expect(down.requests.length).toBeLessThanOrEqual(2);
  });
});
