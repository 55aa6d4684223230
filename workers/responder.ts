// The responder role alone, as one deployable process: `node dist/workers/responder.js` is `psq start responder`
// (the same code, src/cli/commands/start.ts); further arguments such as --env-file pass through.
import { runMain } from '../src/cli/run-main.js';

await runMain(['start', 'responder', ...process.argv.slice(2)]);
