// What the archive role logs while it delivers: a summary line per interval (not a line per
// delivery; those are debug), every failure at once; and how a slow archiver is served.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import type { Role } from '../../src/roles/role.js';
import { produceResults } from '../helpers/archive-harness.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { capturedLogger } from '../helpers/captured-logger.js';
import { testConfig } from '../helpers/config.js';
import { eventually } from '../helpers/eventually.js';
import { testRedisOptions } from '../helpers/redis.js';
import { testPrefix } from '../helpers/test-context.js';

const TOKEN = 'log-token';
let queues: QueueRegistry;
let roles: Role[];
let servers: ArchiverServer[];

beforeEach(() => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), createLogger({ level: 'silent' }));
  roles = [];
  servers = [];
});
afterEach(async () => {
  for (const r of roles) await r.close();
  await queues.close();
  for (const s of servers) await s.close();
});

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

async function setup(level: string, server: Parameters<typeof startArchiverServer>[0] = {}) {
  const s = await startArchiverServer({ token: TOKEN, ...server });
  servers.push(s);
  const lines: string[] = [];
  const logger = createLogger({ level, destination: { write: (chunk: string) => lines.push(...chunk.split('\n').filter(Boolean)) } });
  const config = testConfig({ ARCHIVE_URLS: s.url, AUTH_TOKEN: TOKEN, ARCHIVE_BACKOFF_MS: '50', ARCHIVE_BACKOFF_MAX_MS: '100' });
  roles.push(await startArchiveRole({ config, queues, logger, shutdownGraceMs: 2000, summaryEveryMs: 100 }));
  return { server: s, lines, config };
}

describe('archive role logging', () => {
  it('at info: one summary line counting the deliveries, no line per delivery, each failed attempt logged', async () => {
    const { server, lines, config } = await setup('info');
    server.failNext(1, { status: 503 });
    await produceResults(queues, config, 5);
    const summed = () => parsed(lines).reduce((n, l) => n + (typeof l.delivered === 'number' ? l.delivered : 0), 0);
    await eventually(() => summed() === 5, { timeoutMs: 10_000, what: () => `5 deliveries in summary lines (${summed()} so far)` });
    const all = parsed(lines);
    expect(all.find((l) => typeof l.delivered === 'number')).toMatchObject({ level: 30, url: server.url, delivered: expect.any(Number) });
    expect(all.some((l) => l.msg === 'archive delivered')).toBe(false);
    expect(all.filter((l) => l.msg === 'archive delivery failed; will retry')).toHaveLength(1);
  });

  it('at debug: a line per delivery as before, with its request id', async () => {
    const { lines, config } = await setup('debug');
    await produceResults(queues, config, 3);
    const each = () => parsed(lines).filter((l) => l.msg === 'archive delivered');
    await eventually(() => each().length === 3, { timeoutMs: 10_000 });
    expect(each()[0]).toMatchObject({ level: 20, status: 200, attempt: 1, requestId: expect.stringMatching(/^psq-.+-1-[0-9a-f]{6}$/) });
  });

  it('with the default concurrency, a slow archiver gets many deliveries in flight at once, each on its own connection', async () => {
    const { server, config } = await setup('silent', { latencyMs: 200 });
    expect(config.archiveConcurrency).toBe(64);
    await produceResults(queues, config, 40);
    await eventually(() => server.acceptedPosts() === 40, { timeoutMs: 15_000, intervalMs: 20 });
    // The old default (8) capped this at 8; one undici Agent per origin opens as many connections as are needed.
    expect(server.peakInFlight()).toBeGreaterThan(8);
  });
});
