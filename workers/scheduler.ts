// The scheduler role alone, as one deployable process: `node dist/workers/scheduler.js` is `psq start scheduler`
// (the same code, src/cli/commands/start.ts); further arguments such as --env-file pass through.
import { runMain } from '../src/cli/run-main.js';

await runMain(['start', 'scheduler', ...process.argv.slice(2)]);
