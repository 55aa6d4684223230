// psq health ROLE…: one JSON line per role on stdout; exit 0 only if every role is alive. Used as the
// containers' health check, so it never starts an embedded Redis and never waits long.
import type { Config } from '../../config/config.js';
import { redisOptionsFromUrl } from '../../queues/redis-options.js';
import { checkRoleHealth } from '../../roles/role-health.js';
import type { RoleName } from '../args.js';

export async function healthCommand(config: Config, roles: readonly RoleName[]): Promise<number> {
  const connection = redisOptionsFromUrl(config.redisUrl ?? 'redis://127.0.0.1:6379');
  const results = await Promise.all(roles.map((role) => checkRoleHealth(role, config, connection)));
  process.stdout.write(results.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return results.every((r) => r.ok) ? 0 : 1;
}
