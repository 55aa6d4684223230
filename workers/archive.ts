// Entrypoint for the archive role alone (one deployable process): `tsx workers/archive.ts`.
import { main } from '../src/cli/main.js';

process.exitCode = await main(['start', 'archive', ...process.argv.slice(2)]);
process.exit(process.exitCode);
