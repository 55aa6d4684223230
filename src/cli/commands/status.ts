// psq status [--json]: every testpoint's liveness, last round, per-category success and queue depth.
// Exit 0 when every configured testpoint is up, 1 when one is down or Redis cannot be read, 2 when
// Redis refuses this configuration. Never starts an embedded Redis: it reads the deployment's.
import { Redis } from 'ioredis';
import type { Config } from '../../config/config.js';
import { formatStatusTable } from '../../operations/testpoint-status-format.js';
import { readStatusReport } from '../../operations/testpoint-status-reader.js';
import { connectionFor } from '../../queues/connection-kinds.js';
import { checkRedis } from '../../queues/redis-check.js';
import { redisOptionsFromUrl } from '../../queues/redis-options.js';
import { readRedisTls } from '../../queues/redis-tls.js';
import { fleetProblemsText, loadFleet } from '../read-fleet-file.js';

export interface StatusCommandOptions {
  /** One JSON document on stdout instead of the table. */
  readonly json: boolean;
}

/**
 * `testpoints`: the testpoints this configuration counts on; by default FLEET_FILE's ids, or
 * TESTPOINT without a fleet file. Others whose queues are in Redis are shown too, not counted.
 */
export async function statusCommand(config: Config, options: StatusCommandOptions, testpoints?: readonly string[]): Promise<number> {
  if (testpoints === undefined) {
    const loaded = loadFleet(config);
    if (!loaded.ok) {
      process.stderr.write(`psq status: ${fleetProblemsText(config.fleetFile, loaded.problems)}\n`);
      return 2;
    }
    testpoints = loaded.fleet.testpoints.map((t) => t.id);
  }
  let tls: Awaited<ReturnType<typeof readRedisTls>>;
  try {
    tls = await readRedisTls(config);
  } catch (err) {
    process.stderr.write(`psq status: ${(err as Error).message}\n`);
    return 2;
  }
  const connection = redisOptionsFromUrl(config.redisUrl ?? 'redis://127.0.0.1:6379', tls);
  const problem = await checkRedis(connection, 3000);
  if (problem !== null) {
    process.stderr.write(`psq status: ${problem.message}\n`);
    return problem.kind === 'config' ? 2 : 1;
  }
  const client = new Redis({ ...(connectionFor('control', connection, 3000) as Record<string, unknown>), lazyConnect: true });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const report = await readStatusReport(client, { prefix: config.queuePrefix, configured: testpoints, timeoutMs: 10_000 });
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatStatusTable(report));
    return report.ok ? 0 : 1;
  } catch (err) {
    process.stderr.write(`psq status: could not read the testpoints' status from Redis: ${(err as Error).message}\n`);
    return 1;
  } finally {
    client.disconnect();
  }
}
