// The archive role alone, as one deployable process: `node dist/workers/archive.js` is `psq start archive`
// (the same code, src/cli/commands/start.ts); further arguments such as --env-file pass through.
import { runMain } from '../src/cli/run-main.js';

await runMain(['start', 'archive', ...process.argv.slice(2)]);
