// psq health ROLE…: one JSON line per role on stdout; exit 0 only if every role is alive. Used as the
// containers' health check, so it never starts an embedded Redis and never waits long; and it runs
// every 30 s in every container, so it asks Redis on one connection of its own (PING, CLIENT LIST)
// without loading a Redis or queue library.
import { askRedisChecked } from '../../queues/redis-check.js';
import { redisOptionsFromUrl } from '../../queues/redis-options.js';
import { readRedisTls } from '../../queues/redis-tls.js';
import { checkRoleHealth, queuesOfRole } from '../../operations/role-health.js';
import type { RedisReply } from '../../queues/redis-wire.js';
import type { RoleName } from '../args.js';
import type { HealthConfig } from '../health-config.js';

export async function healthCommand(config: HealthConfig, roles: readonly RoleName[]): Promise<number> {
  const connection = redisOptionsFromUrl(config.redisUrl ?? 'redis://127.0.0.1:6379', await readRedisTls(config));
  let clientList: RedisReply | null = null;
  if (roles.some((r) => queuesOfRole(r, config) !== null)) {
    const asked = await askRedisChecked(connection, [['CLIENT', 'LIST']], 3000);
    if (asked.ok) clientList = asked.replies[0] ?? null;
    // A refused password or database is a configuration error, not an unhealthy role: say so once.
    else if (asked.problem.kind === 'config') {
      process.stderr.write(`psq health: ${asked.problem.message}\n`);
      return 2;
    } else process.stderr.write(`psq health: ${asked.problem.message}\n`);
  }
  const results = await Promise.all(roles.map((role) => checkRoleHealth(role, config, clientList)));
  process.stdout.write(results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return results.every((r) => r.ok) ? 0 : 1;
}
