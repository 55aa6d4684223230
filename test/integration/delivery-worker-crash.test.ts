// An archive worker killed with SIGKILL in the middle of a POST: its job is found stalled and the
// next worker delivers it (same run_id, so the archiver upserts).
import { join } from 'node:path';
import { execa } from 'execa';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import { QueueRegistry } from '../../src/queues/queue-registry.js';
import { produceResults } from '../helpers/archive-harness.js';
import { startArchiverServer, type ArchiverServer } from '../helpers/archiver-server.js';
import { testConfig } from '../helpers/config.js';
import { PSQ_BIN } from '../helpers/psq.js';
import { TEST_REDIS_URL, testRedisOptions } from '../helpers/redis.js';
import { eventually } from '../helpers/eventually.js';
import { onCleanup, testDir, testPrefix } from '../helpers/test-context.js';

const logger = createLogger({ level: 'silent' });
let queues: QueueRegistry;
let archiver: ArchiverServer;

beforeEach(async () => {
  queues = new QueueRegistry(testRedisOptions(), testPrefix(), logger);
  onCleanup(() => queues.close());
  archiver = await startArchiverServer({ token: 'crash-token' });
  onCleanup(() => archiver.close());
});

describe('archive worker crash', () => {
  it('SIGKILL mid-POST: the stalled job is picked up again and delivered', async () => {
    const env = {
      PATH: process.env['PATH'] ?? '',
      HOSTS: '192.0.2.1@x',
      ARCHIVE_URLS: archiver.url,
      AUTH_TOKEN: 'crash-token',
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: testPrefix(),
      DATA_DIR: join(testDir(), 'data'),
      STALLED_INTERVAL_MS: '1000',
      ARCHIVE_TIMEOUT_MS: '60000',
    };
    archiver.setDefaultMode('stall');
    const first = execa(process.execPath, [PSQ_BIN, 'start', 'archive'], { env, extendEnv: false, reject: false });
    const [ref] = await produceResults(queues, testConfig(env), 1);
    await eventually(() => archiver.requests.length === 1, { timeoutMs: 20_000, what: 'the first POST to arrive' });
    first.kill('SIGKILL');
    await first;
    expect(await queues.get(ref!.queue).getJobState(ref!.id)).toBe('active'); // the dead worker's lock still holds it

    archiver.setDefaultMode('normal');
    const second = execa(process.execPath, [PSQ_BIN, 'start', 'archive'], { env, extendEnv: false, reject: false });
    try {
      await eventually(async () => (await queues.get(ref!.queue).getJobState(ref!.id)) === 'completed', { timeoutMs: 30_000, what: 'the stalled job to be delivered' });
    } finally {
      second.kill('SIGTERM');
      await second;
    }
    expect(archiver.distinctRecords()).toBe(1);
    expect(archiver.acceptedPosts()).toBe(1);
    const bodies = archiver.requests.map((r) => (r.body as { run_id: string }).run_id);
    expect(new Set(bodies).size).toBe(1);
  });
});
