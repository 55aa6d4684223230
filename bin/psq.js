#!/usr/bin/env node
// psq launcher: runs the TypeScript sources through tsx, so `npx psq` works right after `npm ci`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
// Let stdout drain before leaving; pino writes synchronously to fds.
process.exitCode = code;
setImmediate(() => process.exit(code));
