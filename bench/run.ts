// `npm run bench`: performance figures (printed, not asserted).
import { benchRedisBacklog } from './redis-backlog.js';

await benchRedisBacklog();
process.exit(0);
