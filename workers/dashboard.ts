// The dashboard role alone, as one deployable process: `node dist/workers/dashboard.js` is `psq start dashboard`
// (the same code, src/cli/commands/start.ts); further arguments such as --env-file pass through.
import { runMain } from '../src/cli/run-main.js';

await runMain(['start', 'dashboard', ...process.argv.slice(2)]);
