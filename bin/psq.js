#!/usr/bin/env node
// psq launcher: runs the compiled build in dist/ (`npm run build`; `npm ci` builds it through the
// `prepare` script). No TypeScript at run time: tsx and the compiler are development tools only.
import module from 'node:module';

// Node ≥ 22.1 (the images run 24): keep V8's compiled code of psq and its libraries on disk, so the
// health checks (one every 30 s per container) and every start skip most of the compiling. Absent on
// Node 20; an unwritable cache directory only costs the speed-up (it reports, never throws).
try {
  module.enableCompileCache?.();
} catch {
  // no cache: starts as before
}

const { runMain } = await import('../dist/src/cli/run-main.js');
await runMain(process.argv.slice(2));
