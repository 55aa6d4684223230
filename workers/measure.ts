// Entrypoint for the measure role alone (one deployable process): `tsx workers/measure.ts`.
import { main } from '../src/cli/main.js';

process.exitCode = await main(['start', 'measure', ...process.argv.slice(2)]);
process.exit(process.exitCode);
