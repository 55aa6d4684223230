// Entrypoint for the scheduler role alone (one deployable process): `tsx workers/scheduler.ts`.
import { main } from '../src/cli/main.js';

process.exitCode = await main(['start', 'scheduler', ...process.argv.slice(2)]);
process.exit(process.exitCode);
