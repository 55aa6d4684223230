// `npm run bench`: performance figures (printed, not asserted). `npm run bench -- startup` (or
// `redis-backlog`, `schedule-memory`) runs one of them.
import { benchRedisBacklog } from './redis-backlog.js';
import { benchScheduleMemory } from './schedule-memory.js';
import { benchStartup } from './startup.js';

const BENCHES: Record<string, () => Promise<void>> = { startup: benchStartup, 'redis-backlog': benchRedisBacklog, 'schedule-memory': benchScheduleMemory };
const chosen = process.argv.slice(2);
const unknown = chosen.filter((name) => !(name in BENCHES));
if (unknown.length > 0) {
  console.error(`bench: no benchmark ${unknown.join(', ')}; expected one of ${Object.keys(BENCHES).join(', ')}`);
  process.exit(2);
}
for (const name of chosen.length > 0 ? chosen : Object.keys(BENCHES)) await BENCHES[name]!();
process.exit(0);
