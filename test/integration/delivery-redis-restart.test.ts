// Redis stopped and restarted (AOF on, as the compose file runs it) with deliveries pending:
// workers reconnect by themselves and every delivery still arrives.
import { describe, expect, it } from 'vitest';
import type { ArchiveJobData } from '../../src/jobs/archive-job.js';
import { createLogger } from '../../src/logger.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { redisOptionsFromUrl } from '../../src/queues/redis-options.js';
import { startArchiveRole } from '../../src/roles/archive-role.js';
import type { Role } from '../../src/roles/role.js';
import { waitForDeliveries } from '../../src/operations/wait-for-deliveries.js';
import { freePort, produceResults } from '../helpers/archive-harness.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { privateRedis, type PrivateRedis } from '../helpers/private-redis.js';
import { onCleanup } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });

describe('Redis restart', () => {
  it.each(['stop', 'kill'] as const)('redis %s and restart with 30 deliveries pending: all delivered afterwards, none lost', async (how) => {
    const redis: PrivateRedis = await privateRedis({ appendfsync: 'always' });
    onCleanup(() => redis.destroy());
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/ps`;
    const cfg = testConfig({ ARCHIVE_URLS: url, AUTH_TOKEN: 't', ARCHIVE_BACKOFF_MS: '100', ARCHIVE_BACKOFF_MAX_MS: '500', ARCHIVE_ATTEMPTS: '200', STALLED_INTERVAL_MS: '2000' });
    const queues = new QueueRegistry(redisOptionsFromUrl(redis.url), 'psq-restart', logger);
    onCleanup(() => queues.close());
    const role: Role = await startArchiveRole({ config: cfg, queues, logger, shutdownGraceMs: 1000 });
    onCleanup(() => role.close());

    const refs = await produceResults(queues, cfg, 30); // archiver down: all pending
    await new Promise((r) => setTimeout(r, 500));
    if (how === 'stop') await redis.stop();
    else await redis.kill();
    await new Promise((r) => setTimeout(r, 1000)); // workers see the outage
    await redis.start();

    const archiver: ArchiverServer = await startArchiverServer({ token: 't', port });
    onCleanup(() => archiver.close());
    const outcomes = await waitForDeliveries((n) => queues.get<ArchiveJobData>(n), refs, 45_000, 200);
    expect(outcomes.filter((o) => o.state === 'delivered')).toHaveLength(30);
    expect(archiver.distinctRecords()).toBe(30);
  });
});
