// Runs the CLI for a process entry point (bin/psq.js, workers/*.ts) and leaves with its exit code.
import { main } from './main.js';

export async function runMain(argv: readonly string[]): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  // Let stdout drain before leaving; pino writes synchronously to fds.
  setImmediate(() => process.exit(code));
}
