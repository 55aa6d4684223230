// The measure role alone, as one deployable process: `node dist/workers/measure.js` is `psq start measure`
// (the same code, src/cli/commands/start.ts); further arguments such as --env-file pass through.
import { runMain } from '../src/cli/run-main.js';

await runMain(['start', 'measure', ...process.argv.slice(2)]);
