// psq health ROLE…: one JSON line per role on stdout; exit 0 only if every role is alive. Used as the
// containers' health check, so it never starts an embedded Redis and never waits long.
import type { Config } from '../../config/config.js';
import { checkRedis } from '../../queues/redis-check.js';
import { redisOptionsFromUrl } from '../../queues/redis-options.js';
import { readRedisTls } from '../../queues/redis-tls.js';
import { checkRoleHealth, queuesOfRole } from '../../operations/role-health.js';
import type { RoleName } from '../args.js';

export async function healthCommand(config: Config, roles: readonly RoleName[]): Promise<number> {
  const connection = redisOptionsFromUrl(config.redisUrl ?? 'redis://127.0.0.1:6379', await readRedisTls(config));
  // A refused password or database is a configuration error, not an unhealthy role: say so once.
  if (roles.some((r) => queuesOfRole(r, config) !== null)) {
    const problem = await checkRedis(connection, 3000);
    if (problem?.kind === 'config') {
      process.stderr.write(`psq health: ${problem.message}\n`);
      return 2;
    }
    if (problem !== null) process.stderr.write(`psq health: ${problem.message}\n`);
  }
  const results = await Promise.all(roles.map((role) => checkRoleHealth(role, config, connection)));
  process.stdout.write(results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return results.every((r) => r.ok) ? 0 : 1;
}
