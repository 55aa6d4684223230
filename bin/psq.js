#!/usr/bin/env node
// psq launcher: runs the compiled build in dist/ (`npm run build`; `npm ci` builds it through the
// `prepare` script). No TypeScript at run time: tsx and the compiler are development tools only.
import { runMain } from '../dist/src/cli/run-main.js';

await runMain(process.argv.slice(2));
